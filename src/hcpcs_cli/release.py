"""Reading an official CMS HCPCS Level II release (the zip as published, or its ANWEB text file).

The text file is fixed-width, cp1252, CRLF, with a few disclaimer lines first. A code's first line
(record id 3 for a procedure, 7 for a modifier) carries every field; continuation lines (4 and 8)
carry the rest of the long descriptor. Column positions were checked against the spreadsheet CMS
ships in the same zip, field by field, for every 2020 record.

Text is kept exactly as the file gives it (the terminal layer strips control characters on output).
Inputs are read with limits: a special file (FIFO, device) is refused before it is opened, and a
file, zip or zip member larger than any release is refused while it is read.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from .errors import DataIOError, ReleaseError

# (name, first column, width), 1-based columns as in the CMS record layout.
LAYOUT: tuple[tuple[str, int, int], ...] = (
    ("code", 1, 5),
    ("sequence", 6, 5),
    ("record_id", 11, 1),
    ("descriptor", 12, 80),
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
ADMIN_START = 119  # the administrative fields: columns 120 to 320 of a first line
LINE_WIDTH = 320
FIRST_LINE_MIN = 293
_RECORD_RE = re.compile(r"^(?:[A-Z][0-9]{4}|   [A-Z0-9]{2})[0-9]{5}[3478]")
MIN_RECORDS = 100
# Limits while reading: the 2020 text file is 2.8 MB and its zip 1.9 MB.
MAX_TEXT_BYTES = 64 * 1024 * 1024
MAX_ZIP_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


class Official(NamedTuple):
    """One code or modifier as the release gives it."""

    code: str
    kind: str  # "procedure" or "modifier"
    descriptor: str
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
    # The first line's administrative columns as the file gives them: what storage keeps, so
    # that every field reads back exactly (see ``from_stored``).
    admin: str = ""

    def is_active(self, on: str | None = None) -> bool:
        """Active unless a termination date has passed (``on`` is an ISO date; default: today)."""
        return active_on(self.termination_date, on)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = self._asdict()
        data.pop("admin")
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data


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

    @property
    def effective(self) -> str:
        """The newest action-effective date in the file: when the release took effect."""
        return max((e.action_effective_date or "") for e in self.entries)


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


def admin_fields(line: str) -> dict[str, object]:
    """The administrative fields of a first line (``line`` at least as wide as a record)."""
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


def from_stored(code: str, kind: str, descriptor: str, short: str, admin: str) -> Official:
    """An Official rebuilt from what storage keeps (the admin columns are parsed again)."""
    line = (" " * ADMIN_START + admin).ljust(LINE_WIDTH)
    return Official(
        code=code,
        kind=kind,
        descriptor=descriptor,
        short_descriptor=short,
        admin=admin,
        **admin_fields(line),  # type: ignore[arg-type]
    )


def parse_lines(lines: Iterable[str]) -> Iterator[Official]:
    """Parse release lines (without line ends) into Official entries, in file order.

    Lines that are not records (the disclaimer) are skipped. Raises ReleaseError, naming the line,
    for a record that breaks the layout.
    """
    current: dict[str, object] | None = None
    long_parts: list[str] = []

    def finish() -> Official:
        assert current is not None
        return Official(descriptor=" ".join(long_parts), **current)  # type: ignore[arg-type]

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not _RECORD_RE.match(line):
            if current is not None and line.strip():
                shown = line[:40].strip().encode("unicode_escape").decode("ascii")
                raise ReleaseError(f"line {number}: not a release record: '{shown}'")
            continue
        code = line[:5].strip()
        record_id = line[10]
        text = line[11:91].rstrip()
        if record_id in "37":
            if current is not None:
                yield finish()
            if len(line.rstrip()) < 92 or (len(line) < FIRST_LINE_MIN and line[91:].strip()):
                raise ReleaseError(f"line {number}: record {code} is cut short (truncated file?)")
            padded = line.ljust(LINE_WIDTH)
            try:
                fields = admin_fields(padded)
            except ValueError as exc:
                raise ReleaseError(f"line {number}: record {code}: {exc}") from None
            current = {
                "code": code,
                "kind": "procedure" if record_id == "3" else "modifier",
                "short_descriptor": line[91:119].rstrip(),
                "admin": padded[ADMIN_START:LINE_WIDTH].rstrip(),
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


def _read_text_member(path: Path) -> tuple[str, bytes]:
    """(member name, bytes) of the ANWEB text file inside a release zip, read with a size cap."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if "anweb" in info.filename.lower()
                and info.filename.lower().endswith(".txt")
                and not info.filename.startswith("__")
            ]
            if not members:
                raise ReleaseError(
                    f"{path.name} holds no ANWEB text file; is it a HCPCS Level II release zip?"
                )
            member = sorted(members, key=lambda i: len(i.filename))[0]
            if member.flag_bits & 0x1:
                raise ReleaseError(
                    f"{path.name} is encrypted", "give the release as CMS publishes it"
                )
            if member.file_size > MAX_TEXT_BYTES:
                raise ReleaseError(f"{path.name}: {member.filename} is larger than any release")
            chunks: list[bytes] = []
            size = 0
            with archive.open(member) as handle:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    if size > MAX_TEXT_BYTES:  # a member that lies about its size
                        raise ReleaseError(
                            f"{path.name}: {member.filename} is larger than any release"
                        )
                    chunks.append(chunk)
            return member.filename, b"".join(chunks)
    except zipfile.BadZipFile:
        raise ReleaseError(f"{path.name} is not a readable zip (damaged or truncated?)") from None
    except NotImplementedError as exc:
        raise ReleaseError(f"{path.name} uses an unsupported zip feature: {exc}") from None
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise ReleaseError(f"{path.name} cannot be read: {exc}") from None
    except (EOFError, zipfile.LargeZipFile, ValueError) as exc:
        raise ReleaseError(f"cannot read {path.name}: {exc}") from None
    except OSError as exc:
        raise DataIOError(f"cannot read {path.name}: {exc.strerror or exc}") from None


def read_input(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, refusing special files and anything over ``limit``."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReleaseError(f"no such file: {path}") from None
    except OSError as exc:
        raise DataIOError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReleaseError(f"{path} is a directory; give the release zip or its text file")
    if not stat.S_ISREG(info.st_mode):
        raise ReleaseError(f"{path} is not a regular file (a pipe or device); give a file")
    if info.st_size > limit:
        raise ReleaseError(f"{path.name} is larger than any HCPCS release ({info.st_size} bytes)")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise DataIOError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ReleaseError(f"{path.name} is larger than any HCPCS release")
    return data


def read_release(path: Path, label: str | None = None) -> ParsedRelease:
    """Parse a release zip or ANWEB text file; raise ReleaseError if it is not a whole release."""
    path = Path(path)
    raw = read_input(path, MAX_ZIP_BYTES)
    import hashlib

    sha = hashlib.sha256(raw).hexdigest()
    if raw[:4] == b"PK\x03\x04":
        member, data = _read_text_member(path)
    else:
        if len(raw) > MAX_TEXT_BYTES:
            raise ReleaseError(f"{path.name} is larger than any HCPCS release")
        member, data = path.name, raw
        if b"\x00" in data[:4096]:
            raise ReleaseError(f"{path.name} is a binary file, not a HCPCS release text file")
    text = data.decode("cp1252", errors="replace")
    entries = tuple(parse_lines(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")))
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
