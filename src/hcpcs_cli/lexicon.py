"""The lay-language lexicon (``data/lexicon/*.toml``): everyday names mapped to official wording.

Each file covers one part of Level II (DME, drugs, orthotics...) and maps a lay term ("potty chair",
"zofran", "knee scooter") to one or more official wordings as the descriptors print them
("commode chair", "ondansetron"). A wording matches a descriptor whose words contain it
consecutively; parts joined by " + " must all appear ("structured assessment + brief intervention").

The lexicon is compiled into the search index when it is built (at import), never read per query:
- a specific wording (reaching at most ``BROAD`` codes) attaches the lay term to each code it
  reaches, as a low-weight searchable field;
- a broad wording ("shot" = "injection") becomes a query-side synonym: the query word is also
  matched, exactly, as the official word.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from . import bundle
from .errors import RecordError
from .tokens import analyze, tokenize

BROAD = 60


class Entry(NamedTuple):
    term: str  # the lay term as written
    wordings: tuple[str, ...]  # official wordings
    file: str  # the lexicon file it comes from


def _toml_loads(text: str, path: Path) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecordError(str(path), f"invalid TOML: {exc}") from None
    return data


def lexicon_dir() -> Path:
    return bundle.data_dir() / "lexicon"


def files() -> list[Path]:
    try:
        return sorted(lexicon_dir().glob("*.toml"))
    except OSError:
        return []


def load_file(path: Path) -> list[Entry]:
    """The entries of one lexicon file; RecordError names a malformed file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(str(path), f"cannot read the lexicon file: {exc}") from None
    data = _toml_loads(text, path)
    terms = data.get("terms")
    if not isinstance(terms, dict):
        raise RecordError(str(path), "a lexicon file needs a [terms] table")
    entries = []
    for term, wordings in terms.items():
        if isinstance(wordings, str):
            wordings = [wordings]
        if not isinstance(wordings, list) or not all(isinstance(w, str) for w in wordings):
            raise RecordError(str(path), f"{term!r} must map to a list of strings")
        entries.append(Entry(term, tuple(wordings), path.name))
    return entries


def load(paths: Iterable[Path] | None = None) -> tuple[list[Entry], list[RecordError]]:
    """Every lexicon entry, in file order, and the problems of files that could not be read (a
    broken file is left out; it never stops a search)."""
    entries: list[Entry] = []
    problems: list[RecordError] = []
    for path in files() if paths is None else paths:
        try:
            entries += load_file(path)
        except RecordError as exc:
            problems.append(exc)
    return entries, problems


_NEGATION_CUES = frozenset({"without", "except", "excluding", "excludes", "other", "than"})


def match_words(text: str) -> list[str]:
    """Words for matching wordings to descriptors: a word inside a negation is marked ('!barrier'
    for 'without barrier'), so that 'barrier' never matches it and 'without barrier' only does."""
    tokens, _ = analyze(text)
    return [f"!{t.term}" if t.negated else t.term for t in tokens if t.term not in _NEGATION_CUES]


def wording_parts(wording: str) -> list[list[str]]:
    """A wording as its parts' words (``a b + c`` -> [[a, b], [c]]); empty parts dropped."""
    return [words for words in (match_words(p) for p in wording.split("+")) if words]


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    n = len(part)
    first = part[0]
    return any(
        words[i] == first and list(words[i : i + n]) == list(part)
        for i in range(len(words) - n + 1)
    )


class Matcher:
    """Finds the codes whose descriptor words contain a wording, through an inverted index."""

    def __init__(self, texts: Mapping[str, Sequence[Sequence[str]]]) -> None:
        # code -> its word sequences (descriptor, short descriptor)
        self.texts = texts
        self.by_word: dict[str, set[str]] = {}
        for code, sequences in texts.items():
            for words in sequences:
                for word in words:
                    self.by_word.setdefault(word, set()).add(code)

    def reach(self, wording: str) -> list[str]:
        parts = wording_parts(wording)
        if not parts:
            return []
        needed = {w for part in parts for w in part}
        sets = sorted((self.by_word.get(w, set()) for w in needed), key=len)
        candidates = set(sets[0]).intersection(*sets[1:]) if sets else set()
        return sorted(
            code
            for code in candidates
            if all(any(_contains(seq, part) for seq in self.texts[code]) for part in parts)
        )


class Compiled(NamedTuple):
    attached: dict[str, list[str]]  # code -> lay terms attached to it
    synonyms: dict[str, list[tuple[str, ...]]]  # query phrase -> official word sequences
    unmatched: list[tuple[Entry, str]]  # wordings no descriptor contains


def compile_lexicon(entries: Iterable[Entry], matcher: Matcher) -> Compiled:
    attached: dict[str, list[str]] = {}
    synonyms: dict[str, list[tuple[str, ...]]] = {}
    unmatched: list[tuple[Entry, str]] = []
    for entry in entries:
        key = " ".join(tokenize(entry.term))
        if not key:
            continue
        for wording in entry.wordings:
            codes = matcher.reach(wording)
            if not codes:
                unmatched.append((entry, wording))
            elif len(codes) > BROAD:
                alternative = tuple(w for part in wording_parts(wording) for w in part)
                known = synonyms.setdefault(key, [])
                if alternative not in known:
                    known.append(alternative)
            else:
                for code in codes:
                    terms = attached.setdefault(code, [])
                    if entry.term not in terms:
                        terms.append(entry.term)
    return Compiled(attached, synonyms, unmatched)
