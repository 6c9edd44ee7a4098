"""Corpus: retarget mapping presets (JSON from anyone). Well-formed JSON of the wrong shape used to raise
AttributeError/TypeError/RecursionError out of Load Mapping Preset; now each is a PresetError naming the file,
the field and the fix, and a good preset still loads."""
from __future__ import annotations

import json
import os

import pytest

from hkmr_blender.retarget import mapping as mp

GOOD = {"name": "mine", "description": "d", "bones": {"pelvis": ["Hips"], "left_hand": []},
        "also": {"Root": "pelvis"}, "properties": {"thigh_parent.L": {"IK_FK": 1.0}}}


def _with(**change):
    d = json.loads(json.dumps(GOOD))
    d.update(change)
    return json.dumps(d)


# (id, file text, what the message says)
PRESET_CASES = [
    ("also-is-a-list", _with(also=["Root", "pelvis"]), "field 'also' must be an object"),
    ("bones-pelvis-5", _with(bones={"pelvis": 5}), "field 'bones.pelvis'"),
    ("bones-pelvis-null", _with(bones={"pelvis": None}), "field 'bones.pelvis'"),
    ("bones-pelvis-object", _with(bones={"pelvis": {"a": 1}}), "field 'bones.pelvis'"),
    ("bones-nested-list", _with(bones={"pelvis": [["Hips"]]}), "field 'bones.pelvis' must be a bone name"),
    ("bones-is-a-list", _with(bones=[["pelvis", "Hips"]]), "field 'bones' must be an object"),
    ("bones-empty-name", _with(bones={"pelvis": [""]}), "field 'bones.pelvis'"),
    ("bones-10k-name", _with(bones={"pelvis": ["x" * 10000]}), "1–256 characters"),
    ("bones-1000-candidates", _with(bones={"pelvis": [f"b{i}" for i in range(1000)]}), "up to 64"),
    ("bones-unknown-joint", _with(bones={"pelvis_bone": ["Hips"]}), "pelvis_bone"),
    ("also-unknown-joint", _with(also={"Root": "root"}), "'root' in 'also'"),
    ("also-joint-number", _with(also={"Root": 3}), "in 'also'"),
    ("properties-nan", '{"bones": {}, "properties": {"b": {"IK_FK": NaN}}}', "properties.b.IK_FK"),
    ("properties-infinity", '{"bones": {}, "properties": {"b": {"IK_FK": Infinity}}}', "finite number"),
    ("properties-string", _with(properties={"b": {"IK_FK": "1"}}), "properties.b.IK_FK"),
    ("properties-bool", _with(properties={"b": {"IK_FK": True}}), "properties.b.IK_FK"),
    ("properties-flat", _with(properties={"IK_FK": 1.0}), "field 'properties.IK_FK' must be an object"),
    ("name-number", _with(name=7), "field 'name' must be text"),
    ("unknown-field", _with(bonez={}), "unknown field(s) 'bonez'"),
    ("deeply-nested-arrays", '{"bones": {"pelvis": ' + "[" * 100000 + "]" * 100000 + "}}", "nested too deeply"),
    ("deeply-nested-objects", '{"bones": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}", "nested too deeply"),
    ("top-level-list", "[1, 2, 3]", "not a bone-mapping preset"),
    ("top-level-null", "null", "not a bone-mapping preset"),
    ("no-bones", '{"name": "x"}', "not a bone-mapping preset"),
    ("not-json", "{", "cannot read"),
    ("binary", "\x00\x01\x02", "cannot read"),
    # second probe (issue 19)
    ("empty-file", "", "cannot read"),
    ("whitespace-only", " \n\t ", "cannot read"),
    ("duplicate-joint-key", '{"bones": {"pelvis": "Hips", "pelvis": "Root"}}', "'pelvis' appears twice"),
    ("duplicate-bones-field", '{"bones": {}, "bones": {"pelvis": "Hips"}}', "'bones' appears twice"),
    ("bones-null", '{"bones": null}', "field 'bones' must be an object"),
    ("bone-name-nan", '{"bones": {"pelvis": NaN}}', "field 'bones.pelvis'"),
    ("bone-name-lone-surrogate", '{"bones": {"pelvis": "\\ud800"}}', "valid Unicode"),
    ("properties-number-as-string-1e3", _with(properties={"b": {"IK_FK": "1e3"}}), "properties.b.IK_FK"),
    ("properties-huge-integer", '{"bones": {}, "properties": {"b": {"IK_FK": 1' + "0" * 400 + '}}}', "finite number"),
    ("also-null-joint", _with(also={"Root": None}), "in 'also'"),
    ("name-null", _with(name=None), "field 'name' must be text"),
]


@pytest.mark.parametrize("text,says", [c[1:] for c in PRESET_CASES], ids=[c[0] for c in PRESET_CASES])
def test_bad_preset_is_refused_naming_file_and_field(text, says, tmp_path):
    path = tmp_path / "preset.json"
    path.write_text(text)
    with pytest.raises(mp.PresetError) as exc:
        mp.load_preset(path)
    message = str(exc.value)
    assert str(path) in message
    assert says in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preset.json"]


def test_huge_preset_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(_with(description="x" * (mp.PRESET_MAX_BYTES + 10)))
    with pytest.raises(mp.PresetError, match="too large"):
        mp.load_preset(path)


def test_good_preset_and_every_shipped_preset_load(tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(GOOD))
    p = mp.load_preset(path)
    assert p.bones == {"pelvis": ["Hips"], "left_hand": []} and p.also == {"Root": "pelvis"}
    assert p.properties == {"thigh_parent.L": {"IK_FK": 1.0}}
    assert set(mp.shipped_presets()) == {"mixamo", "rigify", "unity", "unreal"}


def test_preset_with_a_byte_order_mark_loads(tmp_path):
    """Windows Notepad saves UTF-8 with a BOM: it used to be refused as invalid JSON."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert mp.load_preset(path).bones["pelvis"] == ["Hips"]


def test_preset_in_utf16_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "utf16.json"
    path.write_bytes(json.dumps(GOOD).encode("utf-16"))
    with pytest.raises(mp.PresetError, match="cannot read bone-mapping preset .*utf16.json"):
        mp.load_preset(path)


# third probe (issue 19): Load Mapping Preset on what is not a file. A named pipe blocked Blender's UI for ever,
# /dev/zero was read until memory ran out, a folder said "[Errno 21] Is a directory"
@pytest.mark.parametrize("make,says", [
    (lambda p: os.mkfifo(p), "named pipe"), (lambda p: p.mkdir(), "is a folder"),
    (lambda p: os.symlink("/dev/zero", p), "is a device")], ids=["fifo", "folder", "link-to-dev-zero"])
def test_preset_that_is_not_a_regular_file_is_refused_at_once(make, says, tmp_path):
    path = tmp_path / "preset.json"
    make(path)
    with pytest.raises(mp.PresetError) as exc:
        mp.load_preset(path)
    assert str(path) in str(exc.value) and says in str(exc.value), str(exc.value)


def test_preset_that_grows_past_the_limit_is_read_no_further(tmp_path):
    """The size limit holds for what is read, not only for what stat() says."""
    path = tmp_path / "big.json"
    path.write_text(" " * (mp.PRESET_MAX_BYTES + 1) + json.dumps(GOOD))
    with pytest.raises(mp.PresetError, match="too large"):
        mp.load_preset(path)
