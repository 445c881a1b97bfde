"""The lookup commands. Each parses its arguments, makes one call to the core, and hands the
result to the output object (``ctx.obj``)."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hcpcs_cli.errors import NoResults, UsageError

from .options import (
    ActiveOnlyOpt,
    CodesArg,
    DateOpt,
    FormatOpt,
    JsonOpt,
    Kind,
    ReleaseOpt,
    complete_code,
    complete_section,
)
from .output import Format, Output, choose_format

if TYPE_CHECKING:
    from hcpcs_cli.catalog import Catalog


def _catalog(release: str | None) -> "Catalog":
    from hcpcs_cli.catalog import Catalog

    return Catalog(release=release)


def show(
    ctx: typer.Context,
    codes: CodesArg,
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            help="Print one part of the record only (e.g. billing, setting, similar).",
            autocompletion=complete_section,
        ),
    ] = None,
    date: DateOpt = None,
    links: Annotated[
        bool,
        typer.Option(
            "--links", help="List the official pages for the code (CMS, coverage, sources)."
        ),
    ] = False,
    json_: Annotated[
        bool, typer.Option("--json", help="Print a JSON array, one object per code.")
    ] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="Print one JSON object per line.")] = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Show a code's official descriptor, status and plain-language record. With --date, the
    status (and, when several releases are held, the descriptor) in force on that date.

    Example: hcpcs show H2028 --section billing
    """
    out: Output = ctx.obj
    fmt = choose_format(Format.jsonl if jsonl else format_, json_)
    if jsonl and format_ not in (None, Format.jsonl):
        raise UsageError(f"choose one output format, not jsonl and {format_.value}")
    if links:
        from .render import links_view

        catalog = _catalog(release)
        for code in codes:
            found = catalog.links(code)
            out.emit(found, fmt, links_view(found, out.look), items=found.items)
        return
    lookup = _catalog(release).show(codes, section, _date(date))
    for entry in lookup.entries:
        for warning in entry.warnings:
            out.warning(warning)
    if fmt is Format.json:
        out.json(lookup.items())  # always an array, for one code or several
        return
    from .render import lookup_view

    # A whole record is long: it goes through the pager in a terminal; one section does not.
    out.emit(
        lookup, fmt, lookup_view(lookup, out.look), long=lookup.section is None, items=lookup.items
    )


def _date(text: str | None) -> str | None:
    if text is None:
        return None
    from hcpcs_cli.validate import parse_date

    return parse_date(text)


def search(
    ctx: typer.Context,
    query: Annotated[
        list[str], typer.Argument(help="Words, abbreviations, a code, prefix or range.")
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many results (1-500).")] = 10,
    kind: Annotated[
        Kind, typer.Option("--kind", help="procedure, modifier or all.")
    ] = Kind.procedure,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            help="Only codes starting with this: a section letter (E) or a prefix (H20).",
        ),
    ] = None,
    active_only: ActiveOnlyOpt = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say why each result matched, and by which mechanism.")
    ] = False,
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Find codes by words, abbreviations (IOP, DME), brand names, typos or code prefixes.

    Example: hcpcs search "halfway house"
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    text = " ".join(query)
    result = _catalog(release).search(
        text, limit=limit, kind=kind.value, prefix=prefix, active_only=active_only, explain=explain
    )
    if result.bundled_only:
        out.message(
            f"searched the {result.searched} bundled records; import a release for every"
            " Level II code: hcpcs data update"
        )
    if not result.hits:
        raise NoResults(f"no codes match '{text}'")
    from .render import search_view

    out.emit(
        result,
        fmt,
        search_view(result, out.look),
        items=lambda: (h.to_dict(explain) for h in result.hits),
    )
    if result.total > len(result.hits) and fmt is Format.table:
        out.message(f"{len(result.hits)} of {result.total} shown (--limit N for more)")


def compare(
    ctx: typer.Context,
    codes: Annotated[
        list[str],
        typer.Argument(
            help="Two or more codes; one code compares it with its similar codes.",
            autocompletion=complete_code,
        ),
    ],
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Compare look-alike codes side by side, differences highlighted.

    Example: hcpcs compare H2028 H2029
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    comparison = _catalog(release).compare(codes)
    from .render import compare_view

    out.emit(comparison, fmt, compare_view(comparison, out.look), long=True)


def browse(
    ctx: typer.Context,
    prefix: Annotated[
        str | None,
        typer.Argument(help="A section letter (H) or code prefix (H20); none lists the sections."),
    ] = None,
    active_only: ActiveOnlyOpt = False,
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Browse the Level II sections, or the codes under a section or prefix.

    Example: hcpcs browse H
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    catalog = _catalog(release)
    listing = catalog.browse(prefix, active_only)
    from hcpcs_cli.browse import Sections

    from .render import codes_view, sections_view

    if isinstance(listing, Sections):
        out.emit(listing, fmt, sections_view(listing, out.look))
        if catalog.release is None:
            out.message("bundled records only: import a release to browse every Level II code")
    else:
        out.emit(listing, fmt, codes_view(listing, out.look))


def validate(
    ctx: typer.Context,
    codes: Annotated[
        list[str] | None, typer.Argument(help="Codes to check (or use --file, or stdin).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read codes from this file ('-' for stdin).")
    ] = None,
    column: Annotated[
        str | None,
        typer.Option("--column", "-c", help="CSV column of the codes (name or 1-based number)."),
    ] = None,
    date: DateOpt = None,
    date_column: Annotated[
        str | None,
        typer.Option("--date-column", help="CSV column with each row's date of service."),
    ] = None,
    json_: JsonOpt = False,
    csv_: Annotated[
        bool, typer.Option("--csv", help="Print CSV (short for --format csv).")
    ] = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Check codes on a date of service: active, not yet valid, terminated (with the date), not in
    the release, unknown, or invalid. Exits 1 unless every code is active.

    Example: hcpcs validate --file claims.csv --column code --date-column dos
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_, csv_)
    from hcpcs_cli.validate import read_codes

    items: list[tuple[str, str | None]] = [(c, None) for c in codes or []]
    source = None
    if file is not None or not items:
        if file is None and (sys.stdin is None or sys.stdin.isatty()):
            raise UsageError("no codes given", "pass codes, --file FILE, or pipe them on stdin")
        source = read_codes(_read_input(file), column, date_column)
    elif column or date_column:
        raise UsageError("--column and --date-column need --file (or codes on stdin)")
    stream = items if source is None else source
    report = _catalog(release).validate(stream, _date(date))
    out.validation(report, fmt)
    if report.total == 0:
        raise UsageError("no codes to validate")
    if not report.ok:
        raise typer.Exit(1)


MAX_INPUT = 512 * 1024 * 1024


def _read_input(file: Path | None) -> str:
    """A code list's text from a file or stdin, in UTF-8 (with or without BOM) or cp1252."""
    from hcpcs_cli.release import read_input

    try:
        if file is None or str(file) == "-":
            if sys.stdin is None:
                raise UsageError("standard input is closed", "give --file FILE")
            data = sys.stdin.buffer.read(MAX_INPUT + 1)
            if len(data) > MAX_INPUT:
                raise UsageError("the code list is too large (over 512 MiB)")
        else:
            data = read_input(file, MAX_INPUT)
    except UsageError:
        raise
    except Exception as exc:  # ReleaseError from read_input names the file problem
        from hcpcs_cli.errors import HcpcsError

        if isinstance(exc, HcpcsError):
            raise UsageError(exc.message.replace("HCPCS release", "code list")) from None
        raise
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def diff(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Label of the older held release.")],
    new: Annotated[str, typer.Argument(help="Label of the newer held release.")],
    json_: JsonOpt = False,
    format_: FormatOpt = None,
) -> None:
    """Codes added, terminated, changed and removed between two held releases.

    Example: hcpcs diff 2020 2026-01
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    from hcpcs_cli.history import diff as diff_releases
    from hcpcs_cli.store import Store

    from .render import diff_view

    result = diff_releases(Store(), old, new)
    out.emit(result, fmt, diff_view(result, out.look), long=True)


def history(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="A code or modifier.", autocompletion=complete_code)],
    json_: JsonOpt = False,
    format_: FormatOpt = None,
) -> None:
    """A code's dates and descriptor in every release held.

    Example: hcpcs history G0164
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    from hcpcs_cli.history import history as code_history
    from hcpcs_cli.store import Store

    from .render import history_view

    result = code_history(Store(), code)
    out.emit(result, fmt, history_view(result, out.look))


def open_(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="A code.", autocompletion=complete_code)],
    release: ReleaseOpt = None,
) -> None:
    """Open the first official page for a code in a browser (its record's source, else the
    Medicare Coverage Database search), or print its address when no browser can open.

    Example: hcpcs open G2067
    """
    out: Output = ctx.obj
    found = _catalog(release).links(code)
    sources = [link for link in found.links if link.kind == "source"]
    link = (sources or [link for link in found.links if link.kind == "coverage"])[0]
    import webbrowser

    try:
        opened = webbrowser.open(link.url)
    except webbrowser.Error:
        opened = False
    if opened:
        out.message(f"opened {link.url}")
    else:
        out.write(link.url + "\n")
        out.message("no browser could be opened here; the address is above")


def changes(
    ctx: typer.Context,
    action: Annotated[
        str,
        typer.Option(
            "--action",
            help="added, discontinued, reactivated, descriptor, short-descriptor, administrative,"
            " payment, other, changed (any change to a code that stays) or all.",
        ),
    ] = "all",
    since: Annotated[
        str | None, typer.Option("--since", help="Only changes effective on or after this date.")
    ] = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="Only codes starting with this (E, H20).")
    ] = None,
    codes_from: Annotated[
        Path | None,
        typer.Option(
            "--codes-from", help="Only the codes in this file (your fee schedule, '-' for stdin)."
        ),
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", "-c", help="CSV column of --codes-from's codes.")
    ] = None,
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """What a release says changed: codes added, discontinued, reworded or otherwise changed, in
    words, with the date each change took effect. Without a release, the bundled codes added or
    terminated after 2020.

    Example: hcpcs changes --action added --codes-from fee-schedule.csv --column code
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    mine = None
    if codes_from is not None:
        from hcpcs_cli.validate import read_codes

        mine = [code for code, _ in read_codes(_read_input(codes_from), column)]
    result = _catalog(release).changes(action, since, prefix, mine)
    from .render import changes_view

    out.emit(
        result,
        fmt,
        changes_view(result, out.look),
        items=lambda: (c.to_dict() for c in result.changes),
    )
    out.message(result.summary())


COMMANDS: tuple[tuple[str, Callable[..., None], bool], ...] = (
    ("show", show, False),
    ("search", search, False),
    ("compare", compare, False),
    ("browse", browse, False),
    ("list", browse, True),  # hidden alias of browse
    ("validate", validate, False),
    ("diff", diff, False),
    ("history", history, False),
    ("changes", changes, False),
    ("open", open_, False),
)


def register(app: typer.Typer, only: str | None = None) -> None:
    for name, function, hidden in COMMANDS:
        if only is None or name == only:
            app.command(name, hidden=hidden)(function)
