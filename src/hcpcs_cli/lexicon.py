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

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

from . import bundle
from .errors import RecordError
from .tokens import analyze, opens_family

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


def prepared(cache: Path | None) -> list[Entry]:
    """Every lexicon entry, read through a cache of the parsed files (``cache``: a writable
    folder, keyed by the files' names, sizes and times); a broken file is left out. The cache
    is JSON, checked shape by shape: a damaged or planted cache file is ignored, never run."""
    import json

    from .bundle import fingerprint_of

    key = cache / f"lexicon-{fingerprint_of(lexicon_dir())}.json" if cache else None
    if key is not None:
        try:
            rows = json.loads(key.read_bytes())
            return [_entry_from_row(row) for row in rows]
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            pass
    entries, _ = load()
    if key is not None:
        import contextlib
        import os

        with contextlib.suppress(OSError, ValueError):
            key.parent.mkdir(parents=True, exist_ok=True)
            for old in key.parent.glob("lexicon-*.json"):
                old.unlink(missing_ok=True)
            tmp = key.with_suffix(f".{os.getpid()}.tmp")
            rows = [[e.term, list(e.wordings), e.file] for e in entries]
            tmp.write_text(json.dumps(rows, ensure_ascii=True), encoding="ascii")
            os.replace(tmp, key)
    return entries


def _entry_from_row(row: object) -> Entry:
    if not isinstance(row, list) or len(row) != 3:
        raise ValueError("lexicon cache row")
    term, wordings, file = row
    if not (
        isinstance(term, str)
        and isinstance(file, str)
        and isinstance(wordings, list)
        and all(isinstance(w, str) for w in wordings)
    ):
        raise ValueError("lexicon cache row")
    return Entry(term, tuple(wordings), file)


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


def match_words(text: str) -> list[str]:
    """Words for matching wordings to descriptors: a word inside a negation is marked ('!barrier'
    for 'without barrier'), so that 'barrier' never matches it and 'without barrier' only does."""
    return [f"!{t.term}" if t.negated else t.term for t in analyze(text)[0]]


_NAME_IN_PARENTHESES = re.compile(r"\(([^()]*)\)")
_NOT_A_NAME = re.compile(
    r"\s*(?:e\.g|for example|i\.e|includ|see |list |per |each|use |code )", re.I
)


def head_words(text: str) -> list[str]:
    """``match_words`` of the descriptor's head clause: its first clause, and the next one too
    when the first is a single word ('Injection, ondansetron hydrochloride, ...'), ends at a
    semicolon ('Colorectal cancer screening; flexible sigmoidoscopy') or opens a family ('All
    lower extremity prostheses, foot, ...'). A name in parentheses belongs to the clause it
    follows ('Injection, immune globulin (bivigam), 500 mg' names bivigam); examples do not."""
    text = _NAME_IN_PARENTHESES.sub(
        lambda m: ", " if _NOT_A_NAME.match(m.group(1)) else f" {m.group(1)} ", text
    )
    parts = re.split(r"([,;:()\[\]])", text)
    clauses = [c for c in parts[::2] if c.strip()]
    # 'Colorectal cancer screening; flexible sigmoidoscopy': as in CPT, the words before a
    # semicolon are shared by a family of codes and the clause after it names this one.
    after_semicolon = (
        len(parts) > 2
        and parts[1] == ";"
        and bool(parts[0].strip())
        and not _NOT_A_NAME.match(parts[2])  # '...; includes ...' lists contents, names nothing
    )
    two = clauses and (len(clauses[0].split()) <= 1 or after_semicolon or opens_family(text))
    head = clauses[:2] if two else clauses[:1]
    return match_words(", ".join(head))


def item_words(text: str) -> list[str]:
    """The same words with those naming what an accessory or supply serves marked ('~pump' in
    'Tubing, used with suction pump'): a wording must match at least once outside them, so that
    a lay name of the pump never lands on its tubing."""
    return [
        f"!{t.term}" if t.negated else f"~{t.term}" if t.object else t.term
        for t in analyze(text)[0]
    ]


@cache
def wording_parts(wording: str) -> tuple[tuple[str, ...], ...]:
    """A wording as its parts' words (``a b + c`` -> ((a, b), (c,))); empty parts dropped."""
    return tuple(tuple(w) for w in (match_words(p) for p in wording.split("+")) if w)


@cache
def names_an_accessory(wording: str) -> bool:
    """Whether a wording itself names what an accessory serves ('tubing, used with ...')."""
    return any(w.startswith("~") for w in item_words(wording))


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    n = len(part)
    first = part[0]
    return any(
        words[i] == first and list(words[i : i + n]) == list(part)
        for i in range(len(words) - n + 1)
    )


class Matcher:
    """Finds the codes whose descriptor words contain a wording, through an inverted index.

    ``texts``: code -> its word sequences (``match_words`` of the descriptor and short
    descriptor); ``items`` (optional): code -> the descriptor's ``item_words``. With ``items``, a
    wording matches only if one of its parts falls outside what the item serves.
    """

    def __init__(
        self,
        texts: Mapping[str, Sequence[Sequence[str]]],
        items: Mapping[str, Sequence[str]] | None = None,
        heads: Mapping[str, Sequence[str]] | None = None,
        nouns: Mapping[str, tuple[str, Sequence[str], bool]] | None = None,
    ) -> None:
        self.texts = texts
        self.items = items or {}
        self.heads = heads or {}
        # code -> its head noun, the words before it (tokens.roles) and whether it is a part
        self.nouns = nouns or {}
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
            and self._names_the_item(code, parts, wording)
        )

    def parts_of_the_item(self, codes: Sequence[str], wording: str) -> set[str]:
        """Of the codes a wording reaches, the parts of the item it names: when the wording's
        last word is some reached code's head noun ('High frequency chest wall oscillation
        system, ...'), a replacement part, accessory or supply holding that word only before its
        own head ('... oscillation system vest, replacement') is a part of the item, not it."""
        parts = wording_parts(wording)
        if not self.nouns or sum(len(part) for part in parts) < 2:
            return set()  # (one word is an everyday alias, 'armpit' for 'underarm', not a name)
        last = parts[-1][-1]
        reached = [(code, self.nouns[code]) for code in codes if code in self.nouns]
        if not any(head == last for _, (head, _, _) in reached):
            return set()
        return {
            code
            for code, (head, before, is_part) in reached
            if is_part and head != last and last in before
        }

    def in_head(self, code: str, wording: str) -> bool:
        """Whether the wording starts in the descriptor's head clause (what the code is), not
        only further on ('Electrocardiogram, ...; performed as a screening for the initial
        preventive physical examination' is an ECG, not the examination)."""
        head = self.heads.get(code)
        return head is None or any(part[0] in head for part in wording_parts(wording))

    def _names_the_item(self, code: str, parts: tuple[tuple[str, ...], ...], wording: str) -> bool:
        item = self.items.get(code)
        if item is None or not any(w.startswith("~") for w in item):
            return True
        if names_an_accessory(wording):
            return True  # the wording itself names an accessory ('tubing, used with ...')
        return any(_contains(item, part) for part in parts)


class Compiled(NamedTuple):
    # code -> lay terms attached to it, each with whether it names the code's own item: its
    # wording is in the descriptor's head clause (quality data codes that mention a drug are
    # ranked down by their own item-type prior)
    attached: dict[str, list[tuple[str, bool]]]
    # query phrase -> official word sequences; '~phrase': the wordings a lay name of an item
    # stands for, used where a query names what a part or supply serves
    synonyms: dict[str, list[tuple[str, ...]]]
    unmatched: list[tuple[Entry, str]]  # wordings no descriptor contains
    # code -> lay terms of what a quality code reports was not done: 'hep c' reaches 'reason(s)
    # for not receiving annual screening for hcv infection', whose 'hcv' is negated
    topical: dict[str, list[str]]


def initialism(key: str, wording: str) -> bool:
    """Whether ``key`` (one word) is the initials of ``wording``'s words: 'bk' for 'below knee',
    'sgd' for 'speech generating device'."""
    if " " in key or not key.isalpha() or len(key) < 2:
        return False
    words = [w for part in wording_parts(wording) for w in part]
    return len(words) == len(key) and "".join(w[:1] for w in words) == key


def compile_lexicon(
    entries: Iterable[Entry], matcher: Matcher, topics: Matcher | None = None
) -> Compiled:
    """Lay terms attached to the codes their wordings reach, and the query-side synonyms.

    ``topics`` (optional) matches the words a quality descriptor negates after 'reason(s) for
    not': a specific wording found there files its lay term as what that code reports on."""
    attached: dict[str, list[tuple[str, bool]]] = {}
    topical: dict[str, list[str]] = {}
    synonyms: dict[str, list[tuple[str, ...]]] = {}
    unmatched: list[tuple[Entry, str]] = []
    for entry in entries:
        # Read as a query is read: 'no reason given' is '!reason !given', as typed.
        key = " ".join(match_words(entry.term))
        if not key:
            continue
        for wording in entry.wordings:
            codes = matcher.reach(wording)
            about = topics.reach(wording) if topics is not None else []
            if len(codes) + len(about) <= BROAD:
                for code in about:
                    subjects = topical.setdefault(code, [])
                    if entry.term not in subjects:
                        subjects.append(entry.term)
            if not codes:
                if not about:
                    unmatched.append((entry, wording))
                continue
            if len(codes) > BROAD or initialism(key, wording):
                # Wording many codes share, or an initialism of it ('bk': below knee), is a
                # synonym on the query side: it stands for the words wherever they are printed,
                # not only where they name the item.
                alternative = tuple(w for part in wording_parts(wording) for w in part)
                known = synonyms.setdefault(key, [])
                if alternative not in known:
                    known.append(alternative)
            if len(codes) <= BROAD:
                # Also kept as '~key': in 'lead for spinal cord stimulator' the lay name says
                # what a part serves, and the part's descriptor prints the item's wording.
                alternative = tuple(w for part in wording_parts(wording) for w in part)
                known = synonyms.setdefault(f"~{key}", [])
                if alternative not in known:
                    known.append(alternative)
                parts_only = matcher.parts_of_the_item(codes, wording)
                for code in codes:
                    if code in parts_only:
                        continue  # a name of the whole item does not name its vest or hose
                    terms = attached.setdefault(code, [])
                    # Whatever file it comes from: a drug's brand names its oral Q code or
                    # its pass-through C code as well as its J code ('suboxone' from the
                    # behavioral-health file names J0572-J0575).
                    home = matcher.in_head(code, wording)
                    if (entry.term, home) not in terms:
                        terms.append((entry.term, home))
    return Compiled(attached, synonyms, unmatched, topical)
