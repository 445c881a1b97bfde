"""The ``hcpcs`` command line: parse, call the library, render. Nothing else lives here.

No ``from __future__ import annotations`` here: Typer would have to compile and evaluate every
string annotation at start-up, which costs more than evaluating them once at definition.
"""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from . import __version__
from .errors import CodeNotFound, ExitCode, HcpcsError, UsageError

app = typer.Typer(
    name="hcpcs",
    help="Fast, offline reference for HCPCS Level II codes: show, search, compare, validate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
data_app = typer.Typer(
    help="Import, update, inspect and check the code data.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(data_app, name="data")

COMPLETE_VAR = "_HCPCS_COMPLETE"


def _complete_code(incomplete: str) -> list[tuple[str, str]]:
    """Codes (and modifiers) starting with what was typed, with their short descriptors."""
    from .codes import squash

    prefix = squash(incomplete)
    if not prefix or not prefix[0].isalnum() or not incomplete.strip().isalnum():
        return []
    try:
        rows = _catalog(None).index.listing(prefix, kind=None, limit=200)
    except HcpcsError:
        return []
    # Offer codes in the case the user types: shells keep only candidates that start with it.
    lower = incomplete[:1].islower()
    return [(code.lower() if lower else code, short) for code, short, _ in rows]


def _complete_section(incomplete: str) -> list[tuple[str, str]]:
    from .records import SECTIONS

    return [(k, v) for k, v in SECTIONS.items() if k.startswith(incomplete.lower())]


def _complete_release(incomplete: str) -> list[tuple[str, str]]:
    from .store import Store

    try:
        infos = Store().releases
    except HcpcsError:
        return []
    return [(i.label, i.source) for i in infos if i.label.startswith(incomplete)]


ReleaseOpt = Annotated[
    str | None,
    typer.Option(
        "--release",
        "-r",
        autocompletion=_complete_release,
        help="Use this held release (label) instead of the newest.",
        envvar="HCPCS_RELEASE",
        show_envvar=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", help="table, json, csv or markdown (--json is short for json)."),
]


def _format(format_: Format | None, json_: bool, csv_: bool = False) -> str:
    chosen = {f for f, on in (("json", json_), ("csv", csv_)) if on}
    if format_ is not None:
        chosen.add(format_.value)
    if len(chosen) > 1:
        raise UsageError(f"choose one output format, not {' and '.join(sorted(chosen))}")
    return chosen.pop() if chosen else "table"


def _emit(
    fmt: str, rows: list[dict[str, Any]], columns: list[str], table: Any, json_data: Any = None
) -> None:
    """Write a listing in the chosen format; ``table`` builds the terminal view lazily."""
    from . import render

    if fmt == "json":
        render.write_json(rows if json_data is None else json_data)
    elif fmt == "csv":
        render.write_csv(rows, columns)
    elif fmt == "markdown":
        render.write_markdown(rows, columns)
    else:
        _print(table(), rows=len(rows))


class Kind(str, Enum):
    procedure = "procedure"
    modifier = "modifier"
    all = "all"


_SETTINGS = {"pager": True}


def _out(plain: bool = False) -> Any:
    from .render import console

    return console(plain=plain)


def _print(renderable: Any, long: bool = False, rows: int = 0) -> None:
    """Print to stdout. Long output (``long``, or more ``rows`` than the screen has) goes through a
    pager when stdout is a terminal. ``renderable`` may be a function of the console's width."""
    out = _out()
    if callable(renderable):
        renderable = renderable(out.width)
    if (long or rows > out.height - 2) and _SETTINGS["pager"] and out.is_terminal:
        # less: -F quit if it fits one screen, -R keep colours, -X leave the text on screen.
        os.environ.setdefault("LESS", "-FRX")
        with out.pager(styles=out.color_system is not None):
            out.print(renderable)
    else:
        out.print(renderable)


def _err(message: str) -> None:
    sys.stderr.write(f"hcpcs: {message}\n")


def _catalog(release: str | None) -> Any:
    from .catalog import Catalog

    return Catalog(release=release)


def _version(value: bool) -> None:
    if value:
        from . import bundle

        count = len(bundle.bundled_codes())
        try:
            from .store import Store

            label = Store().default_label() or "none imported"
        except HcpcsError:
            label = "unreadable"
        typer.echo(f"hcpcs {__version__} (bundled records: {count}; CMS release: {label})")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Show the version and the data in use.",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")] = False,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="No colour, boxes or rules (screen readers, copy-paste).",
            envvar="HCPCS_PLAIN",
            show_envvar=False,
        ),
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Never page long output (or set HCPCS_NO_PAGER=1).",
            envvar="HCPCS_NO_PAGER",
            show_envvar=False,
        ),
    ] = False,
) -> None:
    """Fast, offline reference for HCPCS Level II codes.

    Examples: hcpcs show H2028 | hcpcs search "halfway house" | hcpcs compare H2028 H2029
    """
    # --debug is read by run() before parsing, so that it covers errors in parsing too.
    from . import render

    render.set_plain(plain)
    _SETTINGS["pager"] = not no_pager


@app.command()
def show(
    codes: Annotated[
        list[str],
        typer.Argument(
            help="One or more codes or modifiers, e.g. H2028 HF.", autocompletion=_complete_code
        ),
    ],
    section: Annotated[
        str | None,
        typer.Option(
            "--section",
            "-s",
            help="Print one section only (e.g. billing, setting).",
            autocompletion=_complete_section,
        ),
    ] = None,
    json_: JsonOpt = False,
    release: ReleaseOpt = None,
) -> None:
    """Show a code's official descriptor and plain-language record.

    Example: hcpcs show H2028 --section billing
    """
    from .records import SECTIONS, section_key

    key = None
    if section:
        key = section_key(section)
        if key is None:
            raise UsageError(f"unknown section '{section}'", f"choose from {', '.join(SECTIONS)}")
    catalog = _catalog(release)
    entries = [catalog.get(code) for code in codes]
    for warning in catalog.warnings:
        _err(f"warning: {warning}")
    if json_:
        from .render import write_json

        data = [_entry_json(e, key) for e in entries]
        write_json(data[0] if len(data) == 1 else data)
        return
    from .render import entries_view

    # A whole record is long: it goes through the pager in a terminal; one section does not.
    _print(entries_view(entries, key), long=key is None)


def _entry_json(entry: Any, key: str | None) -> dict[str, Any]:
    data: dict[str, Any] = entry.to_dict()
    if key and entry.record:
        data["record"] = {key: data["record"][key]}
    return data


@app.command()
def search(
    query: Annotated[
        list[str], typer.Argument(help="Words, abbreviations, a code, prefix or range.")
    ],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=500, help="How many results.")
    ] = 10,
    kind: Annotated[
        Kind, typer.Option("--kind", help="procedure, modifier or all.")
    ] = Kind.procedure,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            "--section",
            help="Only codes starting with this (a section letter such as E, or a prefix such as H20).",
        ),
    ] = None,
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Hide terminated codes.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say why each result matched.")
    ] = False,
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Find codes by words, abbreviations (IOP, DME), typos or code prefixes.

    Example: hcpcs search "halfway house"
    """
    fmt = _format(format_, json_)
    text = " ".join(query)
    hits = _catalog(release).search(
        text, limit=limit, kind=kind.value, prefix=prefix, active_only=active_only, explain=explain
    )
    rows = [
        {
            "rank": rank,
            "code": h.code,
            "descriptor": h.descriptor,
            "short_descriptor": h.short,
            "score": h.score,
            "kind": h.kind,
            "active": h.active,
            "termination_date": h.termination,
            **({"why": list(h.why)} if explain else {}),
        }
        for rank, h in enumerate(hits, 1)
    ]
    if not hits and fmt == "table":
        _err(f"no codes match '{text}'")
        raise typer.Exit(ExitCode.NOT_FOUND)
    from .render import search_table

    columns = [
        "rank",
        "code",
        "score",
        "kind",
        "active",
        "termination_date",
        "short_descriptor",
        "descriptor",
    ] + (["why"] if explain else [])
    _emit(fmt, rows, columns, lambda: search_table(hits, explain))


@app.command()
def compare(
    codes: Annotated[
        list[str],
        typer.Argument(
            help="Two or more codes; one code compares it with its similar codes.",
            autocompletion=_complete_code,
        ),
    ],
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Compare look-alike codes side by side, differences highlighted.

    Example: hcpcs compare H2028 H2029
    """
    fmt = _format(format_, json_)
    comparison = _catalog(release).compare(codes)
    rows = [
        {"row": r.name, "shared": r.shared, **dict(zip(comparison.codes, r.values, strict=True))}
        for r in comparison.rows
    ]
    from .render import compare_view

    _emit(
        fmt,
        rows,
        ["row", *comparison.codes, "shared"],
        lambda: compare_view(comparison),
        json_data=comparison.to_dict(),
    )


def browse(
    prefix: Annotated[
        str | None,
        typer.Argument(help="A section letter (H) or code prefix (H20); none lists the sections."),
    ] = None,
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Hide terminated codes.")
    ] = False,
    json_: JsonOpt = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Browse the Level II sections, or the codes under a section or prefix.

    Example: hcpcs browse | hcpcs browse H | hcpcs browse E06
    """
    from .release import active_on, today
    from .sections import Listed, count_sections, normalize_prefix, section_name

    fmt = _format(format_, json_)
    catalog = _catalog(release)
    on = today()
    key = normalize_prefix(prefix) if prefix is not None else ""
    listed = [Listed(*row) for row in catalog.index.listing(key)]
    if active_only:
        listed = [x for x in listed if active_on(x.termination, on)]
    if not key:
        counts = count_sections(listed, on)
        rows = [c._asdict() for c in counts]
        from .render import browse_sections

        _emit(fmt, rows, ["letter", "name", "codes", "active"], lambda: browse_sections(counts))
        if fmt == "table" and catalog.release is None:
            _err("bundled records only: import a CMS release to browse every Level II code")
        return
    if not listed:
        where = "" if catalog.release else " (no CMS release imported: see hcpcs data import)"
        raise CodeNotFound(f"{key}…", where=where)
    rows = [x.row(on) for x in listed]
    from .render import browse_codes

    title = f"{key}: {section_name(key)} ({len(rows)} codes)"
    _emit(
        fmt,
        rows,
        ["code", "status", "termination_date", "short_descriptor"],
        lambda: browse_codes(title, rows),
    )


app.command("browse")(browse)
app.command("list", hidden=True)(browse)


@app.command()
def validate(
    codes: Annotated[
        list[str] | None, typer.Argument(help="Codes to check (or use --file / stdin).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read codes from this file ('-' for stdin).")
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", "-c", help="CSV column (name or 1-based number).")
    ] = None,
    json_: JsonOpt = False,
    csv_: Annotated[
        bool, typer.Option("--csv", help="Print CSV (short for --format csv).")
    ] = False,
    format_: FormatOpt = None,
    release: ReleaseOpt = None,
) -> None:
    """Check codes: active, terminated (with date) or unknown. Exit 1 unless all are active.

    Example: hcpcs validate H2028 G0164 | hcpcs validate --file claims.csv --column code
    """
    from .validate import read_codes, validate_codes

    items = list(codes or [])
    if file is not None or not items:
        if file is None and sys.stdin.isatty():
            raise UsageError("no codes given", "pass codes, --file FILE, or pipe them on stdin")
        items += read_codes(_read_input(file), column)
    if not items:
        raise UsageError("no codes to validate")
    fmt = _format(format_, json_, csv_)
    results = validate_codes(_catalog(release), items)
    rows = [r.to_dict() for r in results]
    columns = ["input", "code", "status", "termination_date", "descriptor", "modifiers", "message"]
    if fmt == "table":
        from .render import validation_table

        _print(lambda width: validation_table(results, width), rows=len(results))
        counts = {
            s: sum(r.status == s for r in results)
            for s in ("active", "terminated", "unknown", "invalid")
        }
        _err(", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" of {len(results)}")
    else:
        _emit(fmt, rows, columns, None)
    if any(r.status != "active" for r in results):
        raise typer.Exit(ExitCode.NOT_FOUND)


def _read_input(file: Path | None) -> str:
    try:
        if file is None or str(file) == "-":
            data = sys.stdin.buffer.read()
        else:
            data = file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {file}") from None
    except IsADirectoryError:
        raise UsageError(f"{file} is a directory") from None
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Label of the older held release.")],
    new: Annotated[str, typer.Argument(help="Label of the newer held release.")],
    json_: JsonOpt = False,
    format_: FormatOpt = None,
) -> None:
    """Codes added, terminated and changed between two held releases.

    Example: hcpcs diff 2020 2026-01
    """
    from .history import diff_releases
    from .store import Store

    fmt = _format(format_, json_)
    store = Store()
    old_db, new_db = store.open(old), store.open(new)
    assert old_db is not None and new_db is not None
    result = diff_releases(old_db, new_db)
    rows = [
        {"change": change, **c.to_dict()}
        for change, items in (
            ("added", result.added),
            ("terminated", result.terminated),
            ("changed", result.changed),
            ("removed", result.removed),
        )
        for c in items
    ]
    columns = [
        "change",
        "code",
        "kind",
        "termination_date",
        "fields",
        "old_descriptor",
        "new_descriptor",
    ]
    from .render import diff_view

    _emit(fmt, rows, columns, lambda: diff_view(result), json_data=result.to_dict())


@app.command()
def history(
    code: Annotated[str, typer.Argument(help="A code or modifier.", autocompletion=_complete_code)],
    json_: JsonOpt = False,
) -> None:
    """A code's dates and descriptor across the releases held.

    Example: hcpcs history G0164
    """
    from .codes import normalize
    from .history import code_history
    from .store import Store

    normal = normalize(code)
    store = Store()
    if not store.releases:
        raise HcpcsError("no CMS release imported", "see hcpcs data import")
    entries = code_history(store, normal)
    if all(e.official is None for e in entries):
        from .errors import CodeNotFound

        raise CodeNotFound(normal, where=" in any held release")
    if json_:
        from .render import write_json

        write_json({"code": normal, "releases": [e.to_dict() for e in entries]})
        return
    from .render import history_table

    _out().print(history_table(normal, entries))


@data_app.command("import")
def data_import(
    path: Annotated[
        Path, typer.Argument(help="The release zip as CMS publishes it, or its ANWEB text file.")
    ],
    label: Annotated[
        str | None, typer.Option("--label", help="Name for this release (default: from the file).")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace a different release held under the same label."),
    ] = False,
) -> None:
    """Import an official CMS HCPCS release.

    Example: hcpcs data import january-2026-alpha-numeric-hcpcs-file.zip
    """
    from .release import read_release
    from .store import Store

    parsed = read_release(path, label)
    info, changed = Store().import_release(parsed, replace=replace)
    verb = "imported" if changed else "already imported (nothing changed)"
    _err(
        f"{verb}: release {info.label}: {info.procedures} procedure codes, {info.modifiers} modifiers"
    )


@data_app.command("status")
def data_status(json_: JsonOpt = False) -> None:
    """List the releases held and which one is the default."""
    from . import bundle
    from .store import Store

    store = Store()
    infos = store.releases
    default = store.default_label()
    if json_:
        from .render import write_json

        write_json(
            {
                "home": str(store.root),
                "default": default,
                "bundled_records": len(bundle.bundled_codes()),
                "releases": [i.to_dict() for i in infos],
            }
        )
        return
    from .render import status_table

    out = _out()
    out.print(f"Data directory: {store.root}", markup=False)
    out.print(f"Bundled records: {len(bundle.bundled_codes())}", markup=False)
    if not infos:
        out.print(
            "No CMS release imported: run hcpcs data import PATH or hcpcs data update.",
            markup=False,
        )
        return
    out.print(status_table(infos, default))


@data_app.command("remove")
def data_remove(
    label: Annotated[
        str,
        typer.Argument(
            help="Label of the held release to delete.", autocompletion=_complete_release
        ),
    ],
) -> None:
    """Delete a held release (the bundled records stay).

    Example: hcpcs data remove 2020
    """
    from .store import Store

    info = Store().remove(label)
    _err(f"removed release {info.label} ({info.source})")


@data_app.command("update")
def data_update(
    url: Annotated[
        str | None,
        typer.Option("--url", help="Download from this URL instead of CMS's current file."),
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="Name for this release.")] = None,
) -> None:
    """Download the current quarterly release from CMS and import it."""
    import tempfile

    from .release import derive_label, read_release
    from .store import Store
    from .update import current_url, download

    address = url or current_url()
    store = Store()
    store.root.mkdir(parents=True, exist_ok=True)
    _err(f"downloading {address}")
    with tempfile.TemporaryDirectory(dir=store.root) as tmp:
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        from .render import console

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("download", total=None)
            path = download(
                address,
                Path(tmp),
                lambda done, total: bar.update(task, completed=done, total=total),
            )
        name = address.rstrip("/").rsplit("/", 1)[-1]
        parsed = read_release(path, label or derive_label(name))
        info, changed = store.import_release(parsed)
    verb = "imported" if changed else "already imported (nothing changed)"
    _err(
        f"{verb}: release {info.label}: {info.procedures} procedure codes, {info.modifiers} modifiers"
    )


@data_app.command("check")
def data_check(
    release: Annotated[
        list[Path] | None,
        typer.Option(
            "--release",
            help="Check descriptors against this release zip/text file, or an additions TSV (repeatable).",
        ),
    ] = None,
) -> None:
    """Validate every bundled record (and its descriptors against a release)."""
    from .check import OfficialText, check_records, check_user_records
    from .store import Store

    known: list[str] = []
    modifiers: dict[str, str] = {}
    imported: dict[str, OfficialText] = {}
    store = Store()
    if not release:
        db = store.open()
        if db is not None:
            for code, (long, short, _, kind) in db.summaries().items():
                if kind == "modifier":
                    modifiers[code] = long
                else:
                    known.append(code)
                    imported[code] = OfficialText(long, short, f"release {db.label}")
    records, problems, unverified = check_records(release or [], known, modifiers, imported)
    problems += check_user_records(store.root)
    for p in problems:
        sys.stdout.write(f"{p}\n")
    if problems:
        _err(f"data check: {len(problems)} problems in {len(records)} records")
        raise typer.Exit(ExitCode.DATA)
    _err(f"data check: {len(records)} records OK")
    if unverified:
        _err(
            f"note: {len(unverified)} codes could not be verified against the release in use "
            "(not in it, or no release imported): give --release to check them"
        )


# -- the edge: exceptions become one-line messages and exit codes ------------------------------
def run(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code. No traceback reaches the user unless --debug is given."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("HCPCS_DEBUG"))
    if os.environ.get(COMPLETE_VAR):
        # Tab completion (the scripts in completions/ set this variable). Typer registers its
        # shell classes only for apps with --install-completion, which would cost every run
        # ~4 ms of imports; so they are registered here, only when a shell asks.
        from typer._completion_classes import completion_init

        completion_init()
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="hcpcs", standalone_mode=False)
        code = result if isinstance(result, int) else 0
        if code == ExitCode.INTERRUPTED:  # Typer turns Ctrl-C into Exit(130) itself
            _err("interrupted")
        sys.stdout.flush()
        return code
    except HcpcsError as exc:
        _debug_trace(debug)
        _err(f"error: {exc}")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place every failure is turned into a message
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            return _click_error(exc)
        if isinstance(exc, OSError) and exc.errno == 32:
            _silence_stdout()
            return 0
        _debug_trace(debug)
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        return 70


def _click_error(exc: Any) -> int:
    if type(exc).__name__ == "NoArgsIsHelpError":
        # `hcpcs` or `hcpcs data` alone: the help is the answer, not an error.
        sys.stdout.write(exc.ctx.get_help() + "\n")
        return int(ExitCode.OK)
    message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    if exc.exit_code == 1 and type(exc).__name__ == "ClickException":
        _err(f"error: {message}")
        return int(ExitCode.USAGE)
    _err(f"error: {message}{where}")
    return int(ExitCode.USAGE) if exc.exit_code in (1, 2) else int(exc.exit_code)


def _debug_trace(debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc()


def _silence_stdout() -> NoReturn | None:
    # The reader went away (``| head``): point stdout at devnull so the final flush is quiet.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return None
