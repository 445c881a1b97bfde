"""The one output object: format choice, writers, pager, safe encodings. Passed to every command
through Typer's context (``ctx.obj``); nothing here is module state.

- Every string printed in a terminal, plain, CSV or markdown format goes through
  ``sanitize.clean`` (control characters and escape sequences from outside text never reach the
  terminal); JSON escapes them instead.
- A stream whose encoding is not UTF-8 (a Windows console or file in cp1252, ASCII) gets ASCII
  glyphs, and characters it cannot encode are replaced, never a crash. ``--plain`` also uses ASCII.
- Long output goes through a pager when standard output is a terminal. A pager that cannot start
  is reported on stderr and the output printed directly; ``less`` always gets ``-R``, and any other
  pager gets plain text, so no raw escape code reaches the screen.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import Enum
from typing import IO, TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.text import Text

from hcpcs_cli.errors import DataIOError, OutputClosed, UsageError
from hcpcs_cli.results import Cell, Json, JsonObject, Row
from hcpcs_cli.sanitize import clean, escape_json, one_line

from .render import Look, View
from .theme import THEME

if TYPE_CHECKING:
    from hcpcs_cli.results import Tabular
    from hcpcs_cli.validate import ValidationReport


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"


_ASCII = str.maketrans(
    {
        "•": "*",
        "─": "-",
        "━": "=",
        "→": ">",
        "—": "-",
        "–": "-",
        "…": ".",
        "·": "|",
        "↳": ">",
        "−": "-",
        "“": '"',
        "”": '"',
        "’": "'",
        "‘": "'",
    }
)
_COLOUR_PAGERS = frozenset({"less", "most", "bat", "batcat", "moar", "moor", "ov", "lv"})
MAX_COLUMNS = 1000
MAX_MESSAGE = 1000  # characters of one message line (outside text can be long)


class SafeConsole(Console):
    """A rich console that strips control characters from the text it is given (its own colour
    codes pass), and keeps to ASCII glyphs when asked."""

    def __init__(self, *args: object, ascii_only: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.ascii_only = ascii_only

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        ascii_only = self.ascii_only
        safe = (
            seg
            if seg.control
            else Segment(
                clean(seg.text).translate(_ASCII) if ascii_only else clean(seg.text),
                seg.style,
                seg.control,
            )
            for seg in buffer
        )
        return super()._render_buffer(safe)


def _utf(stream: IO[str] | None) -> bool:
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
    return encoding in ("utf-8", "utf8", "utf-16", "utf-32", "utf-8-sig")


def _forgiving(stream: IO[str] | None) -> None:
    """Replace what a non-UTF-8 stream cannot encode instead of failing (cp1252, ASCII)."""
    if stream is None or _utf(stream):
        return
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="replace")


def _width() -> int | None:
    value = os.environ.get("COLUMNS", "")
    if value.isdigit():
        return max(20, min(int(value), MAX_COLUMNS))
    return None


class Output:
    """Where and how a run writes: data on stdout, messages on stderr."""

    def __init__(
        self,
        plain: bool = False,
        pager: bool = True,
        debug: bool = False,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.plain = plain
        self.pager = pager
        self.debug = debug
        self._stdout = stdout
        self._stderr = stderr
        self._console: SafeConsole | None = None
        self._err_console: SafeConsole | None = None

    # -- streams ------------------------------------------------------------------------------
    @property
    def stdout(self) -> IO[str]:
        stream = self._stdout or sys.stdout
        if stream is None:
            raise DataIOError("standard output is closed", "run hcpcs with its output open")
        return stream

    @property
    def stderr(self) -> IO[str] | None:
        return self._stderr or sys.stderr

    @property
    def look(self) -> Look:
        return Look(plain=self.plain, ascii=self.plain or not _utf(self.stdout))

    @property
    def console(self) -> SafeConsole:
        if self._console is None:
            stream = self.stdout
            _forgiving(stream)
            self._console = self._make_console(stream)
        return self._console

    def _make_console(self, stream: IO[str]) -> SafeConsole:
        look = self.look
        return SafeConsole(
            file=stream,
            theme=THEME,
            highlight=False,
            emoji=False,
            markup=False,
            width=_width(),
            no_color=self.plain or None,
            color_system=None if self.plain else "auto",
            safe_box=True,
            ascii_only=look.ascii,
        )

    def err_console(self) -> SafeConsole:
        if self._err_console is None:
            stream = self.stderr or sys.__stderr__
            self._err_console = SafeConsole(
                file=stream, theme=THEME, highlight=False, stderr=True, ascii_only=not _utf(stream)
            )
        return self._err_console

    # -- messages -----------------------------------------------------------------------------
    def message(self, text: str) -> None:
        """One line on stderr: ``hcpcs: text`` (control characters removed)."""
        stream = self.stderr
        if stream is None:
            return
        line = one_line(text, MAX_MESSAGE)
        try:
            stream.write(f"hcpcs: {line}\n")
            stream.flush()
        except (OSError, ValueError):
            pass  # stderr itself is gone: nothing left to tell

    def warning(self, text: str) -> None:
        self.message(f"warning: {text}")

    # -- writers ------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        stream = self.stdout
        _forgiving(stream)
        with guard():
            stream.write(text)

    def json(self, data: Json) -> None:
        import json

        self.write(escape_json(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")

    def jsonl(self, items: Iterable[Json]) -> None:
        import json

        for item in items:
            self.write(escape_json(json.dumps(item, ensure_ascii=False)) + "\n")

    def csv(self, columns: Sequence[str], rows: Iterable[Row]) -> None:
        """CSV with a header row. Lists are joined by spaces, booleans are true/false, cells carry
        no newlines, and a cell that begins with = + - or @ gets a leading apostrophe so that
        spreadsheets show it as text instead of running it as a formula."""
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([_csv_cell(c) for c in columns])
        for n, row in enumerate(rows, 1):
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
            if n % 1000 == 0:
                self.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        self.write(buffer.getvalue())

    def markdown(self, columns: Sequence[str], rows: Iterable[Row]) -> None:
        """A GitHub-flavoured markdown table, to paste into tickets and wikis."""
        lines = [
            "| " + " | ".join(_md_cell(c) for c in columns) + " |",
            "| " + " | ".join("---" for _ in columns) + " |",
        ]
        self.write("\n".join(lines) + "\n")
        for row in rows:
            self.write("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |\n")

    # -- views --------------------------------------------------------------------------------
    def show(self, view: View | RenderableType, long: bool = False, rows: int = 0) -> None:
        """Print a view. Long output (``long``, or more ``rows`` than the screen has) goes through
        a pager when stdout is a terminal and paging is on."""
        console = self.console
        renderable = view(console) if callable(view) else view
        paged = (long or rows > console.height - 2) and self.pager and console.is_terminal
        if paged and self._page(renderable):
            return
        # A view made of whole lines (a linter-style list, addresses) is printed unwrapped.
        soft = isinstance(renderable, Text) and bool(renderable.no_wrap)
        with guard():
            console.print(renderable, crop=False, soft_wrap=soft)

    def _page(self, renderable: RenderableType) -> bool:
        """Send ``renderable`` to the pager; False (after saying why) when it cannot start."""
        command = os.environ.get("PAGER", "").strip()
        if not command:
            import shutil

            command = "less" if shutil.which("less") else ("more" if os.name == "nt" else "")
        if not command or command == "cat":
            return False
        program = _program(command)
        import shutil

        if shutil.which(program) is None:
            self.message(f"the pager '{program}' was not found; printing directly (set PAGER)")
            return False
        colour = os.path.basename(program).lower().removesuffix(".exe") in _COLOUR_PAGERS
        env = dict(os.environ)
        if os.path.basename(program).lower().startswith("less"):
            env["LESS"] = _less_flags(env.get("LESS"))
        console = self.console
        if not colour:
            import io

            console = SafeConsole(
                file=io.StringIO(),
                width=console.width,
                theme=THEME,
                color_system=None,
                highlight=False,
                markup=False,
                ascii_only=console.ascii_only,
            )
        with console.capture() as capture:
            console.print(renderable)
        text = capture.get()
        return self._run_pager(command, program, text, env)

    def _run_pager(self, command: str, program: str, text: str, env: dict[str, str]) -> bool:
        import signal
        import subprocess

        encoding = getattr(self.stdout, "encoding", None) or "utf-8"
        try:
            proc = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)  # noqa: S602 - the user's own PAGER, as git runs it
        except OSError as exc:
            self.message(
                f"the pager '{program}' could not start ({exc.strerror}); printing directly"
            )
            return False
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the pager
        try:
            assert proc.stdin is not None
            try:
                proc.stdin.write(text.encode(encoding, errors="replace"))
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass  # the reader quit early
            code = proc.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
        if code in (126, 127):
            self.message(
                f"the pager '{command}' could not start (status {code}); printing directly"
            )
            return False
        return True

    # -- results ------------------------------------------------------------------------------
    def emit(
        self,
        result: Tabular,
        fmt: Format,
        view: View,
        long: bool = False,
        items: Callable[[], Iterable[JsonObject]] | None = None,
    ) -> None:
        """Write a result in the chosen format: the view for a table, else its JSON (``jsonl``:
        ``items``, one per line) or its rows."""
        if fmt is Format.json:
            self.json(result.to_dict())
        elif fmt is Format.jsonl:
            self.jsonl(items() if items else [result.to_dict()])
        elif fmt is Format.csv:
            self.csv(result.columns, result.table_rows())
        elif fmt is Format.markdown:
            self.markdown(result.columns, result.table_rows())
        else:
            rows = list(result.table_rows()) if not long else []
            self.show(view, long=long, rows=len(rows))

    def validation(self, report: ValidationReport, fmt: Format) -> None:
        """Stream a validation report: written as it is judged, in bounded memory."""
        import itertools

        from .render import validation_chunk, validation_layout

        results = report.results()
        if fmt is Format.json:
            import json

            head = json.dumps(report.head(), ensure_ascii=False)[1:-1]
            self.write("{" + head + ', "' + report.items_key + '": [')
            for n, r in enumerate(results):
                self.write(
                    ("," if n else "")
                    + "\n  "
                    + escape_json(json.dumps(r.to_dict(), ensure_ascii=False))
                )
            tail = json.dumps(report.tail(), ensure_ascii=False)[1:-1]
            self.write("\n], " + tail + "}\n")
        elif fmt is Format.jsonl:
            self.jsonl(r.to_dict() for r in results)
        elif fmt is Format.csv:
            self.csv(report.columns, (r.row() for r in results))
        elif fmt is Format.markdown:
            self.markdown(report.columns, (r.row() for r in results))
        else:
            console = self.console
            first = list(itertools.islice(results, 200))
            layout = validation_layout(console.width, first)
            with guard():
                if layout.header():
                    console.print(layout.header(), style="label", soft_wrap=True)
                chunks = itertools.chain([first], _chunks(results, 500))
                for chunk in chunks:
                    if chunk:
                        console.print(validation_chunk(layout, chunk), soft_wrap=True, end="")
        self.message(report.summary())


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Writing failed: a closed pipe ends the run quietly; any other failure (disk full, closed
    output, a device error) is an input/output error with its own message."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise OutputClosed("the output pipe was closed") from None
        raise DataIOError(f"cannot write the output: {exc.strerror or exc}") from None
    except ValueError as exc:  # writing to a closed file object
        raise DataIOError(f"cannot write the output: {exc}") from None


def _chunks(items: Iterator[object], size: int) -> Iterator[list]:  # type: ignore[type-arg]
    import itertools

    while chunk := list(itertools.islice(items, size)):
        yield chunk


def _program(command: str) -> str:
    import shlex

    try:
        words = shlex.split(command, posix=os.name != "nt")
    except ValueError:
        words = command.split()
    return words[0] if words else command


def _less_flags(value: str | None) -> str:
    """``LESS`` with -R (raw colour codes allowed) added when the user's setting lacks it."""
    if value is None or not value.strip():
        return "-FRX"
    flags = value.strip()
    has_r = (
        any(
            part.startswith("-") and not part.startswith("--") and ("R" in part or "r" in part)
            for part in flags.split()
        )
        or "--RAW-CONTROL-CHARS" in flags.upper()
    )
    return flags if has_r else f"{flags} -R"


def _flat(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _csv_cell(value: Cell) -> str:
    text = " ".join(clean(_flat(value)).split())
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text


def _md_cell(value: Cell) -> str:
    text = " ".join(clean(_flat(value)).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def choose_format(fmt: Format | None, json_: bool = False, csv_: bool = False) -> Format:
    chosen = {f for f, on in ((Format.json, json_), (Format.csv, csv_)) if on}
    if fmt is not None:
        chosen.add(fmt)
    if len(chosen) > 1:
        names = " and ".join(sorted(f.value for f in chosen))
        raise UsageError(f"choose one output format, not {names}")
    return chosen.pop() if chosen else Format.table
