"""The one colour and style scheme of the CLI: every style name used by render.py is here."""

from __future__ import annotations

from rich.theme import Theme

STYLES = {
    "code": "bold cyan",
    "title": "bold",
    "descriptor": "",
    "muted": "dim",
    "label": "bold",
    "ok": "green",
    "warn": "yellow",
    "bad": "bold red",
    "differs": "bold yellow",
    "shared": "dim",
    "score": "magenta",
    "border": "blue",
    "heading": "bold blue",
}

THEME = Theme(STYLES)
