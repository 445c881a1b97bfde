"""Reading an official CMS HCPCS Level II release (the zip as published, or its ANWEB text file).

The text file is fixed-width, cp1252, CRLF, with a few disclaimer lines first. A code's first line
(record id 3 for a procedure, 7 for a modifier) carries every field; continuation lines (4 and 8)
carry the rest of the long descriptor. Column positions were checked against the spreadsheet CMS
ships in the same zip, field by field, for every 2020 record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import ReleaseError

# (name, first column, width), 1-based columns as in the CMS record layout.
LAYOUT: tuple[tuple[str, int, int], ...] = (
    ("code", 1, 5),
    ("sequence", 6, 5),
    ("record_id", 11, 1),
    ("long_descriptor", 12, 80),
    ("short_descriptor", 92, 28),
    ("pricing", 120, 8),  # four 2-character pricing indicators
    ("multiple_pricing", 128, 1),
    ("coverage_manual", 129, 18),  # three 6-character coverage instructions manual refs
    ("medicare_manual", 147, 24),  # three 8-character manual refs
    ("statute", 171, 10),
    ("lab_certification", 181, 24),  # eight 3-character codes
    ("cross_references", 205, 25),  # five 5-character codes
    ("coverage", 230, 1),
    ("asc_group", 231, 2),
    ("asc_date", 233, 8),
    ("opps", 241, 3),
    ("opps_indicator", 244, 1),
    ("opps_date", 245, 8),
    ("processing_note", 253, 4),
    ("betos", 257, 3),
    ("type_of_service", 261, 5),  # five 1-character codes
    ("anesthesia_units", 266, 3),
    ("add_date", 269, 8),
    ("action_effective_date", 277, 8),
    ("termination_date", 285, 8),
    ("action_code", 293, 1),
)
_SPANS = {name: (start - 1, start - 1 + width) for name, start, width in LAYOUT}
FIRST_LINE_MIN = 293
_RECORD_RE = re.compile(r"^(?:[A-Z][0-9]{4}|   [A-Z0-9]{2})[0-9]{5}[3478]")
MIN_RECORDS = 100


class Official(NamedTuple):
    """One code or modifier as the release gives it."""

    code: str
    kind: str  # "procedure" or "modifier"
    long_descriptor: str
    short_descriptor: str
    pricing: tuple[str, ...]
    multiple_pricing: str
    coverage_manual: tuple[str, ...]
    medicare_manual: tuple[str, ...]
    statute: str
    lab_certification: tuple[str, ...]
    cross_references: tuple[str, ...]
    coverage: str
    asc_group: str
    asc_date: str | None
    opps: str
    opps_indicator: str
    opps_date: str | None
    processing_note: str
    betos: str
    type_of_service: tuple[str, ...]
    anesthesia_units: str
    add_date: str | None
    action_effective_date: str | None
    termination_date: str | None
    action_code: str

    def is_active(self, on: str | None = None) -> bool:
        """Active unless a termination date has passed (``on`` is an ISO date; default: today)."""
        return active_on(self.termination_date, on)


def today() -> str:
    import datetime

    return datetime.date.today().isoformat()


def active_on(termination: str | None, on: str | None = None) -> bool:
    """A code is active until the end of its termination date (the last day it may be used)."""
    return not termination or termination >= (on or today())


class ParsedRelease(NamedTuple):
    label: str
    source: str
    sha256: str
    entries: tuple[Official, ...]

    @property
    def procedures(self) -> int:
        return sum(1 for e in self.entries if e.kind == "procedure")

    @property
    def modifiers(self) -> int:
        return sum(1 for e in self.entries if e.kind == "modifier")


def _field(line: str, name: str) -> str:
    a, b = _SPANS[name]
    return line[a:b].strip()


def _split(value: str, width: int) -> tuple[str, ...]:
    return tuple(
        p for p in (value[i : i + width].strip() for i in range(0, len(value), width)) if p
    )


def _date(value: str) -> str | None:
    if not value:
        return None
    if not (len(value) == 8 and value.isdigit()):
        raise ValueError(f"bad date {value!r}")
    return f"{value[:4]}-{value[4:6]}-{value[6:]}"


def _first_line(line: str) -> dict[str, object]:
    line = line.ljust(320)
    a, b = _SPANS["pricing"]
    ca, cb = _SPANS["coverage_manual"]
    ma, mb = _SPANS["medicare_manual"]
    la, lb = _SPANS["lab_certification"]
    xa, xb = _SPANS["cross_references"]
    ta, tb = _SPANS["type_of_service"]
    return {
        "pricing": _split(line[a:b], 2),
        "multiple_pricing": _field(line, "multiple_pricing"),
        "coverage_manual": _split(line[ca:cb], 6),
        "medicare_manual": _split(line[ma:mb], 8),
        "statute": _field(line, "statute"),
        "lab_certification": _split(line[la:lb], 3),
        "cross_references": _split(line[xa:xb], 5),
        "coverage": _field(line, "coverage"),
        "asc_group": _field(line, "asc_group"),
        "asc_date": _date(_field(line, "asc_date")),
        "opps": _field(line, "opps"),
        "opps_indicator": _field(line, "opps_indicator"),
        "opps_date": _date(_field(line, "opps_date")),
        "processing_note": _field(line, "processing_note"),
        "betos": _field(line, "betos"),
        "type_of_service": tuple(line[ta:tb].replace(" ", "")),
        "anesthesia_units": _field(line, "anesthesia_units"),
        "add_date": _date(_field(line, "add_date")),
        "action_effective_date": _date(_field(line, "action_effective_date")),
        "termination_date": _date(_field(line, "termination_date")),
        "action_code": _field(line, "action_code"),
    }


def parse_lines(lines: Iterable[str]) -> Iterator[Official]:
    """Parse release lines (without line ends) into Official entries, in file order.

    Lines that are not records (the disclaimer) are skipped. Raises ReleaseError, naming the line,
    for a record that breaks the layout.
    """
    current: dict[str, object] | None = None
    long_parts: list[str] = []

    def finish() -> Official:
        assert current is not None
        return Official(long_descriptor=" ".join(long_parts), **current)  # type: ignore[arg-type]

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not _RECORD_RE.match(line):
            if current is not None and line.strip():
                raise ReleaseError(f"line {number}: not a release record: {line[:40].strip()!r}")
            continue
        code = line[:5].strip()
        record_id = line[10]
        text = line[11:91].rstrip()
        if record_id in "37":
            if current is not None:
                yield finish()
            if len(line.rstrip()) < 92 or (len(line) < FIRST_LINE_MIN and line[91:].strip()):
                raise ReleaseError(f"line {number}: record {code} is cut short (truncated file?)")
            try:
                fields = _first_line(line)
            except ValueError as exc:
                raise ReleaseError(f"line {number}: record {code}: {exc}") from None
            current = {
                "code": code,
                "kind": "procedure" if record_id == "3" else "modifier",
                "short_descriptor": line[91:119].rstrip(),
                **fields,
            }
            long_parts = [text]
        else:
            if current is None or current["code"] != code:
                raise ReleaseError(f"line {number}: continuation of {code} without its first line")
            long_parts.append(text)
    if current is not None:
        yield finish()


def derive_label(name: str) -> str:
    """A release label from a file name: ``2020`` for the annual file, ``2026-04`` for April."""
    lower = Path(name).name.lower()
    months = {"jan": "01", "apr": "04", "jul": "07", "oct": "10"}
    year = re.search(r"(?:hcpc|^|[^0-9])(20[0-9]{2})(?![0-9])", lower)
    if not year:
        return Path(name).stem.lower()
    month = re.search(r"(jan|apr|jul|oct)[a-z]*", lower)
    return f"{year.group(1)}-{months[month.group(1)]}" if month else year.group(1)


def _read_text_member(path: Path) -> tuple[str, str]:
    """(member name, decoded text) of the ANWEB text file inside a release zip."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                n
                for n in archive.namelist()
                if "anweb" in n.lower() and n.lower().endswith(".txt") and not n.startswith("__")
            ]
            if not names:
                raise ReleaseError(
                    f"{path.name} holds no ANWEB text file; is it a HCPCS Level II release zip?"
                )
            name = sorted(names, key=len)[0]
            data = archive.read(name)
    except zipfile.BadZipFile:
        raise ReleaseError(f"{path.name} is not a readable zip (damaged or truncated?)") from None
    except (OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise ReleaseError(f"cannot read {path.name}: {exc}") from None
    return name, data.decode("cp1252", errors="replace")


def read_release(path: Path, label: str | None = None) -> ParsedRelease:
    """Parse a release zip or ANWEB text file; raise ReleaseError if it is not a whole release."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ReleaseError(
            f"{path} is a directory; give the release zip or its text file"
        ) from None
    except FileNotFoundError:
        raise ReleaseError(f"no such file: {path}") from None
    except OSError as exc:
        raise ReleaseError(f"cannot read {path}: {exc.strerror or exc}") from None
    import hashlib

    sha = hashlib.sha256(raw).hexdigest()
    if raw[:4] == b"PK\x03\x04":
        member, text = _read_text_member(path)
    else:
        member, text = path.name, raw.decode("cp1252", errors="replace")
        if "\x00" in text[:4096]:
            raise ReleaseError(f"{path.name} is a binary file, not a HCPCS release text file")
    entries = tuple(parse_lines(text.split("\n")))
    if len(entries) < MIN_RECORDS:
        raise ReleaseError(
            f"{path.name} is not a HCPCS Level II release: found {len(entries)} code records",
            "give the release zip as CMS publishes it, or its ANWEB text file",
        )
    seen: set[str] = set()
    for entry in entries:
        if entry.code in seen:
            raise ReleaseError(f"{path.name}: code {entry.code} appears twice")
        seen.add(entry.code)
    return ParsedRelease(label or derive_label(member), path.name, sha, entries)
