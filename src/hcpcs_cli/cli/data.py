"""``hcpcs data``: import, update, inspect and check the code data."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .options import FormatOpt, JsonOpt, complete_release
from .output import Format, Output, choose_format

data_app = typer.Typer(
    help="Import, update, inspect and check the code data.\n\nExample: hcpcs data update",
    no_args_is_help=True,
    rich_markup_mode=None,
)

NoWaitOpt = Annotated[
    bool,
    typer.Option("--no-wait", help="Fail at once if another import holds the data directory."),
]


if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from hcpcs_cli.store import Store


def _store() -> "Store":
    from hcpcs_cli.store import Store

    return Store()


def _waiting(out: Output) -> Callable[[], None]:
    return lambda: out.message("waiting for another hcpcs import to finish (Ctrl-C to stop)...")


@data_app.command("import")
def data_import(
    ctx: typer.Context,
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
    no_wait: NoWaitOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Import an official CMS HCPCS release file.

    Example: hcpcs data import january-2026-alpha-numeric-hcpcs-file.zip
    """
    out: Output = ctx.obj
    from hcpcs_cli.update import import_file

    result = import_file(_store(), path, label, replace, wait=not no_wait, on_wait=_waiting(out))
    if json_:
        out.json(result.to_dict())
    out.message(result.summary())


@data_app.command("update")
def data_update(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option(
            "--url", help="Download this URL instead of finding the current quarter's file."
        ),
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="Name for this release.")] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only say whether a newer release than the newest held one is out (exit 1 if so).",
        ),
    ] = False,
    no_wait: NoWaitOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Download the current quarterly release from CMS and import it.

    Example: hcpcs data update --check
    """
    out: Output = ctx.obj
    from hcpcs_cli import update

    store = _store()
    if check:
        found = update.check(store)
        if json_:
            out.json(found.to_dict())
        out.message(found.summary())
        if found.newer:
            raise typer.Exit(1)
        return
    with _progress(out) as progress:
        result = update.update(
            store,
            url,
            label,
            progress=progress,
            on_start=lambda shown: out.message(f"downloading {shown}"),
            wait=not no_wait,
            on_wait=_waiting(out),
        )
    if json_:
        out.json(result.to_dict())
    out.message(result.summary())


class _progress:
    """A download progress bar on stderr (rich), only when stderr is a terminal."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.bar: Progress | None = None

    def __enter__(self) -> "Callable[[int, int | None], None] | None":
        console = self.out.err_console()
        if not console.is_terminal:
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        bar = Progress(
            "{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        )
        bar.__enter__()
        self.bar = bar
        task: TaskID = bar.add_task("download", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@data_app.command("status")
def data_status(ctx: typer.Context, json_: JsonOpt = False, format_: FormatOpt = None) -> None:
    """List the releases held (and any damaged file), the default, and where data lives.

    Example: hcpcs data status --json
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    from hcpcs_cli.store import data_status as status

    from .render import status_view

    result = status(_store())
    out.emit(result, fmt, status_view(result, out.look))


@data_app.command("remove")
def data_remove(
    ctx: typer.Context,
    label: Annotated[
        str,
        typer.Argument(
            help="Label of the held release to delete.", autocompletion=complete_release
        ),
    ],
) -> None:
    """Delete a held release and its search index (the bundled records stay).

    Example: hcpcs data remove 2020
    """
    out: Output = ctx.obj
    removed = _store().remove(label)
    out.message(f"removed release {removed.label} ({removed.path})")


@data_app.command("check")
def data_check(
    ctx: typer.Context,
    release: Annotated[
        list[str] | None,
        typer.Option(
            "--release",
            "-r",
            help="Check against this held release (label; repeatable).",
            autocompletion=complete_release,
        ),
    ] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            "-f",
            help="Check against this file: a release zip or text file, a TSV of official lines, or a folder of TSVs (repeatable).",
        ),
    ] = None,
    json_: JsonOpt = False,
    format_: FormatOpt = None,
) -> None:
    """Validate the bundled records and your own against official sources: schema, descriptors,
    dates, modifier meanings, similar codes, and writing rules (warnings for review).

    Example: hcpcs data check --file 2020-Alpha-Numeric-HCPCS-File.zip --file 2026-excerpt/
    """
    out: Output = ctx.obj
    fmt = choose_format(format_, json_)
    from hcpcs_cli.check import check

    from .render import check_view

    report = check(_store(), release or [], file or [])
    out.emit(report, fmt, check_view(report, out.look))
    out.message(report.summary())
    if report.unverified and fmt is Format.table:
        out.message(
            f"note: {len(report.unverified)} codes could not be verified (no source holds them): "
            "give --file or --release to check them"
        )
    if not report.ok:
        raise typer.Exit(3)
