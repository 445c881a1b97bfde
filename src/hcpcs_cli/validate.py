"""Batch validation of code lists: claim batches, fee schedules, spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from . import bundle
from .codes import CodeRef, parse_code
from .errors import InvalidCode, UsageError

if TYPE_CHECKING:
    from .catalog import Catalog

STATUSES = ("active", "terminated", "unknown", "invalid")


@dataclass(frozen=True)
class Validation:
    input: str
    code: str
    status: str  # active | terminated | unknown | invalid
    descriptor: str = ""
    termination_date: str | None = None
    modifiers: tuple[str, ...] = ()
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["modifiers"] = list(self.modifiers)
        return data


def read_codes(text: str, column: str | None = None) -> list[str]:
    """Codes from text: one per line, or one column of a CSV (by header name or 1-based number).

    A byte-order mark, CRLF line ends, blank lines and ``#`` comment lines are ignored.
    """
    text = text.lstrip("\ufeff")
    if column is None:
        return [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        return []
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    if column.isdigit():
        index = int(column) - 1
        body = rows[1:] if not _looks_like_code(rows[0], index) else rows
        if index < 0:
            raise UsageError("--column numbers start at 1")
    else:
        lowered = [h.lower() for h in header]
        if column.strip().lower() not in lowered:
            shown = ", ".join(h for h in header if h) or "none"
            raise UsageError(f"no column named '{column}' (columns: {shown})")
        index = lowered.index(column.strip().lower())
        body = rows[1:]
    return [row[index].strip() if index < len(row) else "" for row in body]


def _looks_like_code(row: list[str], index: int) -> bool:
    if index >= len(row):
        return False
    try:
        parse_code(row[index])
        return True
    except InvalidCode:
        return False


def validate_codes(catalog: Catalog, items: Iterable[str]) -> list[Validation]:
    """Check each item: active, terminated (with date), unknown, or invalid (not a code)."""
    parsed: list[tuple[str, CodeRef | InvalidCode]] = []
    for item in items:
        try:
            parsed.append((item, parse_code(item)))
        except InvalidCode as exc:
            parsed.append((item, exc))
    refs = [ref for _, ref in parsed if isinstance(ref, CodeRef)]
    wanted = {ref.code for ref in refs} | {m for ref in refs for m in ref.modifiers}
    release = catalog.release
    official = release.get_many(wanted) if release else {}
    bundled = set(bundle.bundled_codes())
    results = []
    for item, ref in parsed:
        if isinstance(ref, InvalidCode):
            results.append(Validation(item, "", "invalid", message=ref.message))
            continue
        found = official.get(ref.code)
        problems = [m for m in ref.modifiers if release and m not in official]
        note = f"unknown modifier {', '.join(problems)}" if problems else ""
        if found is not None:
            status = "active" if found.is_active() else "terminated"
            if problems and status == "active":
                status = "unknown"
            results.append(
                Validation(
                    item,
                    ref.code,
                    status,
                    found.long_descriptor,
                    found.termination_date,
                    ref.modifiers,
                    note,
                )
            )
        elif ref.code in bundled and not release:
            record = bundle.get_record(ref.code)
            results.append(
                Validation(
                    item,
                    ref.code,
                    "active",
                    record.long_descriptor if record else "",
                    None,
                    ref.modifiers,
                    "bundled record; import a release for status",
                )
            )
        elif ref.code in bundled and release is not None:
            # A code newer than the release in use: say so instead of a bare "unknown".
            record = bundle.get_record(ref.code)
            note = (
                f"not in CMS release {release.label}; the bundled record was checked against "
                f"{record.checked_against if record else 'a later release'}: import a newer release"
            )
            results.append(
                Validation(
                    item,
                    ref.code,
                    "unknown",
                    record.long_descriptor if record else "",
                    None,
                    ref.modifiers,
                    note,
                )
            )
        else:
            results.append(Validation(item, ref.code, "unknown", modifiers=ref.modifiers))
    return results
