"""Write the shell completion scripts in completions/ from the app itself.

    python scripts/completions.py          # regenerate
    python scripts/completions.py --check  # exit 1 if a committed script is out of date

The scripts call ``hcpcs`` with ``_HCPCS_COMPLETE`` set at each Tab, so they complete commands,
options, codes (with their short descriptors), sections and release labels as the app defines them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"bash": "hcpcs.bash", "zsh": "_hcpcs", "fish": "hcpcs.fish"}


def script(shell: str) -> str:
    env = {**os.environ, "_HCPCS_COMPLETE": f"source_{shell}"}
    out = subprocess.run(
        [sys.executable, "-m", "hcpcs_cli"], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for shell, name in TARGETS.items():
        path = ROOT / "completions" / name
        text = script(shell)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"out of date: {', '.join(stale)} (run python scripts/completions.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
