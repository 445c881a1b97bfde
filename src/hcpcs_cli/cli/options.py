"""Option types shared by the commands, and the completion callbacks behind them."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from hcpcs_cli.errors import HcpcsError

from .output import Format


def complete_code(incomplete: str) -> list[tuple[str, str]]:
    """Codes (and modifiers) starting with what was typed, with their short descriptors."""
    from hcpcs_cli.catalog import Catalog
    from hcpcs_cli.codes import squash

    prefix = squash(incomplete)
    if not prefix or not prefix[0].isalnum() or not incomplete.strip().isalnum():
        return []
    try:
        docs = Catalog().index.listing(prefix, kind=None, limit=200)
    except HcpcsError:
        return []
    # Offer codes in the case the user types: shells keep only candidates that start with it.
    lower = incomplete[:1].islower()
    return [(d.code.lower() if lower else d.code, d.short_descriptor) for d in docs]


def complete_section(incomplete: str) -> list[tuple[str, str]]:
    from hcpcs_cli.records import RECORD_SECTIONS

    return [(k, v) for k, v in RECORD_SECTIONS.items() if k.startswith(incomplete.lower())]


def complete_release(incomplete: str) -> list[tuple[str, str]]:
    from hcpcs_cli.store import Store

    try:
        infos = Store().releases
    except HcpcsError:
        return []
    return [(i.label, i.source) for i in infos if i.label.startswith(incomplete)]


class Kind(str, Enum):
    procedure = "procedure"
    modifier = "modifier"
    all = "all"


ReleaseOpt = Annotated[
    str | None,
    typer.Option(
        "--release",
        "-r",
        autocompletion=complete_release,
        help="Use this held release (its label) instead of the newest [env: HCPCS_RELEASE].",
        envvar="HCPCS_RELEASE",
        show_envvar=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (short for --format json).")]
FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", help="table, json, jsonl (one object per line), csv or markdown."),
]
CodesArg = Annotated[
    list[str],
    typer.Argument(
        help="Codes or modifiers, e.g. H2028 HF H2028-HQ.", autocompletion=complete_code
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Judge codes on this date of service (YYYY-MM-DD) instead of today.",
    ),
]
ActiveOnlyOpt = Annotated[
    bool, typer.Option("--active-only", help="Hide codes that are not active.")
]
