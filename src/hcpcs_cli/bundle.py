"""The records bundled with the tool: where they live, and reading them one at a time.

A lookup reads one small TOML file; nothing here parses the whole set unless asked to
(``load_all``, used by ``data check`` and by the search index build).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from .errors import RecordError
from .records import Record, build_record, load_record, parse_toml, read_text

_HERE = Path(__file__).resolve().parent


@cache
def data_dir() -> Path:
    """``hcpcs_cli/data`` in an installed wheel; the repository's ``data/`` in a source checkout."""
    override = os.environ.get("HCPCS_BUNDLE_DIR")
    if override:
        return Path(override)
    for candidate in (_HERE / "data", _HERE.parents[1] / "data"):
        if (candidate / "records").is_dir():
            return candidate
    return _HERE / "data"


def records_dir() -> Path:
    return data_dir() / "records"


def codes_in(folder: Path) -> tuple[str, ...]:
    """The codes of the ``CODE.toml`` files in ``folder``, sorted (none if it cannot be read)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return ()
    return tuple(sorted(n[:-5] for n in names if n.endswith(".toml") and len(n) == 10))


@cache
def bundled_codes() -> tuple[str, ...]:
    """The codes that have a bundled record, sorted."""
    return codes_in(records_dir())


def get_record(code: str, cache: Path | None = None) -> Record | None:
    """The bundled record for ``code``, or None.

    With ``cache`` (a writable folder), the parsed TOML is kept there as JSON keyed by the file's
    size and time, so later lookups skip the TOML parser; the data is validated again on every
    load, and a missing, stale, damaged or planted cache entry is simply rebuilt.
    """
    path = records_dir() / f"{code}.toml"
    try:
        st = path.stat()
    except OSError:
        return None
    entry = cache / f"{code}-{st.st_mtime_ns}-{st.st_size}.json" if cache else None
    if entry is not None:
        try:
            data = json.loads(entry.read_bytes())
            if isinstance(data, dict):
                return build_record(data, str(path))
        except (OSError, ValueError, TypeError, RecordError):
            pass
    text = read_text(path)
    data = parse_toml(text, str(path))
    record = build_record(data, str(path), text)
    if entry is not None:
        _write_cache(entry, data)
    return record


def _write_cache(entry: Path, data: dict[str, object]) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        for old in entry.parent.glob(entry.name.split("-", 1)[0] + "-*.json"):
            old.unlink(missing_ok=True)
        tmp = entry.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=True), encoding="ascii")
        os.replace(tmp, entry)
    except (OSError, ValueError, TypeError):
        pass  # a read-only data directory: parse the TOML each time instead


def load_all() -> list[Record]:
    """Every bundled record, parsed and validated (raises RecordError on the first bad file)."""
    return [load_record(records_dir() / f"{code}.toml") for code in bundled_codes()]


def fingerprint() -> str:
    """Changes whenever a bundled record or lexicon file changes."""
    return fingerprint_of(data_dir(), records_dir(), data_dir() / "lexicon")


def fingerprint_of(*folders: Path) -> str:
    """A digest of the names, sizes and times of the TOML files in ``folders``.

    Two CRC-32s (of the listing and of its reverse) rather than a cryptographic hash: it only
    tells a changed file from an unchanged one, and importing hashlib would cost every command
    a few milliseconds of start-up."""
    import zlib

    parts: list[str] = []
    for folder in folders:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_file() and entry.name.endswith(".toml"):
                st = entry.stat()
                parts.append(f"{folder.name}/{entry.name}:{st.st_size}:{st.st_mtime_ns};")
    listing = "".join(parts).encode()
    return f"{zlib.crc32(listing):08x}{zlib.crc32(listing[::-1]):08x}"
