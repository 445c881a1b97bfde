"""Abbreviations mined from a release's own text, when it is imported.

Two sources, both checked letter by letter against the words they stand for:
- an acronym in parentheses after its expansion: "continuous positive airway pressure (cpap)";
- a short-descriptor word that the long descriptor spells out: "Tlso" for "thoracic-lumbar-sacral
  orthosis".
Each acronym is then carried to every code whose descriptor contains its expansion, so that CPAP
reaches the siblings whose descriptors never print it; and an expansion of three or more words that
ends in a generic word ("... program", "... device") is also matched without that word (its core).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .lexicon import Matcher

_PAREN = re.compile(r"\(([a-z][a-z0-9]{1,7})\)")
_WORDS = re.compile(r"[a-z0-9]+")
_SKIP = frozenset(["and", "or", "of", "the", "for", "with", "to", "in", "a", "an", "on", "by"])
_GENERIC_TAIL = frozenset(
    [
        "program",
        "programs",
        "service",
        "services",
        "device",
        "devices",
        "system",
        "systems",
        "therapy",
        "treatment",
        "unit",
        "units",
        "equipment",
        "machine",
        "supplies",
    ]
)


def _spell(acronym: str, words: Sequence[str], end: int) -> int | None:
    """The start of the words ending at ``end`` (exclusive) whose initials spell ``acronym``
    (function words may be skipped), or None."""
    i = end - 1
    letters = list(acronym)
    while letters and i >= 0:
        word = words[i]
        if word[0] == letters[-1]:
            letters.pop()
        elif word not in _SKIP:
            return None
        i -= 1
    return i + 1 if not letters else None


def _trim(words: Sequence[str]) -> str | None:
    """The words without function words at either end; None when fewer than two remain."""
    kept = list(words)
    while kept and kept[0] in _SKIP:
        kept.pop(0)
    while kept and kept[-1] in _SKIP:
        kept.pop()
    if len(kept) < 2 or any(w.isdigit() for w in kept):
        return None
    return " ".join(kept)


def _expansion_before(text: str, start: int, acronym: str) -> str | None:
    words = _WORDS.findall(text[:start].replace("-", " ").replace("/", " "))
    begin = _spell(acronym, words, len(words))
    return None if begin is None else _trim(words[begin:])


def _expansion_within(text: str, acronym: str) -> str | None:
    """Consecutive words (no function word skipped) whose initials are exactly ``acronym``."""
    words = _WORDS.findall(text.replace("-", " ").replace("/", " "))
    n = len(acronym)
    for begin in range(len(words) - n + 1):
        if "".join(w[0] for w in words[begin : begin + n]) == acronym:
            return _trim(words[begin : begin + n])
    return None


def mine(entries: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """acronym -> the expansions found for it, from (long descriptor, short descriptor) pairs.

    A parenthesised acronym counts at once; a short-descriptor acronym only when two or more codes
    spell it out the same way (one alone is too often a coincidence of initials).
    """
    found: dict[str, set[str]] = {}
    seen_in_short: dict[tuple[str, str], int] = {}
    for long, short in entries:
        lower = long.lower()
        for match in _PAREN.finditer(lower):
            acronym = match.group(1)
            if acronym.isdigit() or len(acronym) < 2:
                continue
            expansion = _expansion_before(lower, match.start(), acronym)
            if expansion:
                found.setdefault(acronym, set()).add(expansion)
        long_words = set(_WORDS.findall(lower))
        for word in set(_WORDS.findall(short.lower())):
            if 3 <= len(word) <= 6 and word.isalpha() and word not in long_words:
                expansion = _expansion_within(lower, word)
                if expansion:
                    key = (word, expansion)
                    seen_in_short[key] = seen_in_short.get(key, 0) + 1
    for (word, expansion), count in seen_in_short.items():
        if count >= 2:
            found.setdefault(word, set()).add(expansion)
    return found


def core(expansion: str) -> str | None:
    """The expansion without a generic last word, when three or more words remain meaningful."""
    words = expansion.split()
    if len(words) >= 3 and words[-1] in _GENERIC_TAIL:
        return " ".join(words[:-1])
    return None


def attach(mined: dict[str, set[str]], matcher: Matcher, limit: int) -> dict[str, list[str]]:
    """code -> acronyms that stand for words of its descriptor (expansions reaching at most
    ``limit`` codes; a broader expansion is not an abbreviation worth carrying)."""
    attached: dict[str, list[str]] = {}
    for acronym, expansions in sorted(mined.items()):
        reached: set[str] = set()
        for expansion in expansions:
            for wording in filter(None, (expansion, core(expansion))):
                codes = matcher.reach(wording)
                if len(codes) <= limit:
                    reached.update(codes)
        for code in sorted(reached):
            attached.setdefault(code, []).append(acronym)
    return attached
