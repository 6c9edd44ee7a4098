"""The ``hkmr`` command.

Core's own subcommands are registered by :mod:`core.commands` (``body``, ``convert``,
``demo``) and :mod:`core.inference.cli` (``infer``); a provider imports nothing heavy until
its command runs. Subcommands of the packages that sit *above* core — ``train``, ``eval``
and ``prior`` from ``training``, ``export`` from the Blender add-on's headless batch exporter —
are plugged in through the ``hkmr.commands`` entry-point group (see pyproject.toml), so
core never imports them. Each provider is a callable ``add_parser(subparsers)`` that
registers its subparser with ``set_defaults(func=fn)``, ``fn(args) -> int``.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
from importlib import import_module
from importlib.metadata import entry_points

__all__ = ["main", "build_parser"]

# Core providers, imported lazily (torch-heavy modules load only for the command used).
_CORE_PROVIDERS = ("core.commands:add_body_parser", "core.commands:add_convert_parser",
                   "core.inference.cli:add_infer_parser", "core.commands:add_demo_parser")


def _load(spec: str):
    module, _, attr = spec.partition(":")
    return getattr(import_module(module), attr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hkmr", description="HKMR mocap: video → SMPL motion → Blender keyframes → FBX.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    providers = [(spec, None) for spec in _CORE_PROVIDERS]
    providers += [(ep.value, ep) for ep in entry_points(group="hkmr.commands")]
    for spec, ep in providers:
        try:
            add = ep.load() if ep is not None else _load(spec)
        except ImportError as exc:  # a part that is not installed: say so instead of crashing
            name = ep.name if ep is not None else spec
            sub.add_parser(name.split(":")[-1].replace("add_", "").replace("_parser", ""),
                           help=f"(unavailable: {exc})")
            continue
        add(sub)
    return parser


#: an option's value that argparse would take for an option because of its leading '-': a negative number list
#: ('-5,0,100,100'; argparse knows single negative numbers only and said "expected one argument")
_NEGATIVE_LIST = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


def _value_options(parser: argparse.ArgumentParser) -> set[str]:
    """Option strings (of ``parser`` and its subcommands) that take exactly one value."""
    out: set[str] = set()
    for action in parser._actions:  # argparse has no public walk of its actions
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out |= _value_options(sub)
        elif action.option_strings and action.nargs is None:
            out.update(action.option_strings)
    return out


def _join_negative_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``--person -5,0,100,100`` → ``--person=-5,0,100,100`` so the option's own check names the problem."""
    takes = _value_options(parser)
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--":
            return out + argv[i:]
        if argv[i] in takes and i + 1 < len(argv) and _NEGATIVE_LIST.match(argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}" if argv[i].startswith("--") else argv[i] + argv[i + 1])
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = _join_negative_values(parser, list(sys.argv[1:] if argv is None else argv))
    try:  # bad options (argparse types, hkmr_blender.base.options) end here: usage + one line, exit 2
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    func = getattr(args, "func", None)
    if func is None:
        parser.error(f"'{args.command}' is not available in this installation")
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, RuntimeError) as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
