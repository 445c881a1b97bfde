"""``hcpcs data check``: validate the bundled records and the user's own, against official sources.

Sources are release files (the zip or its text file), TSV files with ``code``, ``long_descriptor``
(or ``descriptor``) and ``short_descriptor`` columns and optional dates (an additions list, an
excerpt of a release; a folder of them), and imported releases by label. Each source has a date,
from its label or file name; each record is checked against the newest source that holds its code,
and the report says which. Modifiers named in a record are checked against the newest source that
lists modifiers: they must exist, be active and carry their official meaning.

Errors (a record that contradicts a source, a broken file) fail the check. Warnings flag text for a
reviewer: words about the unit or format that the descriptor does not support, an abbreviation
that is also a modifier code, a statement about a Medicare, federal or state rule with no source,
and the Medicare coverage note that the tool prints from the coverage code.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import bundle
from .errors import HcpcsError, RecordError, ReleaseError
from .records import Record, load_record
from .release import active_on
from .results import JsonObject, Row
from .sanitize import one_line
from .status import checked_date

if TYPE_CHECKING:
    from .store import Store

ERROR = "error"
WARNING = "warning"


class OfficialText(NamedTuple):
    descriptor: str
    short_descriptor: str
    add_date: str | None = None
    termination_date: str | None = None
    coverage: str | None = None  # None: the source does not give it


class Source(NamedTuple):
    label: str  # what the report calls it: "release 2020", "codes.tsv (2026)"
    date: str  # ISO date it stands for
    codes: dict[str, OfficialText]
    modifiers: dict[str, OfficialText]


class Problem(NamedTuple):
    severity: str  # error | warning
    path: str
    line: int | None
    check: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def to_dict(self) -> JsonObject:
        return {
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "check": self.check,
            "message": self.message,
        }


class CheckReport(NamedTuple):
    records: int
    problems: tuple[Problem, ...]
    checked: dict[str, str]  # code -> the source its record was checked against
    sources: tuple[str, ...]
    unverified: tuple[str, ...]  # codes or similar codes no source could confirm

    @property
    def columns(self) -> tuple[str, ...]:
        return ("severity", "path", "line", "check", "message")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def table_rows(self) -> list[Row]:
        return [
            {
                "severity": p.severity,
                "path": p.path,
                "line": p.line,
                "check": p.check,
                "message": p.message,
            }
            for p in self.problems
        ]

    def by_source(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for label in self.checked.values():
            counts[label] = counts.get(label, 0) + 1
        return counts

    def summary(self) -> str:
        used = "; ".join(f"{n} against {label}" for label, n in sorted(self.by_source().items()))
        state = "OK" if self.ok else f"{len(self.errors)} errors"
        text = f"data check: {self.records} records {state}, {len(self.warnings)} warnings"
        return f"{text} ({used})" if used else text

    def to_dict(self) -> JsonObject:
        return {
            "ok": self.ok,
            "records": self.records,
            "sources": list(self.sources),
            "checked_against": dict(sorted(self.checked.items())),
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "unverified": list(self.unverified),
        }


# -- sources -----------------------------------------------------------------------------------
_YEAR = re.compile(r"(20[0-9]{2})(?:[-_]?(0[1-9]|1[0-2]))?")


def _date_of(path: Path) -> tuple[str, str]:
    """(label, ISO date) a source file stands for, from its name or its folder's."""
    for name in (path.name, path.parent.name):
        match = _YEAR.search(name.lower())
        if match:
            label = match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
            return label, checked_date(label)
    return path.name, "0000-01-01"


def _iso(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def read_table(path: Path) -> Source:
    """A TSV (or CSV) of official lines: codes of five characters, modifiers of two."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReleaseError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"cannot read {path}: {exc}") from None
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
    columns = set(rows[0]) if rows else set()
    long_key = "long_descriptor" if "long_descriptor" in columns else "descriptor"
    need = {"code", long_key, "short_descriptor"}
    if not rows or not need <= columns:
        raise ReleaseError(
            f"{path.name}: needs columns code, long_descriptor (or descriptor), short_descriptor"
        )
    label, date = _date_of(path)
    codes: dict[str, OfficialText] = {}
    modifiers: dict[str, OfficialText] = {}
    for row in rows:
        code = (row.get("code") or "").strip().upper()
        text_ = OfficialText(
            row.get(long_key) or "",
            row.get("short_descriptor") or "",
            _iso(row.get("add_date") or row.get("added")),
            _iso(row.get("termination_date")),
        )
        (modifiers if len(code) == 2 else codes)[code] = text_
    return Source(f"{path.name} ({label})", date, codes, modifiers)


def read_release_file(path: Path) -> Source:
    from .release import read_release

    release = read_release(path)
    codes: dict[str, OfficialText] = {}
    modifiers: dict[str, OfficialText] = {}
    for e in release.entries:
        text = OfficialText(
            e.descriptor, e.short_descriptor, e.add_date, e.termination_date, e.coverage
        )
        (modifiers if e.kind == "modifier" else codes)[e.code] = text
    return Source(
        f"{path.name} (release {release.label})", checked_date(release.label), codes, modifiers
    )


def read_sources(paths: Iterable[Path]) -> list[Source]:
    """Sources from files; a folder gives every TSV and CSV in it."""
    sources: list[Source] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            tables = sorted(p for p in path.iterdir() if p.suffix.lower() in (".tsv", ".csv"))
            if not tables:
                raise ReleaseError(f"{path} holds no TSV or CSV files")
            sources += [read_table(p) for p in tables]
        elif path.suffix.lower() in (".tsv", ".csv"):
            sources.append(read_table(path))
        else:
            sources.append(read_release_file(path))
    return sources


def imported_source(store: Store, label: str | None) -> Source | None:
    db = store.open(label)
    if db is None:
        return None
    codes: dict[str, OfficialText] = {}
    modifiers: dict[str, OfficialText] = {}
    for e in db.all():
        text = OfficialText(
            e.descriptor, e.short_descriptor, e.add_date, e.termination_date, e.coverage
        )
        (modifiers if e.kind == "modifier" else codes)[e.code] = text
    return Source(
        f"release {db.label} (imported)", db.effective or checked_date(db.label), codes, modifiers
    )


# -- the checks --------------------------------------------------------------------------------
_FIGURES = re.compile(r"\$\s?\d|\d+(\.\d+)?\s?%|\bstudies (show|have shown)\b|\bresearch shows\b")
_UNIT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bface[- ]to[- ]face\b", re.I), "face-to-face"),
    (re.compile(r"\badd[- ]on\b", re.I), "add-on"),
    (re.compile(r"\bnot (?:as |in )?a group\b|\bindividual only\b", re.I), "not as a group"),
    (re.compile(r"\b(?!audio-only|video-only|text-only)\w+-only\b", re.I), "only"),
    (re.compile(r"\balways\b", re.I), "always"),
)
_DESCRIPTOR_SUPPORT = {
    "face-to-face": re.compile(r"face[- ]to[- ]face", re.I),
    "add-on": re.compile(r"add[- ]on|list separately in addition", re.I),
    "not as a group": re.compile(r"individual", re.I),
    "only": re.compile(r"\bonly\b", re.I),
    "always": re.compile(r"(?!)"),
}
_AUTHORITY = re.compile(
    r"\b(?:medicare|cms|federal|samhsa|dea|42 cfr|social security act|the law|statute)\b", re.I
)
_RULE = re.compile(
    r"\b(?:requires?|required|must|covers?|covered|pays?|paid|allows?|allowed|permits?|prohibits?"
    r"|limits?|rules?|regulations?|enacted|waiver|eliminated|lists?)\b",
    re.I,
)
_NOT_PAYABLE = re.compile(
    r"not payable by medicare|medicare does not pay|not (?:be )?(?:paid|covered) by medicare"
    r"|coverage code i\b",
    re.I,
)
_OFFICIAL_HOSTS = re.compile(r"^https://(?:[a-z0-9-]+\.)*(?:[a-z0-9-]+\.gov|[a-z0-9-]+\.us)(?:/|$)")


def _line(path: str, key: str | None = None, text: str | None = None) -> int | None:
    """The first line of ``path`` that sets ``key``, or else contains ``text``."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=") if key else None
    for number, line in enumerate(lines, 1):
        if pattern.match(line) if pattern else text is not None and text in line:
            return number
    return None


def _written_text(record: Record) -> list[tuple[str, str]]:
    """(field, text) for every written (not official) string of a record."""
    out: list[tuple[str, str]] = []

    def walk(field: str, value: object) -> None:
        if isinstance(value, str):
            out.append((field, value))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(f"{field}.{k}" if field else k, v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(field, v)

    data = record.to_dict()
    for key in (
        "code",
        "descriptor",
        "short_descriptor",
        "checked_against",
        "add_date",
        "termination_date",
        "coverage",
        "sources",
        "reviewed",
    ):
        data.pop(key, None)
    for note in data["billing"]["modifiers"]:
        note.pop("meaning", None)
        note.pop("code", None)
    walk("", data)
    return out


class _Checker:
    def __init__(self, sources: Sequence[Source], known: set[str], complete: bool) -> None:
        # Newest last: a later date wins; for the same date, the later-given source wins.
        self.sources = sorted(enumerate(sources), key=lambda p: (p[1].date, p[0]))
        self.known = known  # codes that exist (for similar codes)
        self.complete = complete  # the sources list every code (a whole release is among them)
        self.modifier_codes = {m for _, s in self.sources for m in s.modifiers}
        self.problems: list[Problem] = []
        self.checked: dict[str, str] = {}
        self.unverified: set[str] = set()

    def add(
        self,
        severity: str,
        record: Record,
        check: str,
        message: str,
        key: str | None = None,
        text: str | None = None,
    ) -> None:
        self.problems.append(
            Problem(severity, record.path, _line(record.path, key, text), check, message)
        )

    def newest(self, code: str, modifier: bool = False) -> tuple[Source, OfficialText] | None:
        for _, source in reversed(self.sources):
            table = source.modifiers if modifier else source.codes
            if code in table:
                return source, table[code]
        return None

    def record(self, r: Record) -> None:
        found = self.newest(r.code)
        if found is None:
            if self.sources and self.complete:
                self.add(
                    ERROR, r, "official", f"{r.code} is in none of the sources checked", "code"
                )
            else:
                self.unverified.add(r.code)
        else:
            self.official(r, *found)
        for similar in r.similar:
            if similar.code not in self.known:
                if self.complete:
                    self.add(
                        ERROR,
                        r,
                        "similar",
                        f"similar code {similar.code} is not a known code",
                        text=f'"{similar.code}"',
                    )
                else:
                    self.unverified.add(similar.code)
        self.modifiers(r)
        self.writing(r)

    def official(self, r: Record, source: Source, text: OfficialText) -> None:
        if source.date < checked_date(r.checked_against) and (
            r.descriptor != text.descriptor or r.short_descriptor != text.short_descriptor
        ):
            # The record was checked against a newer release than any source given, which words
            # the code differently: only a source as new as the record can confirm it.
            self.unverified.add(r.code)
            return
        self.checked[r.code] = source.label
        for key, ours, theirs in (
            ("descriptor", r.descriptor, text.descriptor),
            ("short_descriptor", r.short_descriptor, text.short_descriptor),
        ):
            if ours != theirs:
                self.add(
                    ERROR,
                    r,
                    "official",
                    f"{key} differs from {source.label}: expected {theirs!r}",
                    key,
                )
        if checked_date(r.checked_against) < source.date:
            self.add(
                ERROR,
                r,
                "official",
                f"checked_against is {r.checked_against!r} but {source.label} is newer: check"
                " the record against it and update checked_against",
                "checked_against",
            )
        for key, ours_date, theirs_date in (
            ("add_date", r.add_date, text.add_date),
            ("termination_date", r.termination_date, text.termination_date),
        ):
            if theirs_date is not None and ours_date != theirs_date:
                self.add(
                    ERROR,
                    r,
                    "official",
                    f"{key} must be {theirs_date!r} as {source.label} gives it",
                    key,
                )
            newer_record = checked_date(r.checked_against) > source.date
            if key == "termination_date" and ours_date and theirs_date is None:
                if newer_record:
                    self.unverified.add(r.code)  # terminated after this source was issued
                else:
                    self.add(ERROR, r, "official", f"{source.label} gives no termination date", key)
        if text.coverage is not None and r.coverage is not None and r.coverage != text.coverage:
            self.add(
                ERROR,
                r,
                "official",
                f"coverage must be {text.coverage!r} as {source.label} gives it",
                "coverage",
            )

    def modifiers(self, r: Record) -> None:
        for note in r.billing.modifiers:
            found = self.newest(note.code, modifier=True)
            where = f'"{note.code}"'
            if found is None:
                newest = max((s.date for _, s in self.sources if s.modifiers), default=None)
                if newest is not None and newest < checked_date(r.checked_against):
                    self.unverified.add(note.code)  # perhaps added after the newest source
                elif self.modifier_codes:
                    self.add(
                        ERROR,
                        r,
                        "modifier",
                        f"modifier {note.code} is in none of the sources",
                        text=where,
                    )
                continue
            source, text = found
            if note.meaning != text.descriptor:
                self.add(
                    ERROR,
                    r,
                    "modifier",
                    f"modifier {note.code} means {text.descriptor!r} in {source.label}, not {note.meaning!r}",
                    text=where,
                )
            if not active_on(text.termination_date):
                self.add(
                    ERROR,
                    r,
                    "modifier",
                    f"modifier {note.code} was terminated {text.termination_date} ({source.label})",
                    text=where,
                )

    def writing(self, r: Record) -> None:
        descriptor = r.descriptor
        # A reviewer's note "WORD: why it is right" acknowledges a unit-word warning for WORD.
        reviewed = {note.split(":", 1)[0].strip().lower() for note in r.reviewed if ":" in note}
        for field, text in _written_text(r):
            if _FIGURES.search(text):
                self.add(
                    ERROR,
                    r,
                    "figures",
                    f"unsupported figure or claim: {one_line(text, 60)!r}",
                    text=text[:30],
                )
            for pattern, word in _UNIT_WORDS:
                match = pattern.search(text)
                if match and word in reviewed:
                    continue
                if match and not _DESCRIPTOR_SUPPORT[word].search(descriptor):
                    self.add(
                        WARNING,
                        r,
                        "unit-words",
                        f"'{match.group()}' in {field}: the descriptor does not say so; "
                        "check it is supported",
                        text=match.group(),
                    )
            if _NOT_PAYABLE.search(text):
                self.add(
                    WARNING,
                    r,
                    "coverage-note",
                    f"{field} restates Medicare coverage; the tool shows it from the coverage code",
                    text=text[:30],
                )
            if not r.sources and _AUTHORITY.search(text) and _RULE.search(text):
                self.add(
                    WARNING,
                    r,
                    "sources",
                    f"{field} states a Medicare, federal or state rule with no source: "
                    f"{one_line(text, 70)!r}",
                    text=text[:30],
                )
        for term in (*r.abbreviations, *r.common_names, *r.keywords):
            if term.upper() in self.modifier_codes or (len(term) == 2 and term.isalnum()):
                self.add(
                    WARNING,
                    r,
                    "modifier-code",
                    f"searchable term {term!r} is also a modifier code",
                    text=f'"{term}"',
                )
        for source in r.sources:
            if not _OFFICIAL_HOSTS.match(source.url.lower()):
                self.add(
                    WARNING,
                    r,
                    "sources",
                    f"source {source.url!r} is not on an official (.gov or state) site",
                    text=source.url[:40],
                )


def check_records(
    records: Sequence[Record], sources: Sequence[Source], known: Iterable[str] = ()
) -> CheckReport:
    complete = any(len(s.codes) > 1000 for s in sources)
    known_codes = set(known) | {r.code for r in records} | {c for s in sources for c in s.codes}
    checker = _Checker(sources, known_codes, complete)
    seen: dict[str, str] = {}
    for r in records:
        if r.code in seen:
            checker.add(ERROR, r, "schema", f"duplicate code {r.code} (also {seen[r.code]})")
        seen[r.code] = r.path
        checker.record(r)
    return CheckReport(
        len(records),
        tuple(checker.problems),
        checker.checked,
        tuple(s.label for _, s in checker.sources),
        tuple(sorted(checker.unverified)),
    )


def load_bundled() -> tuple[list[Record], list[Problem]]:
    records: list[Record] = []
    problems: list[Problem] = []
    directory = bundle.records_dir()
    paths = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    if not paths:
        problems.append(Problem(ERROR, str(directory), None, "schema", "no bundled records found"))
    for path in paths:
        try:
            records.append(load_record(path))
        except RecordError as exc:
            problems.append(Problem(ERROR, exc.path, exc.line, "schema", exc.problem))
    return records, problems


def check_user_records(store: Store, sources: Sequence[Source] = ()) -> list[Problem]:
    """Problems in the user's own record files, by the rules the bundled records follow: the
    schema (a file that breaks it is reported with its line), then the same writing and
    modifier checks, against the same sources."""
    from .user_records import apply, user_codes, user_dir

    problems = []
    try:
        release = store.open()
    except HcpcsError:  # a damaged release is reported where it is used
        release = None
    known = {c for s in sources for c in s.codes}
    checker = _Checker(sources, known, complete=False)
    for code in user_codes(store.root):
        try:
            base = bundle.get_record(code)
        except RecordError:
            base = None
        official = release.get(code) if release else None
        merged, problem = apply(code, base, store.root, official)
        if problem is not None:
            problems.append(
                Problem(ERROR, problem.path, problem.line, "user-record", problem.problem)
            )
        elif merged is not None:
            mine = merged._replace(path=str(user_dir(store.root) / f"{code}.toml"))
            checker.modifiers(mine)
            checker.writing(mine)
    return problems + checker.problems


def check(store: Store, labels: Sequence[str] = (), files: Sequence[Path] = ()) -> CheckReport:
    """``hcpcs data check``: the bundled and user records against the sources given (files and
    imported releases by label), or against the default imported release when none is given."""
    sources = read_sources(files)
    for label in labels:
        source = imported_source(store, label)
        if source is not None:
            sources.append(source)
    if not labels and not files:
        default = imported_source(store, None)
        if default is not None:
            sources.append(default)
    records, load_problems = load_bundled()
    report = check_records(records, sources)
    extra = tuple(load_problems) + tuple(check_user_records(store, sources))
    return report._replace(problems=extra + report.problems)
