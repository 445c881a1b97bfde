"""Ranking codes for what a person types.

The index is built once (at release import, or on first use for the bundled records) by
``build_index`` and stored by ``store``; a query reads only the index terms near its words and
their postings, so its cost does not grow with the number of codes. A query word matches index
terms exactly, as a word beginning (``ondans``), within a small edit distance (``methadon``,
``wheelchiar``), or through the synonym table (``IOP``, ``sober living``, ``zofran``). Codes score by BM25-style weights, the share of query words they
match, phrase matches and status; terminated codes rank below active ones.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, Protocol

from .codes import MODIFIER_RE, PROCEDURE_RE, looks_like_prefix, parse_range, squash
from .errors import UsageError
from .release import active_on, today

MAX_QUERY = 500
# Part of every stored index's key: change it whenever build_index or what it weighs changes, so
# that indexes built by an older version are rebuilt instead of read.
INDEX_VERSION = "6"
# Field key -> (boost, label shown by --explain).
FIELDS: dict[str, tuple[float, str]] = {
    "l": (1.0, "descriptor"),
    "s": (0.75, "short descriptor"),
    "n": (1.15, "common name"),
    "a": (1.4, "abbreviation"),
    "k": (0.85, "keyword"),
    "c": (0.3, "category"),
    "u": (0.25, "summary"),
}
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "e",
        "for",
        "from",
        "g",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "per",
        "the",
        "than",
        "to",
        "with",
        "each",
        "other",
        "etc",
        "any",
        "via",
        "s",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")
_NON = re.compile(r"\bnon[\s-]+(?=[a-z])")
K1, B = 1.2, 0.75
SYNONYM_FACTOR = 0.95
# How much a match in each field counts once scores are scaled per concept.
EVIDENCE = {"l": 1.0, "s": 1.0, "n": 1.0, "a": 1.0, "k": 0.85, "c": 0.4, "u": 0.3}
RESCORED = 40
_PART = re.compile(
    r"\b(accessory|accessories|replacement|attachment|for use with|used with)\b", re.IGNORECASE
)
NOISE_FLOOR = 0.15
PREFIX_LIMIT = 60
_CATCH_ALL = re.compile(
    r"not otherwise classified|, noc\b|^unclassified|^miscellaneous", re.IGNORECASE
)


def stem(word: str) -> str:
    """A light plural stemmer: services -> service, therapies -> therapy."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case word stems of ``text``, stopwords dropped; ``non-emergency`` is one word."""
    words = _WORD.findall(_NON.sub("non", text.lower()))
    return [stem(w) for w in words if w not in STOPWORDS]


class Doc(NamedTuple):
    """What the index knows of one code."""

    code: str
    kind: str  # procedure | modifier
    short: str
    long: str
    termination: str | None = None
    fields: Mapping[str, str] = {}  # field key -> extra text (never mutated)


def _position_factor(position: int) -> float:
    """Words at the head of a descriptor name the thing; later ones often name what it is used with
    ('Footrest, for use with commode chair')."""
    return 1.0 if position <= 1 else max(0.65, 0.88 - 0.03 * (position - 2))


def build_index(docs: Iterable[Doc]) -> dict[str, list[tuple[str, float, str]]]:
    """term -> [(code, weight, field key)], best field per code, BM25-weighted."""
    per_field_lengths: dict[str, list[int]] = defaultdict(list)
    # term -> code -> [(field key, field length, position factor)]
    occurrences: dict[str, dict[str, list[tuple[str, int, float]]]] = defaultdict(dict)
    count = 0
    for doc in docs:
        count += 1
        texts = {"l": doc.long, "s": doc.short, **doc.fields}
        for key, text in texts.items():
            terms = tokenize(text)
            if not terms:
                continue
            per_field_lengths[key].append(len(terms))
            first: dict[str, int] = {}
            for position, term in enumerate(terms):
                first.setdefault(term, position)
            for term, position in first.items():
                factor = _position_factor(position) if key in ("l", "s") else 1.0
                occurrences[term].setdefault(doc.code, []).append((key, len(terms), factor))
    average = {k: sum(v) / len(v) for k, v in per_field_lengths.items()}
    index: dict[str, list[tuple[str, float, str]]] = {}
    for term, codes in occurrences.items():
        idf = math.log(1 + (count - len(codes) + 0.5) / (len(codes) + 0.5))
        postings = []
        for code, places in codes.items():
            weight, key = max(
                (
                    idf
                    * (K1 + 1)
                    / (1 + K1 * (1 - B + B * length / average[k]))
                    * FIELDS[k][0]
                    * f,
                    k,
                )
                for k, length, f in places
            )
            postings.append((code, round(weight, 4), key))
        index[term] = postings
    return index


class IndexReader(Protocol):
    """What the search needs from a stored index (see ``store.SqliteIndex``)."""

    def prefixed(self, term: str, limit: int) -> list[str]:
        """Index terms starting with ``term`` (itself included), in order, at most ``limit``."""
        ...

    def near(self, term: str) -> list[str]:
        """Index terms within about two edits of ``term`` (they share a one-deletion variant)."""
        ...

    def postings(self, terms: Iterable[str]) -> dict[str, list[tuple[str, float, str]]]: ...

    def docs(self, codes: Iterable[str]) -> dict[str, Doc]: ...

    def codes_between(self, low: str, high: str) -> list[str]: ...

    def synonyms(self) -> Mapping[str, Sequence[str]]: ...


class Hit(NamedTuple):
    code: str
    kind: str
    descriptor: str
    short: str
    score: float
    active: bool
    termination: str | None
    why: tuple[str, ...] = ()


class _Concept(NamedTuple):
    """One thing the user asked for: a query word, or a phrase the synonym table knows."""

    text: str
    alternatives: list[tuple[str, ...]]


def _concepts(words: list[str], synonyms: Mapping[str, Sequence[str]]) -> list[_Concept]:
    concepts: list[_Concept] = []
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            phrase = " ".join(words[i : i + size])
            if len(words) - i >= size and phrase in synonyms:
                alts = [tuple(words[i : i + size])]
                alts += [tuple(tokenize(x)) for x in synonyms[phrase] if tokenize(x)]
                concepts.append(_Concept(phrase, alts))
                i += size
                break
        else:
            concepts.append(_Concept(words[i], [(words[i],)]))
            i += 1
    return concepts


def osa_similarity(a: str, b: str) -> float:
    """1 - optimal-string-alignment distance / length of the longer string (0 to 1).

    The same measure as rapidfuzz's ``OSA.normalized_similarity`` (a test holds them equal); it is
    computed here because the near-miss table leaves only a handful of candidates, and importing
    rapidfuzz would cost every search about 7 ms of start-up.
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return 1.0 - previous[-1] / max(len(a), len(b))


def deletions(term: str) -> set[str]:
    """The term with one character removed, every way (the keys of the near-miss table)."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def _expand(term: str, reader: IndexReader) -> dict[str, float]:
    """Index terms a query term may stand for, with a match quality from 0 to 1."""
    matches: dict[str, float] = {}
    if len(term) >= 2:
        candidates = reader.prefixed(term, PREFIX_LIMIT)
        quality = 0.9 if len(term) >= 4 else 0.6
        if candidates[:1] == [term]:
            quality /= 2  # a whole word was typed: longer words it begins are weaker matches
        for candidate in candidates:
            matches[candidate] = 1.0 if candidate == term else quality
    elif reader.prefixed(term, 1) == [term]:
        matches[term] = 1.0
    if len(term) >= 5 and not term.isdigit():
        cutoff = 0.75 if len(term) >= 6 else 0.7
        # A word the index knows was probably meant as typed: its near misses count for less.
        typo_weight = 0.4 if matches.get(term) == 1.0 else 0.8
        near = [(osa_similarity(term, c), c) for c in reader.near(term) if c not in matches]
        for similarity, candidate in sorted(near, reverse=True)[:6]:
            if similarity >= cutoff:
                matches[candidate] = typo_weight * similarity
    return matches


def search(
    reader: IndexReader,
    query: str,
    limit: int = 10,
    kind: str = "procedure",
    prefix: str | None = None,
    active_only: bool = False,
    explain: bool = False,
) -> list[Hit]:
    """The best codes for ``query``, best first. ``kind`` is procedure, modifier or all."""
    if not isinstance(query, str) or not query.strip():
        raise UsageError("empty search query", "type a few words or a code, e.g. hcpcs search iop")
    if len(query) > MAX_QUERY:
        raise UsageError(f"search query is too long ({len(query)} characters; at most {MAX_QUERY})")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    on = today()
    scores = _code_query(reader, query)
    if scores is None:
        scores = _text_query(reader, query, explain)
        typed = squash(query)
        if kind != "procedure" and MODIFIER_RE.match(typed) and reader.codes_between(typed, typed):
            scores[typed] = (max([100.0, *(s for s, _ in scores.values())]), ("modifier code",))
    prefix_code = squash(prefix) if prefix else ""
    if prefix_code:
        scores = {c: v for c, v in scores.items() if c.startswith(prefix_code)}
    candidates = sorted(scores.items(), key=lambda kv: -kv[1][0])[: max(limit * 4, 50)]
    docs = reader.docs(code for code, _ in candidates)
    hits = []
    for code, (score, why) in candidates:
        doc = docs.get(code)
        if doc is None:
            continue
        if kind != "all" and doc.kind != kind:
            continue
        active = active_on(doc.termination, on)
        if active_only and not active:
            continue
        if not active:
            score *= 0.5
        hits.append(
            Hit(code, doc.kind, doc.long, doc.short, round(score, 3), active, doc.termination, why)
        )
    hits.sort(key=lambda h: (not h.active, -h.score, h.code))
    if hits:
        # Results far below the best are noise (a word found in some record's summary): drop them.
        floor = max(h.score for h in hits) * NOISE_FLOOR
        hits = [h for h in hits if h.score >= floor]
    return hits[:limit]


def _code_query(reader: IndexReader, query: str) -> dict[str, tuple[float, tuple[str, ...]]] | None:
    """Scores for a code, code prefix or code range query; None for a text query."""
    span = parse_range(query)
    if span:
        codes = reader.codes_between(*span)
        return {c: (100.0, ("in the range",)) for c in codes}
    s = squash(query)
    if PROCEDURE_RE.match(s):
        found = reader.codes_between(s, s)
        if found:
            near = reader.codes_between(s[:4] + "0", s[:4] + "9")
            return {c: (100.0 if c == s else 50.0, ("code",)) for c in found + near}
        return {
            c: (40.0, ("similar code",)) for c in reader.codes_between(s[:4] + "0", s[:4] + "9")
        }
    if looks_like_prefix(query) and len(s) >= 2:
        codes = reader.codes_between(s, s + "\uffff")
        return {c: (90.0, ("code prefix",)) for c in codes}
    return None


def _text_query(
    reader: IndexReader, query: str, explain: bool
) -> dict[str, tuple[float, tuple[str, ...]]]:
    words = tokenize(query)
    if not words:
        raw = _WORD.findall(query.lower())
        words = [stem(w) for w in raw]
    if not words:
        return {}
    concepts = _concepts(words, reader.synonyms())
    expansions: dict[str, dict[str, float]] = {}
    for concept in concepts:
        known = len(concept.alternatives) > 1  # a phrase the synonym table knows
        for position, alt in enumerate(concept.alternatives):
            for term in alt:
                if term in expansions:
                    continue
                if known and position == 0:
                    # The user typed a recognised term: match it as typed, not as a word beginning
                    # or a near-miss ('tens' must not find 'tenancy').
                    found = reader.prefixed(term, 1) == [term]
                    expansions[term] = {term: 1.0} if found else {}
                else:
                    expansions[term] = _expand(term, reader)
    postings = reader.postings({t for e in expansions.values() for t in e})
    # Per concept: each alternative's scores are scaled to its best document, so that a synonym
    # ('zofran' -> 'ondansetron') competes on equal terms with the word as typed; the concept's
    # weight (its best raw score, an idf-like measure of how telling it is) then sums across concepts.
    total: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)
    weight_sum = 0.0
    for concept in concepts:
        best: dict[str, tuple[float, str]] = {}
        concept_weight = 0.0
        for position, alt in enumerate(concept.alternatives):
            alt_scores: dict[str, list[tuple[float, str]]] = defaultdict(list)
            alt_fields: dict[str, list[float]] = defaultdict(list)
            for term in alt:
                term_best: dict[str, tuple[float, str]] = {}
                term_field: dict[str, str] = {}
                for candidate, quality in expansions[term].items():
                    for code, weight, key in postings.get(candidate, ()):
                        value = weight * quality
                        if value > term_best.get(code, (0.0, ""))[0]:
                            label = FIELDS[key][1]
                            how = "" if candidate == term else f" as '{candidate}'"
                            term_best[code] = (value, f"'{term}'{how} in {label}")
                            term_field[code] = key
                for code, pair in term_best.items():
                    alt_scores[code].append(pair)
                    alt_fields[code].append(EVIDENCE[term_field[code]])
            scores = {
                # A multi-word alternative counts in full only when all its words match.
                code: sum(p[0] for p in parts) / len(alt) * (len(parts) / len(alt)) ** 2
                for code, parts in alt_scores.items()
            }
            if not scores:
                continue
            # Scale to the best document that matches the whole alternative; an alternative no
            # document matches in full counts at half strength.
            complete = [v for c, v in scores.items() if len(alt_scores[c]) == len(alt)]
            top = max(complete) if complete else 2 * max(scores.values())
            concept_weight = max(concept_weight, top)
            factor = 1.0 if position == 0 else SYNONYM_FACTOR
            for code, value in scores.items():
                # Scaling drops the field weights, so the strength of the evidence comes back
                # here: a word found only in a record's summary is weaker than one in a descriptor.
                evidence = sum(alt_fields[code]) / len(alt_fields[code])
                scaled = value / top * factor * evidence
                if scaled > best.get(code, (0.0, ""))[0]:
                    note = "; ".join(p[1] for p in alt_scores[code])
                    if position:
                        note = f"'{concept.text}' means '{' '.join(alt)}': {note}"
                    best[code] = (scaled, note)
        weight_sum += concept_weight
        for code, (value, note) in best.items():
            total[code] += concept_weight * value
            if explain:
                reasons[code].append(note)
    if not weight_sum:
        return {}
    phrase = " ".join(words)
    results: dict[str, tuple[float, tuple[str, ...]]] = {}
    for code, value in total.items():
        # Coverage: the share of the query's weight this code matches (a weak match covers weakly).
        coverage = value / weight_sum
        results[code] = (value * (0.25 + 0.75 * coverage**2), tuple(reasons[code]))
    # Only the leaders can change places through the finer checks, so only they pay for them.
    leaders = sorted(results, key=lambda c: -results[c][0])[:RESCORED]
    docs = reader.docs(leaders)
    for code in leaders:
        score, why = results[code]
        doc = docs.get(code)
        if doc is not None:
            if len(concepts) > 1:
                texts = [doc.long, doc.short, doc.fields.get("n", "")]
                if any(phrase in " ".join(tokenize(t)) for t in texts):
                    score *= 1.3
                    if explain:
                        reasons[code].append("whole phrase matched")
                        why = tuple(reasons[code])
            if _CATCH_ALL.search(doc.long):
                score *= 0.85  # a not-otherwise-classified code is the last resort, not the answer
            part = _PART.search(doc.long[:30])  # named at the head: the code is for a part
            if part and part.group(0).lower().split()[0] not in phrase:
                score *= 0.8  # a part or add-on ranks below the thing itself, unless asked for
        results[code] = (score, why)
    return results
