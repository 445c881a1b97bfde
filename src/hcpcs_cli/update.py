"""Finding and downloading the current quarterly release from CMS, and importing it.

CMS publishes a zip each quarter under a predictable name
(``https://www.cms.gov/files/zip/january-2026-alpha-numeric-hcpcs-file.zip``), sometimes re-issued
with ``-v2``. Which quarter is current depends on when CMS posts it, so the update tries the expected
names from the newest quarter back: next quarter, this quarter, the previous one; the first that
answers is the current release. ``$HCPCS_UPDATE_URL`` names one file to use instead;
``$HCPCS_UPDATE_BASE`` moves the whole folder (a mirror, or a test server).

Downloads have a connect timeout, an overall deadline and a size cap; every failure names the URL
(with any credentials in it hidden) and the fix.
"""

from __future__ import annotations

import datetime
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import DownloadError, UsageError
from .results import JsonObject, Row
from .status import checked_date

if TYPE_CHECKING:
    from .store import ReleaseInfo, Store

DEFAULT_BASE = "https://www.cms.gov/files/zip/"
FILE_TEMPLATE = "{month}-{year}-alpha-numeric-hcpcs-file{suffix}.zip"
MONTHS = {1: "january", 4: "april", 7: "july", 10: "october"}
SUFFIXES = ("-v3", "-v2", "")
MAX_BYTES = 100 * 1024 * 1024
CONNECT_TIMEOUT = 20.0
DEADLINE = 600.0
_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")

Progress = Callable[[int, int | None], None]


def redact(url: str) -> str:
    """``url`` with any user name and password replaced, for messages."""
    return _USERINFO.sub("***@", url)


class Candidate(NamedTuple):
    label: str  # 2026-01
    url: str


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, ((day.month - 1) // 3) * 3 + 1, 1)


def _shift(start: datetime.date, quarters: int) -> datetime.date:
    month = start.month - 1 + 3 * quarters
    return datetime.date(start.year + month // 12, month % 12 + 1, 1)


def candidates(today: datetime.date | None = None, base: str | None = None) -> list[Candidate]:
    """The URLs to try, newest first: next quarter, this quarter, the previous one."""
    base = base or os.environ.get("HCPCS_UPDATE_BASE") or DEFAULT_BASE
    if not base.endswith("/"):
        base += "/"
    start = quarter_start(today or datetime.date.today())
    out = []
    for shift in (1, 0, -1):
        quarter = _shift(start, shift)
        label = f"{quarter.year}-{quarter.month:02d}"
        for suffix in SUFFIXES:
            name = FILE_TEMPLATE.format(
                month=MONTHS[quarter.month], year=quarter.year, suffix=suffix
            )
            out.append(Candidate(label, base + name))
    return out


def _check_url(url: str) -> None:
    from urllib.parse import urlsplit

    if not url.lower().startswith(("https://", "http://")):
        raise UsageError(
            f"not a download URL: {redact(url)[:200]}",
            "give an https:// address, or import a local file with hcpcs data import",
        )
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    if not host:
        raise UsageError(f"malformed URL: {redact(url)[:200]}", "check the address")


def _open(url: str, method: str = "GET", timeout: float = CONNECT_TIMEOUT):  # type: ignore[no-untyped-def]
    import urllib.request

    request = urllib.request.Request(url, method=method, headers={"User-Agent": "hcpcs-cli"})
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) checked above


def _failure(url: str, exc: BaseException) -> DownloadError:
    """A download failure of any kind as one message naming the URL and the fix."""
    import http.client
    import urllib.error

    shown = redact(url)
    if isinstance(exc, urllib.error.HTTPError):
        return DownloadError(
            f"{shown}: the server answered {exc.code} {exc.reason}",
            "check the URL, or try again later",
        )
    if isinstance(exc, urllib.error.URLError):
        return DownloadError(
            f"cannot reach {shown}: {exc.reason}", "check the network connection or the URL"
        )
    if isinstance(exc, http.client.HTTPException):
        name = type(exc).__name__
        return DownloadError(
            f"{shown}: not a valid HTTP answer ({name})", "check that the URL is a web server"
        )
    if isinstance(exc, TimeoutError):
        return DownloadError(f"{shown}: no answer in time", "check the network, then try again")
    if isinstance(exc, (ValueError, UnicodeError)):
        return DownloadError(f"malformed URL: {shown[:200]}", "check the URL")
    if isinstance(exc, OSError):
        return DownloadError(
            f"cannot download {shown}: {exc.strerror or exc}", "check the network connection"
        )
    return DownloadError(f"cannot download {shown}: {exc}")


def exists(url: str) -> bool:
    """Whether ``url`` answers with a file (HEAD, falling back to GET when HEAD is refused).
    404 and 410 mean no; other failures raise DownloadError."""
    import urllib.error

    _check_url(url)
    for method in ("HEAD", "GET"):
        try:
            with _open(url, method) as response:
                return bool(200 <= response.status < 300)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return False
            if exc.code in (405, 501) and method == "HEAD":
                continue
            raise _failure(url, exc) from None
        except Exception as exc:  # noqa: BLE001 - every network fault becomes one message
            raise _failure(url, exc) from None
    return False


def find_current(today: datetime.date | None = None) -> Candidate:
    """The newest quarterly release that CMS (or ``$HCPCS_UPDATE_BASE``) serves."""
    configured = os.environ.get("HCPCS_UPDATE_URL")
    if configured:
        from .release import derive_label

        return Candidate(derive_label(configured.rsplit("/", 1)[-1]), configured)
    tried = candidates(today)
    for candidate in tried:
        if exists(candidate.url):
            return candidate
    first, last = redact(tried[0].url), redact(tried[-1].url)
    raise DownloadError(
        f"no quarterly release found (tried {len(tried)} names, {first} to {last})",
        "CMS may have renamed its files: give the URL with --url",
    )


def download(
    url: str,
    directory: Path,
    progress: Progress | None = None,
    deadline: float = DEADLINE,
) -> Path:
    """Fetch ``url`` into a file in ``directory``; the caller deletes it. Raises DownloadError."""
    import tempfile

    _check_url(url)
    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".zip", dir=directory)
    path = Path(name)
    stop = time.monotonic() + deadline
    try:
        with os.fdopen(fd, "wb") as out, _open(url) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and total > MAX_BYTES:
                raise DownloadError(f"{redact(url)} is larger than any HCPCS release; stopped")
            done = 0
            while chunk := response.read(64 * 1024):
                done += len(chunk)
                if done > MAX_BYTES:
                    raise DownloadError(f"{redact(url)} is larger than any HCPCS release; stopped")
                if time.monotonic() > stop:
                    raise DownloadError(
                        f"{redact(url)}: the download took longer than {int(deadline)} s",
                        "try again on a faster connection",
                    )
                out.write(chunk)
                if progress:
                    progress(done, total)
            if total is not None and done != total:
                raise DownloadError(
                    f"the download of {redact(url)} ended early ({done} of {total} bytes)",
                    "try again",
                )
    except DownloadError:
        path.unlink(missing_ok=True)
        raise
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise _failure(url, exc) from None
    return path


class UpdateCheck(NamedTuple):
    """``hcpcs data update --check``: is a newer release than the newest held one available?"""

    held: str | None  # newest held release label
    held_effective: str | None
    available: str  # label of the newest release served
    url: str

    @property
    def newer(self) -> bool:
        if self.held is None:
            return True
        return checked_date(self.available) > max(
            checked_date(self.held), self.held_effective or ""
        )

    @property
    def columns(self) -> tuple[str, ...]:
        return ("held", "available", "newer", "url")

    def table_rows(self) -> list[Row]:
        return [
            {"held": self.held, "available": self.available, "newer": self.newer, "url": self.url}
        ]

    def to_dict(self) -> JsonObject:
        return {
            "held": self.held,
            "held_effective": self.held_effective,
            "available": self.available,
            "url": redact(self.url),
            "newer": self.newer,
        }

    def summary(self) -> str:
        if self.newer:
            held = self.held or "none"
            return f"a newer release is available: {self.available} (held: {held}) at {redact(self.url)}"
        return f"up to date: release {self.held} is the newest ({self.available} is served)"


def check(store: Store, today: datetime.date | None = None) -> UpdateCheck:
    found = find_current(today)
    infos = store.releases
    newest = infos[-1] if infos else None
    return UpdateCheck(
        newest.label if newest else None,
        newest.effective if newest else None,
        found.label,
        found.url,
    )


class Imported(NamedTuple):
    """The result of ``data import`` or ``data update``."""

    info: ReleaseInfo
    changed: bool
    url: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return ("label", "changed", "procedures", "modifiers", "effective", "source")

    def table_rows(self) -> list[Row]:
        return [
            {
                "label": self.info.label,
                "changed": self.changed,
                "procedures": self.info.procedures,
                "modifiers": self.info.modifiers,
                "effective": self.info.effective,
                "source": self.info.source,
            }
        ]

    def to_dict(self) -> JsonObject:
        i = self.info
        return {
            "label": i.label,
            "changed": self.changed,
            "procedures": i.procedures,
            "modifiers": i.modifiers,
            "effective": i.effective,
            "source": i.source,
            "sha256": i.sha256,
            "path": str(i.path),
        }

    def summary(self) -> str:
        verb = "imported" if self.changed else "already imported (nothing changed)"
        i = self.info
        return (
            f"{verb}: release {i.label}: {i.procedures} procedure codes, {i.modifiers} modifiers"
            f" (effective {i.effective})"
        )


def import_file(
    store: Store,
    path: Path,
    label: str | None = None,
    replace: bool = False,
    wait: bool = True,
    on_wait: Callable[[], None] | None = None,
) -> Imported:
    """``hcpcs data import PATH``."""
    from .release import read_release

    parsed = read_release(path, label)
    info, changed = store.import_release(parsed, replace=replace, wait=wait, on_wait=on_wait)
    return Imported(info, changed)


def update(
    store: Store,
    url: str | None = None,
    label: str | None = None,
    progress: Progress | None = None,
    on_start: Callable[[str], None] | None = None,
    wait: bool = True,
    on_wait: Callable[[], None] | None = None,
) -> Imported:
    """``hcpcs data update``: find (or take) the release URL, download it, import it."""
    import shutil
    import tempfile

    from .release import derive_label, read_release

    if url is None:
        found = find_current()
        url, guessed = found.url, found.label
    else:
        _check_url(url)
        guessed = derive_label(url.rstrip("/").rsplit("/", 1)[-1].split("?")[0])
    if on_start is not None:
        on_start(redact(url))
    try:
        store.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".download-", dir=store.root))
    except OSError as exc:
        from .store import _io_error

        raise _io_error(exc, store.root) from None
    try:
        path = download(url, folder, progress)
        parsed = read_release(path, label or guessed)
        parsed = parsed._replace(source=redact(url))
        info, changed = store.import_release(parsed, source=redact(url), wait=wait, on_wait=on_wait)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Imported(info, changed, redact(url))
