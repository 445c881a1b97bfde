"""The answers the local servers give: one core call per request, the same results as the CLI.

A ``Service`` holds one ``Catalog``: the release named at start, or else the newest held one,
picked up again when a newer release is imported while the server runs. Its methods take typed
arguments, apply the servers' limits and return the core's typed results, whose ``to_dict()`` is
the JSON both servers send; ``problem_of`` turns the library's errors into a ``Problem`` with an
HTTP status beside the CLI's exit code, so that the HTTP API and the MCP server say the same thing
the same way. Nothing here imports a web framework.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from hcpcs_cli.errors import (
    BusyError,
    CodeNotFound,
    DataIOError,
    ExitCode,
    HcpcsError,
    NoResults,
    UsageError,
)
from hcpcs_cli.results import JsonObject
from hcpcs_cli.sanitize import one_line

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from pathlib import Path

    from hcpcs_cli.browse import Listing
    from hcpcs_cli.catalog import Catalog, Lookup
    from hcpcs_cli.changes import Changes
    from hcpcs_cli.compare import Comparison
    from hcpcs_cli.history import History
    from hcpcs_cli.modifiers import ModifierExplanation
    from hcpcs_cli.search import SearchResult
    from hcpcs_cli.store import Store
    from hcpcs_cli.validate import ValidationReport

MAX_COMPARE = 8
MAX_VALIDATE = 10_000  # codes in one validation request
MAX_TEXT = 500  # characters of any one text parameter
REFRESH_SECONDS = 5.0  # how often an unpinned service looks for a newer release
CACHED_SEARCHES = 2048  # recent search answers kept (autocomplete asks the same prefixes often)


class Problem(NamedTuple):
    """An error as the servers report it: the HTTP status, a short type, the message the CLI would
    print, a hint, close codes for an unknown one, and the CLI's exit code for the same error."""

    status: int
    type: str
    message: str
    hint: str | None = None
    suggestions: tuple[str, ...] = ()
    exit_code: int = int(ExitCode.USAGE)

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "status": self.status,
            "type": self.type,
            "message": self.message,
            "exit_code": self.exit_code,
        }
        if self.hint:
            data["hint"] = self.hint
        if self.suggestions:
            data["suggestions"] = list(self.suggestions)
        return {"error": data}


def problem_of(exc: HcpcsError) -> Problem:
    """The HTTP status and type for an error of the library (the message is the CLI's)."""
    code = int(exc.exit_code)
    message, hint = one_line(exc.message), one_line(exc.hint) if exc.hint else None
    if isinstance(exc, CodeNotFound):
        return Problem(404, "not_found", message, hint, exc.suggestions, code)
    if isinstance(exc, NoResults):
        return Problem(404, "no_results", message, hint, (), code)
    if isinstance(exc, UsageError):
        return Problem(400, "bad_request", message, hint, (), code)
    if isinstance(exc, BusyError | DataIOError):
        return Problem(503, "unavailable", message, hint, (), code)
    return Problem(503, "data_error", message, hint, (), code)


class SearchKey(NamedTuple):
    """What a search answer depends on: the question, the release and today's date."""

    query: str
    limit: int
    kind: str
    prefix: str | None
    active_only: bool
    explain: bool
    release: str | None
    day: str


# -- parameters ---------------------------------------------------------------------------------
def text_param(name: str, value: str | None, required: bool = False) -> str | None:
    """A text parameter, bounded; UsageError when a required one is missing or one is too long."""
    if value is None or not value.strip():
        if required:
            raise UsageError(f"missing parameter '{name}'")
        return None
    if len(value) > MAX_TEXT:
        raise UsageError(f"parameter '{name}' is too long (at most {MAX_TEXT} characters)")
    return value


def int_param(name: str, value: str | None, default: int, low: int, high: int) -> int:
    """A whole-number parameter between ``low`` and ``high``; UsageError otherwise."""
    if value is None or value == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise UsageError(f"parameter '{name}' must be a whole number") from None
    if not low <= number <= high:
        raise UsageError(f"parameter '{name}' must be between {low} and {high}")
    return number


def bool_param(name: str, value: str | None) -> bool:
    """``true``/``false`` (also 1/0, yes/no); absent is false."""
    if value is None or value == "":
        return False
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"parameter '{name}' must be true or false")


def code_list(name: str, values: Iterable[str], most: int) -> list[str]:
    """Codes given as repeated parameters or comma-separated, blanks dropped, at most ``most``."""
    codes = [c.strip() for value in values for c in value.split(",") if c.strip()]
    if not codes:
        raise UsageError(f"missing parameter '{name}'")
    if len(codes) > most:
        raise UsageError(f"too many codes ({len(codes)}; at most {most})")
    return codes


# -- the service --------------------------------------------------------------------------------
class Service:
    """The catalog behind a server, and every answer it gives."""

    def __init__(self, release: str | None = None, store: Store | None = None) -> None:
        from hcpcs_cli.store import Store

        self.store = store or Store()
        self.pinned = release
        self._catalog: Catalog | None = None
        self._seen: float | None = None  # the releases folder's time when the catalog was made
        self._checked = 0.0
        self.started = time.time()
        self._searches: OrderedDict[SearchKey, SearchResult] = OrderedDict()
        self._executor: Executor | None = None

    @property
    def catalog(self) -> Catalog:
        """The catalog in use; an unpinned service re-opens it after a new import."""
        now = time.monotonic()
        if self._catalog is not None and (self.pinned or now - self._checked < REFRESH_SECONDS):
            return self._catalog
        self._checked = now
        stamp = self._releases_stamp()
        if self._catalog is None or stamp != self._seen:
            from hcpcs_cli.catalog import Catalog

            self.store.forget()
            catalog = Catalog(self.pinned, self.store)
            catalog.index  # noqa: B018 - open (or build) the index now, not in a request
            self._catalog, self._seen = catalog, stamp
            self._searches.clear()
        return self._catalog

    def _releases_stamp(self) -> float | None:
        try:
            return os.stat(self.store.releases_dir).st_mtime
        except OSError:
            return None

    def start_search_processes(self, processes: int) -> None:
        """Answer searches the cache cannot answer in ``processes`` processes of their own
        (started now, catalogs opened, so that the first requests do not wait for them)."""
        if processes < 1 or self._executor is not None:
            return
        self._executor = _search_pool(self.store.root, processes)
        key = self._search_key("warm up", 1, "procedure", None, False, False)
        for done in [self._executor.submit(search_in_worker, key) for _ in range(processes)]:
            done.result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    # -- answers --------------------------------------------------------------------------------
    def health(self) -> JsonObject:
        from hcpcs_cli import __version__, bundle

        catalog = self.catalog
        return {
            "status": "ok",
            "version": __version__,
            "release": catalog.release_label,
            "bundled_records": len(bundle.bundled_codes()),
            "uptime_seconds": round(time.time() - self.started, 1),
        }

    def code(self, text: str, on: str | None = None, section: str | None = None) -> Lookup:
        """One code (``H2028``, ``H2028-HF`` or a modifier such as ``HF``) as ``hcpcs show``."""
        return self.catalog.show([text], section, self._date(on))

    def search(
        self,
        query: str,
        limit: int = 10,
        kind: str = "procedure",
        prefix: str | None = None,
        active_only: bool = False,
        explain: bool = False,
    ) -> SearchResult:
        """A search, answered from the cache of recent answers when it can be."""
        key = self._search_key(query, limit, kind, prefix, active_only, explain)
        found = self._cached(key)
        if found is None:
            found = self.catalog.search(query, limit, kind, key.prefix, active_only, explain)
            self._remember(key, found)
        return found

    async def search_async(
        self,
        query: str,
        limit: int = 10,
        kind: str = "procedure",
        prefix: str | None = None,
        active_only: bool = False,
        explain: bool = False,
    ) -> SearchResult:
        """The same for the HTTP server. With search processes started, an answer not in the
        cache is worked out in one of them (with its own catalog, on another core), so lookups
        and cached answers keep flowing on the event loop instead of waiting behind it."""
        import asyncio

        key = self._search_key(query, limit, kind, prefix, active_only, explain)
        found = self._cached(key)
        if found is None:
            if self._executor is None:
                found = self.catalog.search(query, limit, kind, key.prefix, active_only, explain)
            else:
                loop = asyncio.get_running_loop()
                found = await loop.run_in_executor(self._executor, search_in_worker, key)
            self._remember(key, found)
        return found

    def _search_key(
        self,
        query: str,
        limit: int,
        kind: str,
        prefix: str | None,
        active_only: bool,
        explain: bool,
    ) -> SearchKey:
        if prefix is not None:
            from hcpcs_cli.browse import normalize_prefix

            prefix = normalize_prefix(prefix)
        from hcpcs_cli.release import today

        # Answers depend only on the data (read-only) and on today's date (statuses).
        label = self.catalog.release_label
        return SearchKey(query, limit, kind, prefix, active_only, explain, label, today())

    def _cached(self, key: SearchKey) -> SearchResult | None:
        found = self._searches.get(key)
        if found is not None:
            self._searches.move_to_end(key)
        return found

    def _remember(self, key: SearchKey, result: SearchResult) -> None:
        self._searches[key] = result
        if len(self._searches) > CACHED_SEARCHES:
            self._searches.popitem(last=False)

    def compare(self, codes: Sequence[str]) -> Comparison:
        if len(codes) > MAX_COMPARE:
            raise UsageError(f"too many codes to compare ({len(codes)}; at most {MAX_COMPARE})")
        return self.catalog.compare(codes)

    def validate(
        self, items: Sequence[str | tuple[str, str | None]], on: str | None = None
    ) -> ValidationReport:
        if not items:
            raise UsageError("no codes to validate")
        if len(items) > MAX_VALIDATE:
            raise UsageError(f"too many codes ({len(items)}; at most {MAX_VALIDATE} per request)")
        return self.catalog.validate(items, self._date(on))

    def browse(self, prefix: str | None = None, active_only: bool = False) -> Listing:
        return self.catalog.browse(prefix, active_only)

    def history(self, text: str) -> History:
        from hcpcs_cli.history import history

        return history(self.store, text)

    def changes(
        self,
        action: str = "all",
        since: str | None = None,
        prefix: str | None = None,
        codes: Sequence[str] | None = None,
    ) -> Changes:
        return self.catalog.changes(action, since, prefix, codes)

    def releases(self) -> JsonObject:
        """The held releases and the one in use (the data directory's path is not served)."""
        from hcpcs_cli.store import data_status

        status = data_status(self.store).to_dict()
        status.pop("home", None)
        return {**status, "in_use": self.catalog.release_label}

    def modifier(self, text: str, code: str | None = None) -> ModifierExplanation:
        """A modifier's official meaning, the records' notes on its use, and, with a code,
        whether that code's record lists it."""
        from hcpcs_cli.modifiers import explain

        return explain(self.catalog, text, code)

    @staticmethod
    def _date(text: str | None) -> str | None:
        if text is None:
            return None
        from hcpcs_cli.validate import parse_date

        return parse_date(text)


def split_items(rows: Iterable[object]) -> list[str | tuple[str, str | None]]:
    """Validation items from JSON: strings, or objects with ``code`` and an optional ``date``."""
    items: list[str | tuple[str, str | None]] = []
    for row in rows:
        if isinstance(row, str):
            items.append(row)
        elif isinstance(row, Mapping) and isinstance(row.get("code"), str):
            day = row.get("date")
            if day is not None and not isinstance(day, str):
                raise UsageError("a code's 'date' must be text such as 2026-01-31")
            items.append((row["code"], day))
        else:
            raise UsageError("each code must be text, or an object with 'code' (and 'date')")
        if len(items) > MAX_VALIDATE:
            raise UsageError(f"too many codes (at most {MAX_VALIDATE} per request)")
    return items


# -- the search process -------------------------------------------------------------------------
_WORKER: dict[str, Catalog] = {}  # in the search process: the catalog of each release used


def _search_pool(root: Path, processes: int) -> Executor:
    """Processes for the searches the cache cannot answer; each opens its own catalog."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # the same on every platform, thread-safe
    return ProcessPoolExecutor(processes, context, initializer=_start_worker, initargs=(str(root),))


def _start_worker(root: str) -> None:
    import signal

    os.environ["HCPCS_HOME"] = root
    # Ctrl-C reaches the whole process group: the server stops this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def search_in_worker(key: SearchKey) -> SearchResult:
    """Runs in the search process."""
    catalog = _WORKER.get(key.release or "")
    if catalog is None:
        from hcpcs_cli.catalog import Catalog

        catalog = _WORKER[key.release or ""] = Catalog(key.release)
    return catalog.search(key.query, key.limit, key.kind, key.prefix, key.active_only, key.explain)
