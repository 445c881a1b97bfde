"""Side-by-side comparison of look-alike codes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

from .errors import UsageError
from .results import JsonObject, Row

if TYPE_CHECKING:
    from .catalog import Entry

MISSING = "—"


class CompareRow(NamedTuple):
    name: str
    values: tuple[str, ...]  # one per code; several items are separated by newlines

    @property
    def shared(self) -> bool:
        return len(set(self.values)) == 1


class Distinction(NamedTuple):
    code: str
    similar: str
    difference: str  # as the record of ``code`` states it


class Comparison(NamedTuple):
    codes: tuple[str, ...]
    rows: tuple[CompareRow, ...]
    key_difference: str
    distinctions: tuple[Distinction, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("row", *self.codes, "shared")

    def table_rows(self) -> list[Row]:
        table: list[Row] = []
        for r in self.rows:
            row: Row = {"row": r.name}
            for code, value in zip(self.codes, r.values, strict=True):
                row[code] = value.split("\n") if "\n" in value else value
            row["shared"] = r.shared
            table.append(row)
        return table

    def to_dict(self) -> JsonObject:
        return {
            "codes": list(self.codes),
            "key_difference": self.key_difference,
            "rows": [
                {
                    "name": r.name,
                    "shared": r.shared,
                    "values": dict(zip(self.codes, r.values, strict=True)),
                }
                for r in self.rows
            ],
            "distinctions": [
                {"code": d.code, "similar": d.similar, "difference": d.difference}
                for d in self.distinctions
            ],
        }


def _lines(items: tuple[str, ...]) -> str:
    return "\n".join(items) if items else MISSING


def _row_values(entry: Entry) -> dict[str, str]:
    from .fields import COVERAGE, describe

    r = entry.record
    values = {
        "Descriptor": entry.descriptor,
        "Status": entry.status.text,
        "Unit": r.unit if r else MISSING,
        "Category": r.category if r else MISSING,
        "Setting": _lines(r.setting) if r else MISSING,
        "Personnel": _lines(r.personnel) if r else MISSING,
        "Indications": _lines(r.indications.conditions + r.indications.criteria) if r else MISSING,
        "Duration": r.duration if r else MISSING,
        "Modifiers": _lines(tuple(f"{m.code} {m.meaning}" for m in r.billing.modifiers))
        if r
        else MISSING,
        "Billing notes": _lines(r.billing.denials) if r else MISSING,
        "Medicare coverage": describe(COVERAGE, entry.coverage or ""),
    }
    return values


def compare(entries: list[Entry]) -> Comparison:
    """Compare two or more entries row by row; rows whose values all agree are marked shared."""
    codes = tuple(e.code for e in entries)
    if len(set(codes)) < 2:
        raise UsageError("give at least two different codes to compare")
    columns = [_row_values(e) for e in entries]
    names = list(dict.fromkeys(n for c in columns for n in c))
    rows = tuple(CompareRow(n, tuple(c.get(n, MISSING) for c in columns)) for n in names)
    listed = set(codes)
    distinctions = tuple(
        Distinction(e.code, s.code, s.difference)
        for e in entries
        if e.record
        for s in e.record.similar
        if s.code in listed
    )
    descriptors = {e.code: e.descriptor for e in entries}
    return Comparison(codes, rows, key_difference(descriptors), distinctions)


_WORD = re.compile(r"\S+")


def key_difference(descriptors: dict[str, str]) -> str:
    """What sets the descriptors apart: the words left after their shared start and end.

    ``{'H2028': '..., per 15 minutes', 'H2029': '..., per diem'}`` gives
    ``'H2028: per 15 minutes · H2029: per diem'``.
    """
    words = {code: _WORD.findall(text) for code, text in descriptors.items()}
    lists = list(words.values())
    if all(w == lists[0] for w in lists):
        return "same official descriptor"
    lower = [[w.lower().strip(",;:") for w in ws] for ws in lists]
    start = 0
    while all(len(w) > start for w in lower) and len({w[start] for w in lower}) == 1:
        start += 1
    end = 0
    while (
        all(len(w) - start > end for w in lower) and len({w[len(w) - 1 - end] for w in lower}) == 1
    ):
        end += 1
    # Cut only at clause boundaries, so 'per 15 minutes' is not shortened to '15 minutes'.
    while start and not lists[0][start - 1].endswith((",", ";", ":")):
        start -= 1
    while end and not lists[0][len(lists[0]) - end - 1].endswith((",", ";", ":")):
        end -= 1
    parts = []
    for code, ws in words.items():
        rest = " ".join(ws[start : len(ws) - end]).strip(" ,;:")
        parts.append(f"{code}: {rest or '(no qualifier)'}")
    return " · ".join(parts)
