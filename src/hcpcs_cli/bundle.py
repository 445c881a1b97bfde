"""The records bundled with the tool: where they live, and reading them one at a time.

A lookup reads one small TOML file; nothing here parses the whole set unless asked to
(``load_all``, used by ``data check`` and by the search index build).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from .records import Record, load_record

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


@cache
def bundled_codes() -> tuple[str, ...]:
    """The codes that have a bundled record, sorted."""
    try:
        names = os.listdir(records_dir())
    except OSError:
        return ()
    return tuple(sorted(n[:-5] for n in names if n.endswith(".toml") and len(n) == 10))


def has_record(code: str) -> bool:
    return (records_dir() / f"{code}.toml").is_file()


def get_record(code: str) -> Record | None:
    """The bundled record for ``code``, or None."""
    path = records_dir() / f"{code}.toml"
    if not path.is_file():
        return None
    return load_record(path)


def load_all() -> list[Record]:
    """Every bundled record, parsed and validated (raises RecordError on the first bad file)."""
    return [load_record(records_dir() / f"{code}.toml") for code in bundled_codes()]


def fingerprint() -> str:
    """Changes whenever a bundled record or the synonym table changes (names, sizes, times)."""
    import hashlib

    digest = hashlib.sha1()
    base = data_dir()
    for folder in (base, base / "records"):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_file() and entry.name.endswith(".toml"):
                st = entry.stat()
                digest.update(f"{entry.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]
