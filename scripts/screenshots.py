"""Render the README's screenshots (SVG) from the real CLI, so the pictures never drift.

    python scripts/screenshots.py          # regenerate docs/img/*.svg
    python scripts/screenshots.py --check  # exit 1 if a committed picture is out of date

Each picture is the colour output of a real ``hcpcs`` run (bundled records only, 100 columns),
converted from ANSI by rich and exported as SVG.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 100
SHOTS = {
    "show.svg": (["show", "H2034"], 46),
    "search.svg": (["search", "crisis"], None),
    "compare.svg": (["compare", "H2028", "H2029"], None),
}


def capture(args: list[str], home: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "HCPCS_PLAIN")}
    env.update(
        {
            "FORCE_COLOR": "1",
            "COLUMNS": str(WIDTH),
            "HCPCS_HOME": home,
            "HCPCS_NO_PAGER": "1",
            "TERM": "xterm-256color",
        }
    )
    out = subprocess.run(
        [sys.executable, "-m", "hcpcs_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def svg(args: list[str], lines: int | None, home: str) -> str:
    text = capture(args, home)
    if lines is not None:
        kept = text.splitlines()[:lines]
        text = (
            "\n".join(kept)
            + "\n\x1b[2m  … (the record continues: setting, personnel, risks, billing notes, similar codes)\x1b[0m\n"
        )
    console = Console(
        record=True, width=WIDTH, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    console.print(Text.from_ansi(text), end="")
    return console.export_svg(title=f"hcpcs {' '.join(args)}")


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    with tempfile.TemporaryDirectory() as home:
        for name, (args, lines) in SHOTS.items():
            path = ROOT / "docs" / "img" / name
            picture = svg(args, lines, home)
            if check:
                if not path.exists() or path.read_text() != picture:
                    stale.append(name)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(picture)
    if stale:
        print(f"out of date: {', '.join(stale)} (run python scripts/screenshots.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
