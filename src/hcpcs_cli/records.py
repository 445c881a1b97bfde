"""The plain-language code record: its schema (immutable typed tuples) and its TOML loader.

The classes below are the schema. ``parse_record`` walks them to validate a TOML document, so the
file format, the validation and the Python objects cannot drift apart. ``data/README.md`` documents
the same schema for writers.

A record has two kinds of field. The official ones (``OFFICIAL_KEYS``: descriptors, dates, coverage,
and the meaning of each modifier it names) are copied from a CMS release and checked against it by
``hcpcs data check``; the user's own record files may not set them. Every other field is written for
this project.
"""

import re
import sys
import typing
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from .codes import MODIFIER_RE, PROCEDURE_RE
from .errors import RecordError
from .sanitize import has_control


def _toml() -> Any:
    # Imported on first parse only: a lookup served from the record cache never needs it.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib


Strings = tuple[str, ...]


class Purpose(NamedTuple):
    conditions: Strings
    goals: Strings


class Indications(NamedTuple):
    conditions: Strings
    criteria: Strings


class Risks(NamedTuple):
    common: Strings
    rare: Strings
    management: Strings


class Alternative(NamedTuple):
    name: str
    pros: Strings
    cons: Strings


class ModifierNote(NamedTuple):
    code: str
    meaning: str
    use: str


class Billing(NamedTuple):
    modifiers: tuple[ModifierNote, ...]
    documentation: Strings
    denials: Strings
    payer_notes: Strings


class Similar(NamedTuple):
    code: str
    difference: str


class Source(NamedTuple):
    """An official public page that supports a statement about a Medicare, federal or state rule."""

    title: str
    publisher: str
    url: str


# NamedTuple rather than frozen dataclasses: the same immutability and types, at a tenth of the
# class-creation cost, which every lookup pays at start-up (see docs/benchmarks.md).
class Record(NamedTuple):
    """A bundled, human-written record for one code."""

    code: str
    descriptor: str
    short_descriptor: str
    checked_against: str
    category: str
    unit: str
    common_names: Strings
    abbreviations: Strings
    keywords: Strings
    summary: str
    purpose: Purpose
    indications: Indications
    preparation: Strings
    what_happens: Strings
    duration: str
    setting: Strings
    personnel: Strings
    risks: Risks
    benefits: Strings
    follow_up: Strings
    alternatives: tuple[Alternative, ...]
    patient_experience: str
    billing: Billing
    similar: tuple[Similar, ...]
    # Official fields beyond the descriptors, as the release checked against gives them.
    add_date: str | None = None
    termination_date: str | None = None
    coverage: str | None = None
    sources: tuple[Source, ...] = ()
    # A reviewer's acknowledgment of a data-check warning: "WORD: why the record is right".
    reviewed: Strings = ()
    # Notes a user adds in their own record file (see user_records.py); bundled files leave it out.
    local_notes: Strings = ()
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = as_dict(self)
        data.pop("path")
        return data

    def search_text(self) -> dict[str, str]:
        """The record's searchable fields, by name, as plain text."""
        return {
            "names": " | ".join(self.common_names),
            "abbreviations": " ".join(self.abbreviations),
            "keywords": " | ".join(self.keywords),
            "category": self.category,
            "summary": self.summary,
        }


def as_dict(value: Any) -> Any:
    """Nested records as plain dicts and lists (for JSON)."""
    if hasattr(value, "_asdict"):
        return {k: as_dict(v) for k, v in value._asdict().items()}
    if isinstance(value, tuple):
        return [as_dict(v) for v in value]
    return value


def _is_schema(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields")


# Official fields: copied from a release, checked by data check, never set by a user's file.
OFFICIAL_KEYS = frozenset(
    {
        "descriptor",
        "short_descriptor",
        "checked_against",
        "add_date",
        "termination_date",
        "coverage",
    }
)
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# The parts of a record a user can ask for with ``show --section``, in display order, with titles.
RECORD_SECTIONS: dict[str, str] = {
    "summary": "Summary",
    "purpose": "Purpose",
    "indications": "Indications",
    "preparation": "Preparation",
    "what_happens": "What happens",
    "duration": "Duration",
    "setting": "Setting",
    "personnel": "Personnel",
    "risks": "Risks",
    "benefits": "Benefits",
    "follow_up": "Recovery and follow-up",
    "alternatives": "Alternatives",
    "patient_experience": "Patient experience",
    "billing": "Billing notes",
    "similar": "Similar codes",
}
SECTION_ALIASES = {
    "billing_notes": "billing",
    "recovery": "follow_up",
    "followup": "follow_up",
    "steps": "what_happens",
    "experience": "patient_experience",
    "similar_codes": "similar",
    "modifiers": "billing",
}
# Keys that may hold an empty list (there is not always a trade abbreviation).
MAY_BE_EMPTY = {"abbreviations", "modifiers", "sources", "reviewed"}
# Sections that must have at least this many entries.
MINIMUM_ENTRIES = {"alternatives": 2, "similar": 2}


def section_key(name: str) -> str | None:
    """The canonical section key for what a user typed (``what-happens``, ``Billing``)."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    key = SECTION_ALIASES.get(key, key)
    return key if key in RECORD_SECTIONS else None


@cache
def _hints(cls: type) -> dict[str, Any]:
    # This module keeps real (not string) annotations, so the classes' own annotations are the
    # types; typing.get_type_hints would re-resolve them at a cost every lookup pays.
    return dict(cls.__annotations__)


class _Builder:
    """Builds a dataclass tree from parsed TOML, reporting the first problem with its line."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, problem: str, key: str | None = None) -> typing.NoReturn:
        raise RecordError(self.path, problem, self.line_of(key) if key else None)

    def line_of(self, dotted: str) -> int | None:
        name = dotted.split(".")[-1].split("[")[0]
        pattern = re.compile(rf"^\s*(\[\[?)?\s*([\w.]*\.)?{re.escape(name)}\s*(=|\]\]?)")
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return number
        return None

    def build(self, cls: type, data: Any, where: str) -> Any:
        if not isinstance(data, dict):
            self.fail(f"'{where}' must be a table", where or None)
        hints = _hints(cls)
        names = [n for n in cls._fields if n != "path"]  # type: ignore[attr-defined]
        defaults = cls._field_defaults  # type: ignore[attr-defined]
        unknown = sorted(set(data) - set(names))
        if unknown:
            self.fail(f"unknown key '{_join(where, unknown[0])}'", unknown[0])
        values = {}
        for name in names:
            dotted = _join(where, name)
            if name not in data:
                if name in defaults:
                    continue  # a field with a default is optional
                self.fail(f"missing required key '{dotted}'", where or None)
            values[name] = self.value(hints[name], data[name], dotted)
        return cls(**values)

    def partial(self, data: Any) -> dict[str, Any]:
        """Validate the keys present in ``data`` against the Record schema; none is required, and
        official fields are refused (they come only from a release)."""
        if not isinstance(data, dict):
            self.fail("a record must be a table")
        hints = _hints(Record)
        allowed = [n for n in Record._fields if n != "path"]
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            self.fail(f"unknown key '{unknown[0]}'", unknown[0])
        official = sorted(set(data) & OFFICIAL_KEYS)
        if official:
            self.fail(
                f"'{official[0]}' is an official field: it comes only from the CMS release,"
                " and your record file cannot set it",
                official[0],
            )
        return {name: self.value(hints[name], data[name], name) for name in data}

    def value(self, hint: Any, data: Any, where: str) -> Any:
        if hint == (str | None):
            hint = str
        if hint is str:
            if not isinstance(data, str):
                self.fail(f"'{where}' must be a string, not {_kind(data)}", where)
            if not data.strip():
                self.fail(f"'{where}' must not be empty", where)
            if has_control(data.replace("\n", " ").replace("\t", " ")):
                self.fail(f"'{where}' holds a control character or escape sequence", where)
            return " ".join(data.split()) if "\n" in data else data.strip()
        if _is_schema(hint):
            return self.build(hint, data, where)
        item = typing.get_args(hint)[0]
        if not isinstance(data, list):
            self.fail(f"'{where}' must be a list, not {_kind(data)}", where)
        leaf = where.split(".")[-1]
        if not data and leaf not in MAY_BE_EMPTY:
            self.fail(f"'{where}' must not be empty", where)
        need = MINIMUM_ENTRIES.get(leaf, 0)
        if len(data) < need:
            self.fail(f"'{where}' needs at least {need} entries, has {len(data)}", where)
        if item is str:
            return tuple(self.value(str, x, f"{where}[{i}]") for i, x in enumerate(data))
        return tuple(self.build(item, x, f"{where}[{i}]") for i, x in enumerate(data))


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def parse_toml(text: str, path: str) -> dict[str, Any]:
    """TOML text as a dict; raise RecordError naming file and line."""
    tomllib = _toml()
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise RecordError(path, f"invalid TOML: {str(exc).split(' (at')[0]}", line) from None
    except RecursionError:
        raise RecordError(path, "invalid TOML: nested too deeply") from None
    return data


def parse_record(text: str, path: str = "<record>") -> Record:
    """Parse and validate one record's TOML text; raise RecordError naming file and line."""
    return build_record(parse_toml(text, path), path, text)


def build_record(data: Any, path: str = "<record>", text: str = "") -> Record:
    """Validate already-parsed TOML data against the schema (``text`` locates lines for errors)."""
    builder = _Builder(path, text)
    record: Record = builder.build(Record, data, "")
    if not PROCEDURE_RE.match(record.code):
        builder.fail(f"'code' {record.code!r} is not a Level II procedure code", "code")
    stem = Path(path).stem
    if path != "<record>" and stem != record.code:
        builder.fail(f"file name must match its code: expected {record.code}.toml", "code")
    for note in record.billing.modifiers:
        if not MODIFIER_RE.match(note.code):
            builder.fail(f"modifier {note.code!r} is not a two-character modifier", "modifiers")
    for similar in record.similar:
        if not PROCEDURE_RE.match(similar.code):
            builder.fail(f"similar code {similar.code!r} is not a Level II code", "similar")
        if similar.code == record.code:
            builder.fail("a record cannot list its own code as similar", "similar")
    for key in ("add_date", "termination_date"):
        value = getattr(record, key)
        if value is not None and not _DATE.match(value):
            builder.fail(f"'{key}' must be a date written YYYY-MM-DD, not {value!r}", key)
    if record.coverage is not None and not re.fullmatch(r"[A-Z]", record.coverage):
        builder.fail(f"'coverage' must be one CMS coverage code letter, not {record.coverage!r}")
    for source in record.sources:
        if not source.url.startswith("https://"):
            builder.fail(f"source URL must start with https://: {source.url!r}", "sources")
    return record._replace(path=path)


def parse_partial(text: str, path: str) -> dict[str, Any]:
    """A user's partial record: each key present is validated; ``code`` is required."""
    data = parse_toml(text, path)
    builder = _Builder(path, text)
    values = builder.partial(data)
    code = values.get("code")
    if code is None:
        builder.fail("missing required key 'code'")
    if not PROCEDURE_RE.match(code):
        builder.fail(f"'code' {code!r} is not a Level II procedure code", "code")
    if Path(path).stem != code:
        builder.fail(f"file name must match its code: expected {code}.toml", "code")
    return values


def _line_from_message(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RecordError(str(path), "not valid UTF-8 text") from None
    except OSError as exc:
        raise RecordError(str(path), f"cannot read: {exc.strerror or exc}") from None


def load_record(path: Path) -> Record:
    """Read and parse one record file."""
    return parse_record(read_text(path), str(path))
