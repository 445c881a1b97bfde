"""The per-user data directory: imported releases and the search index cache.

Layout under ``$HCPCS_HOME`` (default: the platform's user data directory):

- ``releases/<label>.sqlite``: one imported release, written once, atomically (temp file + rename);
- ``cache/index-*.sqlite``: search indexes, rebuilt whenever missing, stale or damaged;
- ``import.lock``: held while an import writes, so two imports never interleave.

Nothing here parses release text at start-up: lookups read one row, search reads the index terms
near its words and their postings.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import bundle
from .errors import ReleaseError, StoreError
from .release import Official, ParsedRelease

if TYPE_CHECKING:
    from .search import Doc

SCHEMA_VERSION = "2"
_TUPLE_FIELDS = {name for name, hint in Official.__annotations__.items() if "tuple" in str(hint)}


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
    source: str
    sha256: str
    procedures: int
    modifiers: int
    effective: str
    imported_at: str

    def to_dict(self) -> dict[str, object]:
        data = self._asdict()
        data["path"] = str(self.path)
        return data


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection to one of our SQLite files, checked to have a meta table."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM meta LIMIT 1")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {path}: {exc}", "delete the file and import again") from None
    return conn


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def _select_in(
    conn: sqlite3.Connection, sql: str, values: Iterable[str]
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (with one ``{marks}`` placeholder) for ``values``, 500 at a time."""
    wanted = list(values)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


class ReleaseDB:
    """One imported release, opened read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = _connect(path)
        try:
            self.meta = _meta(self.conn)
        except sqlite3.Error as exc:
            raise StoreError(
                f"{path.name} is damaged ({exc})", "import the release again"
            ) from None
        if self.meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(
                f"{path.name} was written by another version of hcpcs", "import the release again"
            )

    @property
    def label(self) -> str:
        return self.meta["label"]

    def info(self) -> ReleaseInfo:
        m = self.meta
        return ReleaseInfo(
            m["label"],
            self.path,
            m["source"],
            m["sha256"],
            int(m["procedures"]),
            int(m["modifiers"]),
            m["effective"],
            m["imported_at"],
        )

    def get(self, code: str) -> Official | None:
        row = self._query("SELECT data FROM codes WHERE code = ?", (code,)).fetchone()
        return _official(row[0]) if row else None

    def get_many(self, codes: Iterable[str]) -> dict[str, Official]:
        try:
            rows = list(
                _select_in(
                    self.conn,
                    "SELECT code, data FROM codes WHERE code IN ({marks})",
                    sorted(set(codes)),
                )
            )
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path.name} is damaged ({exc})", "import the release again"
            ) from None
        return {code: _official(data) for code, data in rows}

    def codes(self) -> list[str]:
        return [r[0] for r in self._query("SELECT code FROM codes ORDER BY code")]

    def summaries(self) -> dict[str, tuple[str, str, str | None, str]]:
        """code -> (long, short, termination date, kind), for every code."""
        rows = self._query("SELECT code, long, short, term, kind FROM codes")
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def all(self) -> Iterator[Official]:
        for (data,) in self._query("SELECT data FROM codes ORDER BY code"):
            yield _official(data)

    def _query(self, sql: str, args: Sequence[object] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, args)
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path.name} is damaged ({exc})", "import the release again"
            ) from None


# Officials are stored as one delimited string: decoding it needs no json import, and every
# lookup of a release code decodes one.
_FS, _IS = "\x1f", "\x1e"
_OPTIONAL_FIELDS = {name for name, hint in Official.__annotations__.items() if "None" in str(hint)}


def _encode_official(entry: Official) -> str:
    parts: list[str] = []
    value: Any
    for name, value in zip(Official._fields, entry, strict=True):
        if name in _TUPLE_FIELDS:
            parts.append(_IS.join(value))
        else:
            parts.append(value or "")
    return _FS.join(parts)


def _official(data: str) -> Official:
    values: list[Any] = []
    for name, raw in zip(Official._fields, data.split(_FS), strict=True):
        if name in _TUPLE_FIELDS:
            values.append(tuple(raw.split(_IS)) if raw else ())
        elif name in _OPTIONAL_FIELDS:
            values.append(raw or None)
        else:
            values.append(raw)
    return Official(*values)


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

    def release_paths(self) -> list[Path]:
        try:
            return sorted(
                p for p in self.releases_dir.glob("*.sqlite") if not p.name.startswith(".")
            )
        except OSError:
            return []

    @cached_property
    def releases(self) -> list[ReleaseInfo]:
        """Every usable release, oldest first (a damaged file is skipped, not fatal)."""
        infos = []
        for path in self.release_paths():
            try:
                infos.append(ReleaseDB(path).info())
            except (StoreError, KeyError, ValueError):
                continue
        return sorted(infos, key=lambda i: (i.effective, i.imported_at, i.label))

    def default_label(self) -> str | None:
        chosen = os.environ.get("HCPCS_RELEASE")
        if chosen:
            return chosen
        return self.releases[-1].label if self.releases else None

    def open(self, label: str | None = None) -> ReleaseDB | None:
        """The release called ``label`` (default: the newest), or None when none is held."""
        label = label or self.default_label()
        if label is None:
            return None
        return ReleaseDB(self._path_of(label))

    def _path_of(self, label: str) -> Path:
        """The file of the release held as ``label``; StoreError naming what is held if none."""
        path = self.releases_dir / f"{_safe(label)}.sqlite"
        if not _safe(label) or not path.exists():
            held = ", ".join(i.label for i in self.releases) or "none"
            raise StoreError(
                f"no release labelled '{label}' (held: {held})", "see hcpcs data status"
            )
        return path

    # -- import ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, timeout: float = 120.0) -> Iterator[None]:
        """An exclusive lock on the data directory for writers."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(self.root / "import.lock", "a+")  # noqa: SIM115
        except OSError as exc:
            raise StoreError(f"cannot write to {self.root}: {exc.strerror}") from None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, imports are still atomic
            yield
            handle.close()
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise StoreError(
                        "another hcpcs import is still running", "try again later"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def import_release(
        self, parsed: ParsedRelease, replace: bool = False
    ) -> tuple[ReleaseInfo, bool]:
        """Store ``parsed`` atomically; returns (info, changed). Same file twice changes nothing."""
        label = parsed.label
        if not label or _safe(label) != label:
            raise ReleaseError(
                f"bad release label {label!r}", "use letters, digits, '-', '_' or '.'"
            )
        target = self.releases_dir / f"{label}.sqlite"
        with self.lock():
            self._remove_leftovers()
            if target.exists():
                try:
                    existing = ReleaseDB(target).info()
                except StoreError:
                    existing = None
                if existing and existing.sha256 == parsed.sha256:
                    return existing, False
                if existing and not replace:
                    raise ReleaseError(
                        f"a different release is already held as '{label}'",
                        "choose another --label, or add --replace",
                    )
            self.releases_dir.mkdir(parents=True, exist_ok=True)
            import tempfile

            fd, tmp_name = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=self.releases_dir)
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                _write_release(tmp, parsed)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            self.__dict__.pop("releases", None)
        db = ReleaseDB(target)
        with contextlib.suppress(StoreError, OSError):
            self.index_for(db)  # build the search index now, not on the first search
        return db.info(), True

    def remove(self, label: str) -> ReleaseInfo:
        """Delete a held release and its search index; returns what was removed."""
        with self.lock():
            path = self._path_of(label)
            info = ReleaseDB(path).info()
            path.unlink()
            (self.cache_dir / f"index-{info.label}.sqlite").unlink(missing_ok=True)
            self.__dict__.pop("releases", None)
        return info

    def _remove_leftovers(self) -> None:
        # Called under the lock: any temporary file here is from an import that was killed.
        for tmp in self.releases_dir.glob(".import-*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    # -- search index -----------------------------------------------------------------------
    def index_for(self, release: ReleaseDB | None, rebuild: bool = False) -> SqliteIndex:
        """The search index for ``release`` plus the bundled records, rebuilt if stale or damaged
        (or when ``rebuild`` says a query found it damaged)."""
        from .search import INDEX_VERSION
        from .user_records import fingerprint as user_fingerprint

        fingerprint = f"{bundle.fingerprint()}+{user_fingerprint(self.root)}"
        if release is None:
            key = f"{INDEX_VERSION}:bundled:{fingerprint}"
            name = "index-bundled.sqlite"
        else:
            key = f"{INDEX_VERSION}:{release.meta['sha256']}:{fingerprint}"
            name = f"index-{release.label}.sqlite"
        path = self.cache_dir / name
        if path.exists() and not rebuild:
            try:
                conn = _connect(path)
                if _meta(conn).get("key") == key:
                    return SqliteIndex(conn)
                conn.close()
            except (StoreError, sqlite3.Error):
                pass
        docs, uses = _documents(release, self.root)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            import tempfile

            fd, tmp_name = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=self.cache_dir)
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                _write_index(sqlite3.connect(tmp), docs, key, uses).close()
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            return SqliteIndex(_connect(path))
        except OSError:
            # A read-only data directory still serves searches, from an index kept in memory.
            return SqliteIndex(_write_index(sqlite3.connect(":memory:"), docs, key, uses))


def _safe(label: str) -> str:
    return "".join(ch for ch in label if ch.isalnum() or ch in "-_.").strip(".")


def _write_release(path: Path, parsed: ParsedRelease) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute(
            "CREATE TABLE codes (code TEXT PRIMARY KEY, kind TEXT, long TEXT, short TEXT,"
            " term TEXT, data TEXT)"
        )
        conn.executemany(
            "INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    e.code,
                    e.kind,
                    e.long_descriptor,
                    e.short_descriptor,
                    e.termination_date,
                    _encode_official(e),
                )
                for e in parsed.entries
            ),
        )
        effective = max((e.action_effective_date or "") for e in parsed.entries)
        meta = {
            "schema": SCHEMA_VERSION,
            "label": parsed.label,
            "source": parsed.source,
            "sha256": parsed.sha256,
            "procedures": str(parsed.procedures),
            "modifiers": str(parsed.modifiers),
            "effective": effective,
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        conn.commit()
    finally:
        conn.close()
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _documents(
    release: ReleaseDB | None, root: Path
) -> tuple[list[Doc], list[tuple[str, str, str]]]:
    """The documents to index, and (modifier, code, when it is used) from the records."""
    from .search import Doc
    from .user_records import apply, user_codes

    records = {r.code: r for r in bundle.load_all()}
    for code in user_codes(root):
        merged, _ = apply(code, records.get(code), root)
        if merged is not None:
            records[code] = merged
    docs: dict[str, Doc] = {}
    if release is not None:
        for code, (long, short, term, kind) in release.summaries().items():
            docs[code] = Doc(code, kind, short, long, term)
    for code, record in records.items():
        base = docs.get(code) or Doc(
            code, "procedure", record.short_descriptor, record.long_descriptor
        )
        extra = record.search_text()
        fields = {
            "n": extra["names"],
            "a": extra["abbreviations"],
            "k": extra["keywords"],
            "c": extra["category"],
            "u": extra["summary"],
        }
        docs[code] = Doc(base.code, base.kind, base.short, base.long, base.termination, fields)
    uses = [(m.code, r.code, m.use) for r in records.values() for m in r.billing.modifiers]
    return list(docs.values()), uses


def _write_index(
    conn: sqlite3.Connection, docs: list[Doc], key: str, uses: Sequence[tuple[str, str, str]] = ()
) -> sqlite3.Connection:
    import json

    from .search import build_index, deletions
    from .synonyms import load_synonyms

    index = build_index(docs)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("CREATE TABLE terms (term TEXT PRIMARY KEY, postings TEXT)")
    # One-deletion variants of every term, for near-miss lookups by key (no vocabulary scan).
    conn.execute("CREATE TABLE near (key TEXT, term TEXT)")
    conn.execute(
        "CREATE TABLE docs (code TEXT PRIMARY KEY, kind TEXT, short TEXT, long TEXT, term TEXT,"
        " names TEXT)"
    )
    conn.executemany(
        "INSERT INTO terms VALUES (?, ?)",
        ((t, ";".join(f"{c} {w} {k}" for c, w, k in p)) for t, p in index.items()),
    )
    conn.executemany(
        "INSERT INTO near VALUES (?, ?)",
        ((key, term) for term in index if len(term) >= 3 for key in {term} | deletions(term)),
    )
    conn.execute("CREATE INDEX near_key ON near (key)")
    conn.execute("CREATE TABLE modifier_use (modifier TEXT, code TEXT, use TEXT)")
    conn.executemany("INSERT INTO modifier_use VALUES (?, ?, ?)", uses)
    conn.execute("CREATE INDEX modifier_use_key ON modifier_use (modifier)")
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
        ((d.code, d.kind, d.short, d.long, d.termination, d.fields.get("n", "")) for d in docs),
    )
    meta = {
        "key": key,
        "terms": str(len(index)),
        "synonyms": json.dumps(load_synonyms()),
        "documents": str(len(docs)),
    }
    conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    conn.commit()
    return conn


class SqliteIndex:
    """A stored search index (implements ``search.IndexReader``)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @cached_property
    def _meta(self) -> dict[str, str]:
        return _meta(self.conn)

    def prefixed(self, term: str, limit: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
            (term, term + "\uffff", limit),
        )
        return [r[0] for r in rows]

    def near(self, term: str) -> list[str]:
        from .search import deletions

        keys = sorted({term} | deletions(term))
        marks = ",".join("?" * len(keys))
        rows = self.conn.execute(f"SELECT DISTINCT term FROM near WHERE key IN ({marks})", keys)
        return [r[0] for r in rows]

    @cached_property
    def _synonyms(self) -> dict[str, list[str]]:
        import json

        data: dict[str, list[str]] = json.loads(self._meta.get("synonyms", "{}"))
        return data

    def synonyms(self) -> Mapping[str, Sequence[str]]:
        return self._synonyms

    def postings(self, terms: Iterable[str]) -> dict[str, list[tuple[str, float, str]]]:
        from .search import FIELDS

        out: dict[str, list[tuple[str, float, str]]] = {}
        sql = "SELECT term, postings FROM terms WHERE term IN ({marks})"
        for term, raw in _select_in(self.conn, sql, terms):
            rows = []
            for item in raw.split(";"):
                code, weight, key = item.split(" ")
                rows.append((code, float(weight), key if key in FIELDS else "l"))
            out[term] = rows
        return out

    def docs(self, codes: Iterable[str]) -> dict[str, Doc]:
        from .search import Doc

        sql = "SELECT code, kind, short, long, term, names FROM docs WHERE code IN ({marks})"
        return {
            code: Doc(code, kind, short, long, term, {"n": names} if names else {})
            for code, kind, short, long, term, names in _select_in(self.conn, sql, codes)
        }

    def listing(
        self, prefix: str, kind: str | None = "procedure", limit: int | None = None
    ) -> list[tuple[str, str, str | None]]:
        """(code, short descriptor, termination date) of codes starting with ``prefix``, in order."""
        sql = "SELECT code, short, term FROM docs WHERE code >= ? AND code < ?"
        args: list[object] = [prefix, prefix + "\uffff"]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        sql += " ORDER BY code"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [(c, s, t) for c, s, t in self.conn.execute(sql, args)]

    def modifier_uses(self, modifier: str) -> list[tuple[str, str]]:
        """(code, when it is used) for the bundled records that list ``modifier``."""
        rows = self.conn.execute(
            "SELECT code, use FROM modifier_use WHERE modifier = ? ORDER BY code", (modifier,)
        )
        return [(c, u) for c, u in rows]

    def codes_between(self, low: str, high: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT code FROM docs WHERE code >= ? AND code <= ? ORDER BY code", (low, high)
        )
        return [r[0] for r in rows]
