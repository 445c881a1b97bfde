"""What every command's answer has in common: one JSON shape and one table of rows.

Each result type in the core (a code's entry, search hits, a comparison, a listing, a validation
report, a release diff, data status, a check report) defines ``to_dict()``, the JSON every front-end
prints or serves, and ``columns`` with ``rows()``, the table that CSV and markdown use. Front-ends
never build these shapes themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, TypeAlias, Union

# JSON values, as the standard library's encoder takes them (read-only views, so that a list of
# rows or a dict of strings is a JSON value too).
Json: TypeAlias = Union[str, int, float, bool, None, Sequence["Json"], Mapping[str, "Json"]]  # noqa: UP007 - recursive alias
JsonObject = dict[str, Json]
Cell = str | int | float | bool | None | list[str]
Row = dict[str, Cell]


class Tabular(Protocol):
    """A result that has a JSON shape and a table of rows."""

    @property
    def columns(self) -> tuple[str, ...]: ...

    def table_rows(self) -> Iterable[Row]: ...

    def to_dict(self) -> JsonObject: ...


class Streamed(Tabular, Protocol):
    """A result too large to hold at once (validation of a large file): its items come one by one,
    and its summary is known only after the last."""

    @property
    def items_key(self) -> str:
        """The key of the list in ``to_dict()`` that ``items()`` yields one by one."""
        ...

    def items(self) -> Iterator[JsonObject]: ...

    def head(self) -> JsonObject:
        """The keys known before the items (the release, the date)."""
        ...

    def tail(self) -> JsonObject:
        """The keys known after the items (the counts)."""
        ...


def jsonable(value: object) -> Json:
    """Tuples as lists, named tuples as objects, recursively."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {str(k): jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
