"""Write the man page ``docs/hcpcs.1`` from the app itself (the same help texts as ``--help``).

    python scripts/manpage.py          # regenerate
    python scripts/manpage.py --check  # exit 1 if the committed page is out of date

Install it with ``cp docs/hcpcs.1 ~/.local/share/man/man1/`` (or read it with ``man ./docs/hcpcs.1``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from hcpcs_cli import __version__
from hcpcs_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "hcpcs.1"


def _roff(text: str) -> str:
    """Text safe in roff: backslashes and leading dots or quotes escaped."""
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def _paragraphs(text: str) -> str:
    out = []
    for block in text.strip().split("\n\n"):
        block = block.replace("\b\n", "").strip("\b").strip()
        if not block:
            continue
        if "\n  " in block:  # an indented list: keep its lines
            out.append(".nf\n" + _roff(block) + "\n.fi")
        else:
            out.append(_roff(" ".join(block.split())))
    return "\n.PP\n".join(out)


def _options(command) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for param in command.params:
        if getattr(param, "hidden", False) or param.param_type_name != "option":
            continue
        names = ", ".join(param.opts + param.secondary_opts)
        out.append(f".TP\n.B {_roff(names)}\n{_roff(' '.join((param.help or '').split()))}")
    return out


def page() -> str:
    group = typer.main.get_command(app)
    parts = [
        f'.TH HCPCS 1 "" "hcpcs {__version__}" "User Commands"',
        ".SH NAME",
        "hcpcs \\- fast, offline reference for HCPCS Level II codes",
        ".SH SYNOPSIS",
        ".B hcpcs",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        _paragraphs(group.help or ""),
        ".SH OPTIONS",
        *_options(group),
        ".SH COMMANDS",
    ]
    commands = group.commands  # type: ignore[attr-defined]
    for name in sorted(commands):
        command = commands[name]
        if command.hidden:
            continue
        subcommands = getattr(command, "commands", None)
        for sub_name, sub in sorted((subcommands or {name: command}).items()):
            full = f"{name} {sub_name}" if subcommands else name
            usage = " ".join(
                p.human_readable_name.upper() for p in sub.params if p.param_type_name == "argument"
            )
            parts += [f".SS hcpcs {full} {_roff(usage)}".rstrip(), _paragraphs(sub.help or "")]
            parts += _options(sub)
    parts += [".SH ENVIRONMENT, FILES AND EXIT STATUS", _paragraphs(group.epilog or "")]
    parts += [".SH SEE ALSO", "The README and docs/ of the project."]
    return "\n".join(parts) + "\n"


def main() -> int:
    text = page()
    if "--check" in sys.argv[1:]:
        if not TARGET.exists() or TARGET.read_text() != text:
            print("out of date: docs/hcpcs.1 (run python scripts/manpage.py)")
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
