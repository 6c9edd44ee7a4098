"""Run the add-on's ``draw()`` functions headless. Blender's ``UILayout`` exists only under a window, so panels,
UI lists, preferences and operator dialogs are drawn into :class:`LayoutProbe`, which does what Blender does
with each call that can fail — looks the property up in its data's RNA, the operator up in ``bpy.ops`` and the
properties set on its button up in that operator's RNA — and fails loudly on a layout call it does not know.
What a draw puts on screen is kept as text lines (``lines``) to assert on."""
from __future__ import annotations

import types

__all__ = ["LayoutProbe", "draw", "draw_operator_dialog"]


class _ButtonProps:
    """The properties of an operator button (``layout.operator(...)`` returns them): only the operator's own."""

    def __init__(self, rna, lines: list[str], indent: str):
        object.__setattr__(self, "_rna", rna)
        object.__setattr__(self, "_lines", lines)
        object.__setattr__(self, "_indent", indent)

    def __setattr__(self, name, value):
        if name not in self._rna.properties:
            raise AssertionError(f"operator {self._rna.identifier} has no property {name!r}")
        self._lines.append(f"{self._indent}  .{name} = {value!r}")


class LayoutProbe:
    """A stand-in for ``bpy.types.UILayout`` that checks every property and operator a draw names."""

    def __init__(self, lines: list[str] | None = None, depth: int = 0, enabled: bool = True):
        self.lines = [] if lines is None else lines
        self._depth = depth
        self.enabled, self.alert, self.active = enabled, False, True
        self.use_property_split = self.use_property_decorate = False
        self.scale_x = self.scale_y = 1.0

    def _add(self, text: str) -> None:
        self.lines.append("  " * self._depth + text + ("" if self.enabled else " (disabled)"))

    def _child(self, kind: str) -> "LayoutProbe":
        self._add(f"[{kind}]")
        return LayoutProbe(self.lines, self._depth + 1, self.enabled)

    def box(self):
        return self._child("box")

    def row(self, **_kw):
        return self._child("row")

    def column(self, **_kw):
        return self._child("column")

    def split(self, **_kw):
        return self._child("split")

    def separator(self, **_kw):
        self._add("---")

    def label(self, text="", icon="NONE", **_kw):
        self._add(f"label {text!r}")

    @staticmethod
    def _rna_prop(data, name: str):
        prop = data.bl_rna.properties.get(name)
        if prop is None:
            raise AssertionError(f"{data.bl_rna.identifier} has no property {name!r}")
        return prop

    def prop(self, data, name, text=None, **_kw):
        prop = self._rna_prop(data, name)
        self._add(f"prop {name} {prop.name if text is None else text!r} = {getattr(data, name)!r}")

    def prop_search(self, data, name, search_data, search_name, text=None, **_kw):
        self._rna_prop(data, name)
        self._rna_prop(search_data, search_name)
        self._add(f"search {name} in {search_name} = {getattr(data, name)!r}")

    def operator(self, idname, text=None, icon="NONE", **_kw):
        import bpy
        room, _, name = idname.partition(".")
        op = getattr(getattr(bpy.ops, room), name)
        try:
            rna = op.get_rna_type()
        except KeyError:
            raise AssertionError(f"no operator {idname}") from None
        self._add(f"operator {idname} {rna.name if text is None else text!r}")
        return _ButtonProps(rna, self.lines, "  " * self._depth)

    def template_list(self, list_type, _list_id, data, prop, active_data, active_prop, **_kw):
        import bpy
        if not hasattr(bpy.types, list_type):
            raise AssertionError(f"no UIList {list_type}")
        self._rna_prop(data, prop)
        self._rna_prop(active_data, active_prop)
        self._add(f"list {list_type} of {prop}")

    def __getattr__(self, name):
        raise AssertionError(f"LayoutProbe does not know UILayout.{name}: add it here")


def draw(cls, context, owner=None) -> list[str]:
    """Lines drawn by ``cls.draw`` (a Panel or AddonPreferences class): ``owner`` is the object whose properties
    the draw reads through ``self`` (the preferences), else a bare panel."""
    probe = LayoutProbe()
    this = _Self(owner, probe)
    cls.draw(this, context)
    return probe.lines


def draw_operator_dialog(op, context, **props) -> list[str]:
    """Lines drawn by the file browser's side panel of the operator ``op`` (e.g. ``bpy.ops.hkmr.import_motion``):
    its ``draw`` with ``self`` carrying the operator's RNA and ``props`` (defaults for the rest)."""
    import bpy
    rna = op.get_rna_type()
    cls = getattr(bpy.types, rna.identifier)
    values = {p.identifier: getattr(p, "default", None) for p in rna.properties if p.identifier != "rna_type"}
    values.update(props)
    probe = LayoutProbe()
    cls.draw(types.SimpleNamespace(layout=probe, bl_rna=rna, **values), context)
    return probe.lines


class _Self:
    def __init__(self, owner, layout):
        self.__dict__["_owner"], self.__dict__["layout"] = owner, layout

    def __getattr__(self, name):
        if self._owner is None:
            raise AttributeError(name)
        return getattr(self._owner, name)
