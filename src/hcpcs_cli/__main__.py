"""Entry point: ``python -m hcpcs_cli`` and the ``hcpcs`` console script."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C pressed while the program is still loading (importing typer and rich takes a tenth of
    # a second) ends quietly with the usual status, not with a traceback.
    try:
        from .cli.app import run
    except KeyboardInterrupt:
        return 130
    try:
        return run(argv)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
