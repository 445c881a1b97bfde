"""``hcpcs data check``: validate the bundled records, and their descriptors against a release."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import bundle
from .errors import RecordError, ReleaseError
from .records import Record, load_record

# Words a record must not use: figures and claims nobody can stand behind in a general reference.
_UNSUPPORTED = re.compile(
    r"\$\s?\d|\d+(\.\d+)?\s?%|\bstudies (show|have shown)\b|\bresearch shows\b"
)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


@dataclass(frozen=True)
class OfficialText:
    long: str
    short: str
    source: str


def official_texts(paths: Iterable[Path]) -> tuple[dict[str, OfficialText], dict[str, str]]:
    """Descriptors by code (and modifier meanings) from releases or additions TSV files.

    Later files win, so a release followed by an additions file checks new codes against the latter.
    """
    from .release import read_release

    codes: dict[str, OfficialText] = {}
    modifiers: dict[str, str] = {}
    for path in paths:
        path = Path(path)
        if path.suffix.lower() in (".tsv", ".csv"):
            codes.update(_read_table(path))
            continue
        release = read_release(path)
        for e in release.entries:
            if e.kind == "modifier":
                modifiers[e.code] = e.long_descriptor
            else:
                codes[e.code] = OfficialText(e.long_descriptor, e.short_descriptor, release.label)
    return codes, modifiers


def _read_table(path: Path) -> dict[str, OfficialText]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"cannot read {path}: {exc}") from None
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
    need = {"code", "long_descriptor", "short_descriptor"}
    if not rows or not need <= set(rows[0]):
        raise ReleaseError(f"{path.name}: needs columns {', '.join(sorted(need))}")
    return {
        r["code"].strip(): OfficialText(r["long_descriptor"], r["short_descriptor"], path.name)
        for r in rows
    }


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


def check_records(
    sources: Iterable[Path] = (),
    known_codes: Iterable[str] = (),
    known_modifiers: dict[str, str] | None = None,
    imported: dict[str, OfficialText] | None = None,
) -> tuple[list[Record], list[Problem], list[str]]:
    """Every problem in the bundled records; descriptors checked against ``sources`` if given.

    Without ``sources``, descriptors are checked against the ``imported`` release instead; a code
    that release does not hold (added since) is then listed as unverified, not failed. Also
    returns the similar codes that could not be verified: codes outside the bundle, when no
    release was given or imported to say whether they exist.
    """
    problems: list[Problem] = []
    unverified: list[str] = []
    records: list[Record] = []
    directory = bundle.records_dir()
    paths = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    if not paths:
        problems.append(Problem(str(directory), None, "no bundled records found"))
    for path in paths:
        try:
            records.append(load_record(path))
        except RecordError as exc:
            problems.append(Problem(exc.path, exc.line, exc.problem))
    codes, modifiers = official_texts(sources)
    lenient = not codes and bool(imported)
    if lenient:
        codes = dict(imported or {})
    modifiers = {**(known_modifiers or {}), **modifiers}
    known = set(known_codes) | set(codes) | {r.code for r in records}
    full_list = bool(set(known_codes) | set(codes))
    seen: dict[str, str] = {}
    for r in records:
        if r.code in seen:
            problems.append(Problem(r.source, 1, f"duplicate code {r.code} (also {seen[r.code]})"))
        seen[r.code] = r.source
        for similar in r.similar:
            if similar.code not in known and not full_list:
                unverified.append(similar.code)
            elif similar.code not in known:
                problems.append(
                    Problem(
                        r.source,
                        _line(r.source, text=f'"{similar.code}"'),
                        f"similar code {similar.code} is not a known code",
                    )
                )
        text = codes.get(r.code)
        if codes and text is None and lenient:
            unverified.append(r.code)
        elif codes and text is None:
            problems.append(
                Problem(
                    r.source,
                    _line(r.source, "code"),
                    f"{r.code} is in none of the releases checked",
                )
            )
        if text is not None:
            for key, ours, official in (
                ("long_descriptor", r.long_descriptor, text.long),
                ("short_descriptor", r.short_descriptor, text.short),
            ):
                if ours != official:
                    problems.append(
                        Problem(
                            r.source,
                            _line(r.source, key),
                            f"{key} differs from {text.source}: expected {official!r}",
                        )
                    )
        for note in r.billing.modifiers:
            meaning = modifiers.get(note.code)
            if modifiers and meaning is None:
                problems.append(
                    Problem(
                        r.source,
                        _line(r.source, text=f'"{note.code}"'),
                        f"modifier {note.code} is not in the release",
                    )
                )
            elif meaning is not None and note.meaning != meaning:
                problems.append(
                    Problem(
                        r.source,
                        _line(r.source, text=f'"{note.code}"'),
                        f"modifier {note.code} meaning must be {meaning!r}, not {note.meaning!r}",
                    )
                )
        for field_text in _all_text(r):
            if _UNSUPPORTED.search(field_text):
                problems.append(
                    Problem(
                        r.source,
                        _line(r.source, text=field_text[:30]),
                        f"unsupported figure or claim: {field_text[:60]!r}",
                    )
                )
    return records, problems, sorted(set(unverified))


def check_user_records(root: Path) -> list[Problem]:
    """Problems in the user's own record files under ``root/records``."""
    from .user_records import apply, user_codes

    problems = []
    for code in user_codes(root):
        try:
            base = bundle.get_record(code)
        except RecordError:
            base = None
        _, problem = apply(code, base, root)
        if problem is not None:
            problems.append(Problem(problem.path, problem.line, problem.problem))
    return problems


def _all_text(record: Record) -> list[str]:
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(record.to_dict())
    return out
