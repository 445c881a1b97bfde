"""Batch validation of code lists: claim batches, fee schedules, spreadsheets.

Each code (``CODE`` or ``CODE-MODIFIER``) is judged on a date of service (today unless given, for
the whole list or per row) by the same rule as every other command (``status.judge``): valid
(active), not yet valid (before its add date), terminated (after its termination date), not in the
release in use, unknown, or invalid (not shaped like a code). The release that decided is named: the
release in use, or, for a code it lacks, the newest other held release that has it.

Validation streams: codes are read, judged and written in chunks, so a million-line file runs in
bounded memory and in time proportional to its length.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from . import bundle
from .codes import CodeRef, parse_code
from .errors import InvalidCode, UsageError
from .results import JsonObject, Row
from .sanitize import one_line
from .status import (
    ACTIVE,
    STATES,
    UNKNOWN,
    CodeStatus,
    checked_date,
    judge,
    judge_named,
    record_is_newer,
)

if TYPE_CHECKING:
    from .catalog import Catalog
    from .records import Record
    from .release import Official
    from .store import ReleaseDB

INVALID = "invalid"
REPORT_STATUSES = (*STATES, INVALID)
CHUNK = 2000
MAX_INPUT = 64  # characters of an input kept in the report


class Validation(NamedTuple):
    input: str
    code: str
    status: str  # one of REPORT_STATUSES
    status_text: str = ""
    descriptor: str = ""
    termination_date: str | None = None
    add_date: str | None = None
    modifiers: tuple[str, ...] = ()
    date: str | None = None  # the date of service judged
    release: str | None = None  # the release (or bundled record) that decided
    message: str = ""

    def to_dict(self) -> JsonObject:
        return {
            "input": self.input,
            "code": self.code,
            "status": self.status,
            "status_text": self.status_text,
            "descriptor": self.descriptor,
            "termination_date": self.termination_date,
            "add_date": self.add_date,
            "modifiers": list(self.modifiers),
            "date": self.date,
            "release": self.release,
            "message": self.message,
        }

    def row(self) -> Row:
        return {
            "input": self.input,
            "code": self.code,
            "status": self.status,
            "date": self.date,
            "termination_date": self.termination_date,
            "add_date": self.add_date,
            "release": self.release,
            "descriptor": self.descriptor,
            "modifiers": list(self.modifiers),
            "message": self.message,
        }


Item = tuple[str, str | None]  # (code as typed, date of service or None)


class ValidationReport:
    """The results, produced lazily: iterate ``results()`` once; ``counts`` is complete after."""

    columns = (
        "input",
        "code",
        "status",
        "date",
        "termination_date",
        "add_date",
        "release",
        "descriptor",
        "modifiers",
        "message",
    )
    items_key = "results"

    def __init__(self, catalog: Catalog, items: Iterable[str | Item], on: str | None) -> None:
        self.catalog = catalog
        self.items_in = items
        self.date = on
        self.counts: dict[str, int] = dict.fromkeys(REPORT_STATUSES, 0)
        self._others: list[ReleaseDB] | None = None
        self._bundled = frozenset(bundle.bundled_codes())
        self._records: dict[str, Record | None] = {}
        self._consumed = False

    @property
    def release(self) -> str | None:
        return self.catalog.release_label

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        """True when every code is active on its date."""
        return self.total > 0 and self.counts[ACTIVE] == self.total

    def results(self) -> Iterator[Validation]:
        if self._consumed:
            raise RuntimeError("a validation report is read once")
        self._consumed = True
        pairs = (item if isinstance(item, tuple) else (item, None) for item in self.items_in)
        while chunk := list(itertools.islice(pairs, CHUNK)):
            for result in self._judge(chunk):
                self.counts[result.status] += 1
                yield result

    def items(self) -> Iterator[JsonObject]:
        return (r.to_dict() for r in self.results())

    def table_rows(self) -> Iterator[Row]:
        return (r.row() for r in self.results())

    def head(self) -> JsonObject:
        return {"release": self.release, "date": self.date}

    def tail(self) -> JsonObject:
        return {"total": self.total, "counts": dict(self.counts), "ok": self.ok}

    def to_dict(self) -> JsonObject:
        return self.dict_of(list(self.results()))

    def dict_of(self, results: Iterable[Validation]) -> JsonObject:
        """The JSON of results already read (``results()`` runs once)."""
        return {**self.head(), self.items_key: [r.to_dict() for r in results], **self.tail()}

    def summary(self) -> str:
        shown = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        return f"{shown} of {self.total}" if self.total else "no codes"

    # -- judging --------------------------------------------------------------------------------
    def _other_releases(self) -> list[ReleaseDB]:
        """Held releases other than the one in use, newest first (for codes it lacks)."""
        if self._others is None:
            store = self.catalog.store
            current = self.catalog.release_label
            self._others = [
                db
                for info in reversed(store.releases)
                if info.label != current
                for db in [store.open(info.label)]
                if db is not None
            ]
        return self._others

    def _lookup(self, codes: set[str]) -> dict[str, tuple[Official, str, str]]:
        """code -> (official, release label, release effective date), from the release in use
        first, then the other held releases."""
        found: dict[str, tuple[Official, str, str]] = {}
        release = self.catalog.release
        if release is None:
            return found
        for code, official in release.get_many(codes).items():
            found[code] = (official, release.label, release.effective)
        missing = codes - set(found)
        for db in self._other_releases() if missing else []:
            for code, official in db.get_many(missing).items():
                found[code] = (official, db.label, db.effective)
            missing -= set(found)
            if not missing:
                break
        return found

    def _status(
        self, code: str, found: dict[str, tuple[Official, str, str]], day: str | None
    ) -> tuple[CodeStatus, str]:
        hit = found.get(code)
        record = None
        if code in self._bundled:
            if code not in self._records:
                self._records[code] = bundle.get_record(
                    code, self.catalog.store.cache_dir / "records"
                )
            record = self._records[code]
        if hit is not None:
            official, label, effective = hit
            # The wording in force on the date, as show gives it: a bundled record checked
            # against a newer release than the one in use carries CMS's later descriptor.
            descriptor = official.descriptor
            if (
                record is not None
                and record_is_newer(record, effective)
                and (day is None or day >= checked_date(record.checked_against))
            ):
                descriptor = record.descriptor
            return judge(official, record, label, effective, day), descriptor
        if record is None and len(code) == 2:
            uses = self.catalog.index.modifier_uses(code)
            if uses:  # a modifier newer than the releases held, named by the bundled records
                return judge_named(self.catalog.release_label, day), uses[0][1]
        status = judge(None, record, self.catalog.release_label, None, day)
        return status, record.descriptor if record else ""

    def _judge(self, chunk: list[Item]) -> list[Validation]:
        parsed: list[tuple[str, str | None, CodeRef | str]] = []
        for text, day in chunk:
            shown = one_line(text, MAX_INPUT)
            try:
                when = parse_date(day) if day else self.date
            except UsageError as exc:
                parsed.append((shown, None, exc.message))
                continue
            try:
                parsed.append((shown, when, parse_code(text)))
            except InvalidCode as exc:
                parsed.append((shown, when, exc.message))
        wanted = {
            c
            for _, _, ref in parsed
            if isinstance(ref, CodeRef)
            for c in (ref.code, *ref.modifiers)
        }
        found = self._lookup(wanted)
        results = []
        for shown, when, ref in parsed:
            if not isinstance(ref, CodeRef):
                results.append(Validation(shown, "", INVALID, INVALID, date=when, message=ref))
                continue
            status, descriptor = self._status(ref.code, found, when)
            message = ""
            state = status.state
            for modifier in ref.modifiers:
                mod_status, _ = self._status(modifier, found, when)
                if mod_status.state != ACTIVE:
                    message = f"modifier {modifier}: {mod_status.text}"
                    if state == ACTIVE:
                        state = UNKNOWN if mod_status.state == UNKNOWN else mod_status.state
                    break
            text = status.text if state == status.state else f"{status.text}; {message}"
            results.append(
                Validation(
                    shown,
                    ref.code,
                    state,
                    text,
                    descriptor,
                    status.termination_date,
                    status.add_date,
                    ref.modifiers,
                    status.on,
                    status.source,
                    message,
                )
            )
        return results


def validate(
    catalog: Catalog, items: Iterable[str | Item], on: str | None = None
) -> ValidationReport:
    return ValidationReport(catalog, items, parse_date(on) if on else None)


_DATE_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 1, 2)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
)


def parse_date(text: str) -> str:
    """A date of service as ISO text; accepts 2021-06-30, 06/30/2021 and 20210630."""
    import datetime

    value = text.strip()
    for pattern, (y, m, d) in _DATE_FORMATS:
        match = pattern.match(value)
        if match:
            try:
                day = datetime.date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                break
            return day.isoformat()
    raise UsageError(
        f"'{one_line(value, 24)}' is not a date", "write it as YYYY-MM-DD, e.g. 2021-06-30"
    )


# -- reading code lists ---------------------------------------------------------------------------
def read_codes(
    text: str, column: str | None = None, date_column: str | None = None
) -> Iterator[Item]:
    """(code, date) pairs from text: one code per line, or a CSV column (by header name or 1-based
    number) with, optionally, a date column. A byte-order mark, CRLF or CR line ends, blank lines
    and ``#`` comment lines are ignored."""
    text = text.lstrip("\ufeff")
    if column is None and date_column is None:
        return (
            (line.strip(), None)
            for line in io.StringIO(text, newline=None)
            if line.strip() and not line.lstrip().startswith("#")
        )
    return _read_csv(text, column or "1", date_column)


def _read_csv(text: str, column: str, date_column: str | None) -> Iterator[Item]:
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t|"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=None), dialect)
    rows = (r for r in reader if any(cell.strip() for cell in r))
    first = next(rows, None)
    if first is None:
        return iter(())
    header = [one_line(h.lstrip("\ufeff"), 40) for h in first]
    index = _column_index(column, header, "--column")
    date_index = _column_index(date_column, header, "--date-column") if date_column else None
    named = not column.isdigit() or (date_column is not None and not date_column.isdigit())
    body: Iterable[list[str]] = rows
    if not named and _looks_like_code(first, index):
        body = itertools.chain([first], rows)

    def cell(row: list[str], i: int | None) -> str | None:
        if i is None:
            return None
        return row[i].strip() if i < len(row) else ""

    return ((cell(row, index) or "", cell(row, date_index) or None) for row in body)


def _column_index(column: str, header: list[str], option: str) -> int:
    if column.isdigit():
        index = int(column) - 1
        if index < 0:
            raise UsageError(f"{option} numbers start at 1")
        return index
    lowered = [h.lower() for h in header]
    wanted = column.strip().lower()
    if wanted not in lowered:
        shown = ", ".join(h for h in header if h)[:200] or "none"
        raise UsageError(f"no column named '{one_line(column, 40)}' (columns: {shown})")
    return lowered.index(wanted)


def _looks_like_code(row: list[str], index: int) -> bool:
    if index >= len(row):
        return False
    try:
        parse_code(row[index])
        return True
    except InvalidCode:
        return False
