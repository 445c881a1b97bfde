"""The ``hcpcs`` app: global options, and the edge where errors and signals become exit statuses.

No ``from __future__ import annotations`` here or in the command modules: Typer would have to compile
and evaluate every string annotation at start-up, which costs more than evaluating them once.
"""

import contextlib
import functools
import os
import signal
import sys
from typing import Annotated, Any

import typer

from hcpcs_cli import __version__
from hcpcs_cli.errors import ExitCode, HcpcsError, OutputClosed

from .output import Output

EPILOG = """\b
Examples:
  hcpcs show H2028                 official descriptor and plain-language record
  hcpcs search "halfway house"     lay words, abbreviations and typos work
  hcpcs compare H2028 H2029        look-alike codes side by side
  hcpcs validate --file claims.csv --column code --date-column dos
  hcpcs data update                import the current CMS release

\b
Environment:
  HCPCS_HOME        data directory (default: the user data directory, e.g. ~/.local/share/hcpcs)
  HCPCS_RELEASE     held release to use instead of the newest (like --release)
  HCPCS_PLAIN=1     no colour, boxes or rules (like --plain); NO_COLOR, FORCE_COLOR honoured
  HCPCS_NO_PAGER=1  never page (like --no-pager); PAGER, LESS
  HCPCS_DEBUG=1     tracebacks on errors (like --debug)
  HCPCS_UPDATE_URL  the release file data update downloads; HCPCS_UPDATE_BASE its folder

\b
Data: imported releases in HCPCS_HOME/releases, search indexes in HCPCS_HOME/cache, your own
records in HCPCS_HOME/records (see hcpcs data status).

\b
Exit status: 0 ok; 1 not found, no result, or a code not valid; 2 usage error; 3 data error
(damaged or invalid data); 4 network error; 5 data directory busy (--no-wait); 70 internal
error (a bug); 74 input/output error (disk full, closed output); 129 hangup; 130 interrupted;
141 output pipe closed; 143 terminated."""


def _typer() -> typer.Typer:
    return typer.Typer(
        name="hcpcs",
        epilog=EPILOG,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


SERVER_COMMANDS = ("serve", "mcp")

COMPLETE_VAR = "_HCPCS_COMPLETE"
GLOBAL_FLAGS = ("--plain", "--no-pager", "--debug")


def _version(value: bool) -> None:
    if value:
        from hcpcs_cli import bundle
        from hcpcs_cli.store import Store

        count = len(bundle.bundled_codes())
        try:
            label = Store().default_label() or "none imported"
        except HcpcsError:
            label = "unreadable (see hcpcs data status)"
        typer.echo(f"hcpcs {__version__} (bundled records: {count}; CMS release: {label})")
        raise typer.Exit()


def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and data."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show a traceback on errors [env: HCPCS_DEBUG].")
    ] = False,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="No colour, boxes or rules; ASCII only [env: HCPCS_PLAIN].",
            envvar="HCPCS_PLAIN",
            show_envvar=False,
        ),
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Never page long output [env: HCPCS_NO_PAGER].",
            envvar="HCPCS_NO_PAGER",
            show_envvar=False,
        ),
    ] = False,
) -> None:
    """Fast, offline reference for HCPCS Level II codes.

    Example: hcpcs show H2028
    """
    out = ctx.ensure_object(Output)
    out.plain = out.plain or plain
    out.pager = out.pager and not no_pager
    out.debug = out.debug or debug


def _register(target: typer.Typer, only: str | None = None) -> None:
    """The commands on ``target``: all of them, or only the one called ``only`` (then only its
    module is imported: a lookup does not load the data and server commands)."""
    from . import commands

    target.callback()(main_callback)
    commands.register(target, only)
    if only in (None, "data"):
        from . import data

        target.add_typer(data.data_app, name="data")
    if only in (None, *SERVER_COMMANDS):
        from . import serve

        serve.register(target, only)


@functools.cache
def full_app() -> typer.Typer:
    """The app with every command (for help, completion of command names, docs and the manual
    page); a run that names its command builds only that one (see ``_command_for``)."""
    whole = _typer()
    _register(whole)
    return whole


def __getattr__(name: str) -> Any:
    if name == "app":  # ``from hcpcs_cli.cli.app import app``, built on first use
        return full_app()
    raise AttributeError(name)


def _command_for(args: list[str]) -> Any:
    """The click command to run. Building a Typer app's commands costs about half a millisecond
    each, which every lookup would pay for every command: a run that names its command builds
    only that one. Help, completion and unknown names get the whole app."""
    name = args[0] if args and not args[0].startswith("-") else None
    if os.environ.get(COMPLETE_VAR):
        name = _completed_command()
    if name is None or name not in _NAMES:
        return typer.main.get_command(full_app())
    single = _typer()
    _register(single, name)
    return typer.main.get_command(single)


def _completed_command() -> str | None:
    """During Tab completion, the command whose arguments are being completed (None while the
    command name itself is typed): bash passes COMP_WORDS and COMP_CWORD, the other shells
    _TYPER_COMPLETE_ARGS."""
    if "COMP_WORDS" in os.environ:
        words = os.environ["COMP_WORDS"].split()
        try:
            done = words[1 : int(os.environ.get("COMP_CWORD", "0"))]
        except ValueError:
            return None
    else:
        line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
        words = line.split()[1:]
        done = words if line.endswith(" ") else words[:-1]
    return done[0] if done and not done[0].startswith("-") else None


def _names() -> frozenset[str]:
    from .commands import COMMANDS

    return frozenset({name for name, _, _ in COMMANDS} | {"data", *SERVER_COMMANDS})


_NAMES = _names()


class _Signal(BaseException):
    """A termination signal, raised so that cleanup (temporary files, locks) runs on the way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, frame: object) -> None:
    raise _Signal(signum)


def _global_flags(args: list[str]) -> tuple[list[str], Output]:
    """--plain, --no-pager and --debug are accepted anywhere before a ``--``."""
    out = Output(debug=bool(os.environ.get("HCPCS_DEBUG")))
    rest: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            rest += args[i:]
            break
        if arg in GLOBAL_FLAGS:
            if arg == "--plain":
                out.plain = True
            elif arg == "--no-pager":
                out.pager = False
            else:
                out.debug = True
            continue
        rest.append(arg)
    return rest, out


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status. No traceback reaches the user unless --debug."""
    args, out = _global_flags(list(sys.argv[1:] if argv is None else argv))
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            # Not in the main thread (a test runner) the default stays.
            with contextlib.suppress(ValueError):
                signal.signal(getattr(signal, name), _on_signal)
    if os.environ.get(COMPLETE_VAR):
        # Tab completion (the scripts in completions/ set this variable). Typer registers its
        # shell classes only for apps with --install-completion, which would cost every run
        # ~4 ms of imports; so they are registered here, only when a shell asks.
        from typer._completion_classes import completion_init

        completion_init()
    command = _command_for(args)
    try:
        result = command.main(args=args, prog_name="hcpcs", standalone_mode=False, obj=out)
        code = result if isinstance(result, int) else 0
        if code == ExitCode.INTERRUPTED:  # Typer turns Ctrl-C into Exit(130) itself
            out.message("interrupted")
        _flush()
        return code
    except BaseException as exc:  # noqa: BLE001 - the one place every failure becomes a status
        return _status_of(exc, out)


def _flush() -> None:
    stream = sys.stdout
    if stream is not None:
        stream.flush()


def _status_of(exc: BaseException, out: Output) -> int:
    import errno

    if isinstance(exc, OutputClosed):
        _silence_stdout()
        return int(ExitCode.PIPE)
    if isinstance(exc, HcpcsError):
        _trace(out)
        if exc.exit_code == ExitCode.IO:
            _silence_stdout()
        out.message(f"error: {exc}")
        return int(exc.exit_code)
    if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "Abort":
        out.message("interrupted")
        return int(ExitCode.INTERRUPTED)
    if isinstance(exc, _Signal):
        out.message("terminated" if exc.signum == 15 else "hung up")
        return int(ExitCode.TERMINATED if exc.signum == 15 else ExitCode.HANGUP)
    if isinstance(exc, SystemExit):
        return int(exc.code) if isinstance(exc.code, int) else 0
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        _silence_stdout()
        return int(ExitCode.PIPE)
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
        return _click_error(exc, out)
    if isinstance(exc, OSError):
        # Every other system error is a fault of the environment, not a bug.
        _trace(out)
        _silence_stdout()
        where = f": {exc.filename}" if exc.filename else ""
        out.message(f"error: input/output failed: {exc.strerror or exc}{where}")
        return int(ExitCode.IO)
    if type(exc).__name__ in ("DatabaseError", "OperationalError", "IntegrityError"):
        _trace(out)
        out.message(f"error: a data file is damaged or unreadable ({exc}); see hcpcs data status")
        return int(ExitCode.DATA)
    _trace(out)
    out.message(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
    return int(ExitCode.INTERNAL)


def _click_error(exc: Any, out: Output) -> int:
    if type(exc).__name__ == "NoArgsIsHelpError":
        # `hcpcs` or `hcpcs data` alone: the help is the answer, not an error.
        sys.stdout.write(exc.ctx.get_help() + "\n")
        return int(ExitCode.OK)
    if type(exc).__name__ == "Exit":
        return int(exc.exit_code)
    message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    out.message(f"error: {message}{where}")
    return int(ExitCode.USAGE)


def _trace(out: Output) -> None:
    if out.debug:
        import traceback

        traceback.print_exc()


def _silence_stdout() -> None:
    # The reader went away (``| head``) or the output failed: point stdout at devnull so that
    # the final flush at exit is quiet.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
