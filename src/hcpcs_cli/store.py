"""The per-user data directory: imported releases, written atomically, read back before they count.

Layout under ``$HCPCS_HOME`` (default: the platform's user data directory):

- ``releases/<label>.sqlite``: one imported release, written once to a temporary file, read back
  code by code, then renamed into place (an interrupted import leaves the previous data intact);
- ``cache/``: search indexes (see ``index.py``) and parsed bundled records, rebuilt when missing,
  stale or damaged;
- ``import.lock``: held while an import or removal writes, so two never interleave.

A release file that cannot be read is never skipped in silence: ``data status`` lists it as damaged,
and choosing the default release fails (exit 3) with the fix, rather than falling back to an older
release or to none.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import BusyError, DataIOError, ReleaseError, StoreError
from .release import Official, ParsedRelease, from_stored
from .results import JsonObject, Row

if TYPE_CHECKING:
    from .index import Doc

SCHEMA_VERSION = "3"
MAX_LABEL = 40
LOCK_WAIT = 600.0
STALE_TEMP_SECONDS = 600


def home() -> Path:
    """The data directory: ``$HCPCS_HOME`` or the platform's user data directory."""
    override = os.environ.get("HCPCS_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("hcpcs", appauthor=False))


class ReleaseInfo(NamedTuple):
    label: str
    path: Path
    source: str  # the file name imported, or the URL downloaded
    sha256: str
    procedures: int
    modifiers: int
    effective: str  # the newest action-effective date in the file
    imported_at: str

    def to_dict(self) -> JsonObject:
        data: JsonObject = {k: v for k, v in self._asdict().items() if k != "path"}
        data["path"] = str(self.path)
        data["damaged"] = False
        return data


class DamagedRelease(NamedTuple):
    label: str  # from the file name
    path: Path
    problem: str

    @property
    def fix(self) -> str:
        return _fix(self.label)

    def to_dict(self) -> JsonObject:
        return {
            "label": self.label,
            "path": str(self.path),
            "damaged": True,
            "problem": self.problem,
            "fix": self.fix,
        }


def _fix(label: str) -> str:
    return f"import it again with --replace, or hcpcs data remove {label}"


def _damaged(path: Path, exc: object) -> StoreError:
    return StoreError(f"release {path.stem} ({path}) is damaged: {exc}", _fix(path.stem))


_CODE_COLUMNS = "code, kind, descriptor, short, admin"


class ReleaseDB:
    """One imported release, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            rows = self.conn.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.Error as exc:
            raise _damaged(path, exc) from None
        self.meta = {str(k): str(v) for k, v in rows}
        if self.meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(
                f"release {path.stem} was written by another version of hcpcs", _fix(path.stem)
            )
        for key in ("label", "source", "sha256", "procedures", "modifiers", "effective"):
            if key not in self.meta:
                raise _damaged(path, f"its description lacks '{key}'")

    @property
    def label(self) -> str:
        return self.meta["label"]

    @property
    def effective(self) -> str:
        return self.meta["effective"]

    def info(self) -> ReleaseInfo:
        m = self.meta
        try:
            return ReleaseInfo(
                m["label"],
                self.path,
                m["source"],
                m["sha256"],
                int(m["procedures"]),
                int(m["modifiers"]),
                m["effective"],
                m.get("imported_at", ""),
            )
        except ValueError as exc:
            raise _damaged(self.path, exc) from None

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[tuple[object, ...]]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _damaged(self.path, exc) from None

    def get(self, code: str) -> Official | None:
        rows = self._query(f"SELECT {_CODE_COLUMNS} FROM codes WHERE code = ?", (code,))
        return _official(rows[0]) if rows else None

    def get_many(self, codes: Iterable[str]) -> dict[str, Official]:
        wanted = sorted(set(codes))
        found: dict[str, Official] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {_CODE_COLUMNS} FROM codes WHERE code IN ({marks})"
            for row in self._query(sql, chunk):
                official = _official(row)
                found[official.code] = official
        return found

    def codes(self) -> list[str]:
        return [str(r[0]) for r in self._query("SELECT code FROM codes ORDER BY code")]

    def all(self) -> Iterator[Official]:
        for row in self._query(f"SELECT {_CODE_COLUMNS} FROM codes ORDER BY code"):
            yield _official(row)

    def rows(self) -> list[Doc]:
        """Every code as a search index row."""
        from .index import Doc

        sql = "SELECT code, kind, descriptor, short, add_date, termination_date FROM codes"
        return [
            Doc(str(c), str(k), str(d), str(s), a if a else None, t if t else None)  # type: ignore[arg-type]
            for c, k, d, s, a, t in self._query(sql)
        ]


def _official(row: Sequence[object]) -> Official:
    code, kind, descriptor, short, admin = (str(v) for v in row)
    return from_stored(code, kind, descriptor, short, admin)


def _safe(label: str) -> str:
    return "".join(ch for ch in label if ch.isascii() and (ch.isalnum() or ch in "-_.")).strip(".")


def check_label(label: str) -> str:
    if not label or _safe(label) != label or len(label) > MAX_LABEL:
        raise ReleaseError(
            f"bad release label '{label[:MAX_LABEL]}'",
            f"use up to {MAX_LABEL} letters, digits, '-', '_' or '.'",
        )
    return label


class Store:
    """The data directory."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or home()

    @property
    def releases_dir(self) -> Path:
        return self.root / "releases"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @cached_property
    def _scan(self) -> tuple[list[ReleaseInfo], list[DamagedRelease]]:
        infos: list[ReleaseInfo] = []
        damaged: list[DamagedRelease] = []
        try:
            names = sorted(os.listdir(self.releases_dir))
        except FileNotFoundError:
            return [], []
        except OSError as exc:
            raise DataIOError(f"cannot read {self.releases_dir}: {exc.strerror or exc}") from None
        if any(n.startswith(".import-") for n in names):
            self.clean_leftovers()
        for name in names:
            if name.startswith(".") or not name.endswith(".sqlite"):
                continue
            path = self.releases_dir / name
            try:
                db = ReleaseDB(path)
                infos.append(db.info())
                db.conn.close()
            except StoreError as exc:
                damaged.append(DamagedRelease(path.stem, path, exc.message))
        infos.sort(key=lambda i: (i.effective, i.imported_at, i.label))
        return infos, damaged

    @property
    def releases(self) -> list[ReleaseInfo]:
        """Every readable release, oldest first."""
        return self._scan[0]

    @property
    def damaged(self) -> list[DamagedRelease]:
        return self._scan[1]

    def forget(self) -> None:
        self.__dict__.pop("_scan", None)

    def default_label(self) -> str | None:
        """``$HCPCS_RELEASE``, else the newest release; a damaged release file stops the choice
        (exit 3) rather than letting an older release or none stand in for it silently."""
        chosen = os.environ.get("HCPCS_RELEASE")
        if chosen:
            return chosen
        if self.damaged:
            bad = self.damaged[0]
            raise StoreError(bad.problem, bad.fix)
        return self.releases[-1].label if self.releases else None

    def release_on(self, day: str) -> str | None:
        """The label of the newest held release already in effect on ``day`` (None if none)."""
        held = [i for i in self.releases if i.effective and i.effective <= day]
        return held[-1].label if held else None

    def open(self, label: str | None = None) -> ReleaseDB | None:
        """The release called ``label`` (default: the newest), or None when none is held."""
        label = label or self.default_label()
        if label is None:
            return None
        return ReleaseDB(self.path_of(label))

    def path_of(self, label: str) -> Path:
        """The file of the release held as ``label``; StoreError naming what is held if none."""
        safe = _safe(label)
        path = self.releases_dir / f"{safe}.sqlite"
        if not safe or safe != label or not path.exists():
            held = ", ".join(i.label for i in self.releases) or "none"
            shown = label if safe == label else safe or "?"
            raise StoreError(
                f"no release labelled '{shown[:MAX_LABEL]}' (held: {held})",
                "see hcpcs data status",
            )
        return path

    # -- writing --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait: bool = True, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """An exclusive lock on the data directory for writers. Waits (telling ``on_wait`` once)
        unless ``wait`` is False, when a held lock raises BusyError at once."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(self.root / "import.lock", "a+b")  # noqa: SIM115
        except OSError as exc:
            raise DataIOError(f"cannot write to {self.root}: {exc.strerror or exc}") from None
        try:
            deadline = time.monotonic() + LOCK_WAIT
            told = False
            while not _try_lock(handle):
                if not wait:
                    raise BusyError(
                        "another hcpcs import is writing to the data directory",
                        "try again when it ends, or leave out --no-wait to wait for it",
                    )
                if not told and on_wait is not None:
                    on_wait()
                    told = True
                if time.monotonic() > deadline:
                    raise BusyError("another hcpcs import has held the data directory too long")
                time.sleep(0.1)
            try:
                yield
            finally:
                _unlock(handle)
        finally:
            handle.close()

    def clean_leftovers(self) -> None:
        """Remove temporary files left by killed runs: import files when no import holds the
        lock, index and download files once they are old enough not to belong to a live run."""
        now = time.time()
        with contextlib.suppress(OSError):
            for path in self.cache_dir.glob(".index-*.tmp"):
                if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                    path.unlink()
        try:
            handle = open(self.root / "import.lock", "a+b")  # noqa: SIM115
        except OSError:
            return
        try:
            if not _try_lock(handle):
                return  # an import is running: its files are live
            try:
                self._remove_import_temps()
            finally:
                _unlock(handle)
        finally:
            handle.close()

    def _remove_import_temps(self) -> None:
        import shutil

        for pattern, folder in ((".import-*.tmp", self.releases_dir), (".download-*", self.root)):
            with contextlib.suppress(OSError):
                for path in folder.glob(pattern):
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)

    def import_release(
        self,
        parsed: ParsedRelease,
        replace: bool = False,
        source: str | None = None,
        wait: bool = True,
        on_wait: Callable[[], None] | None = None,
    ) -> tuple[ReleaseInfo, bool]:
        """Store ``parsed`` atomically; returns (info, changed). Same file twice changes nothing.

        ``source`` (a URL) is recorded instead of the file name when the release was downloaded.
        """
        label = check_label(parsed.label)
        target = self.releases_dir / f"{label}.sqlite"
        with self.lock(wait, on_wait):
            self._remove_import_temps()
            if target.exists():
                try:
                    existing: ReleaseInfo | None = ReleaseDB(target).info()
                except StoreError:
                    existing = None  # a damaged file under this label: replace it
                if existing and existing.sha256 == parsed.sha256:
                    return existing, False
                if existing and not replace:
                    raise ReleaseError(
                        f"a different release is already held as '{label}'",
                        "choose another --label, or add --replace",
                    )
            import tempfile

            try:
                self.releases_dir.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(
                    prefix=".import-", suffix=".tmp", dir=self.releases_dir
                )
                os.close(fd)
            except OSError as exc:
                raise _io_error(exc, self.releases_dir) from None
            tmp = Path(tmp_name)
            try:
                _write_release(tmp, parsed, source or parsed.source)
                _read_back(tmp, parsed)
                os.replace(tmp, target)
            except OSError as exc:
                raise _io_error(exc, self.releases_dir) from None
            except sqlite3.Error as exc:
                raise DataIOError(f"cannot write the release: {exc}") from None
            finally:
                tmp.unlink(missing_ok=True)
            self.forget()
        db = ReleaseDB(target)
        from .index import open_index

        with contextlib.suppress(StoreError, OSError, sqlite3.Error):
            open_index(self, db)  # build the search index now, not on the first search
        return db.info(), True

    def remove(self, label: str) -> ReleaseInfo | DamagedRelease:
        """Delete a held release (readable or damaged) and its search index."""
        from .index import remove_index

        with self.lock():
            path = self.path_of(label)
            removed: ReleaseInfo | DamagedRelease
            try:
                removed = ReleaseDB(path).info()
            except StoreError as exc:
                removed = DamagedRelease(label, path, exc.message)
            try:
                path.unlink()
            except OSError as exc:
                raise _io_error(exc, path) from None
            remove_index(self, label)
            self.forget()
        return removed


class DataStatus(NamedTuple):
    """``hcpcs data status``: where data lives, what is held, which release is the default."""

    home: Path
    default: str | None
    default_problem: str | None  # why no default can be chosen (a damaged release)
    bundled_records: int
    releases: tuple[ReleaseInfo, ...]
    damaged: tuple[DamagedRelease, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("label", "default", "damaged", "procedures", "modifiers", "effective", "source")

    def table_rows(self) -> list[Row]:
        rows: list[Row] = [
            {
                "label": i.label,
                "default": i.label == self.default,
                "damaged": False,
                "procedures": i.procedures,
                "modifiers": i.modifiers,
                "effective": i.effective,
                "source": i.source,
            }
            for i in self.releases
        ]
        rows += [
            {"label": d.label, "default": False, "damaged": True, "source": d.problem}
            for d in self.damaged
        ]
        return rows

    def to_dict(self) -> JsonObject:
        return {
            "home": str(self.home),
            "default": self.default,
            "default_problem": self.default_problem,
            "bundled_records": self.bundled_records,
            "releases": [i.to_dict() for i in self.releases],
            "damaged": [d.to_dict() for d in self.damaged],
        }


def data_status(store: Store) -> DataStatus:
    from . import bundle

    try:
        default, problem = store.default_label(), None
    except StoreError as exc:
        default, problem = None, str(exc)
    return DataStatus(
        store.root,
        default,
        problem,
        len(bundle.bundled_codes()),
        tuple(store.releases),
        tuple(store.damaged),
    )


def _io_error(exc: OSError, where: Path) -> DataIOError:
    if exc.errno == errno.ENOSPC:
        return DataIOError(f"the disk is full: cannot write to {where}", "free some space")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return DataIOError(
            f"cannot write to {where}: {exc.strerror}", "set HCPCS_HOME to a writable folder"
        )
    return DataIOError(f"cannot write to {where}: {exc.strerror or exc}")


def _try_lock(handle: object) -> bool:
    fileno = handle.fileno()  # type: ignore[attr-defined]
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fileno, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fileno, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True  # a file system without locks: imports stay atomic all the same


def _unlock(handle: object) -> None:
    fileno = handle.fileno()  # type: ignore[attr-defined]
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fileno, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    with contextlib.suppress(OSError):
        fcntl.flock(fileno, fcntl.LOCK_UN)


def _write_release(path: Path, parsed: ParsedRelease, source: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute(
            "CREATE TABLE codes (code TEXT PRIMARY KEY, kind TEXT, descriptor TEXT, short TEXT,"
            " add_date TEXT, termination_date TEXT, action_effective_date TEXT, action_code TEXT,"
            " admin TEXT)"
        )
        conn.executemany(
            "INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    e.code,
                    e.kind,
                    e.descriptor,
                    e.short_descriptor,
                    e.add_date,
                    e.termination_date,
                    e.action_effective_date,
                    e.action_code,
                    e.admin,
                )
                for e in parsed.entries
            ),
        )
        meta = {
            "schema": SCHEMA_VERSION,
            "label": parsed.label,
            "source": source,
            "sha256": parsed.sha256,
            "procedures": str(parsed.procedures),
            "modifiers": str(parsed.modifiers),
            "effective": parsed.effective,
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        conn.commit()
    finally:
        conn.close()
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _read_back(path: Path, parsed: ParsedRelease) -> None:
    """Every code read back from the written file must equal what was parsed."""
    db = ReleaseDB(path)
    try:
        stored = {o.code: o for o in db.all()}
    finally:
        db.conn.close()
    if len(stored) != len(parsed.entries):
        raise ReleaseError(
            f"the release did not read back: {len(stored)} of {len(parsed.entries)} codes"
        )
    for entry in parsed.entries:
        if stored.get(entry.code) != entry:
            raise ReleaseError(f"code {entry.code} did not read back as it was written")
