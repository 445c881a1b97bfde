"""The maintained table of trade abbreviations and lay synonyms (``data/synonyms.toml``)."""

from __future__ import annotations

import sys

from . import bundle
from .errors import RecordError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_synonyms() -> dict[str, list[str]]:
    """term or phrase (lower case) -> what it stands for, as index words."""
    from .search import tokenize

    path = bundle.data_dir() / "synonyms.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise RecordError(str(path), f"invalid synonym table: {exc}") from None
    table: dict[str, list[str]] = {}
    for group, entries in data.items():
        if not isinstance(entries, dict):
            raise RecordError(str(path), f"[{group}] must be a table of term = [expansions]")
        for term, expansions in entries.items():
            if isinstance(expansions, str):
                expansions = [expansions]
            if not isinstance(expansions, list) or not all(isinstance(x, str) for x in expansions):
                raise RecordError(str(path), f"{term!r} must map to a list of strings")
            key = " ".join(tokenize(term))
            if key:
                table.setdefault(key, []).extend(expansions)
    return table
