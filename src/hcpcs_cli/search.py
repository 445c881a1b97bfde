"""Ranking codes for what a person types.

The index (``index.py``) is built once; a query reads only the index terms near its words and their
postings, so its cost does not grow with the number of codes. How a query is understood:

- a request for a code around it ("what is the code for", "how do i bill", "... hcpcs code") is
  left out: it says what the user wants, not what the code is;
- concepts: each query word, or a phrase the lexicon knows as a broad synonym ("shot" = injection),
  or two words that the index knows joined ("sub acute" = subacute), even with a slip in the second
  ("non dextorse" = nondextrose);
- a typed word matches index terms exactly, as a word beginning ("ondans"), or within one edit
  (two for long words) as a typo; a synonym's output is matched exactly, never corrected again;
- each concept's matches are scaled to its best document, then weighed by how telling the concept
  is and by the field that matched (the official descriptor counts most, a record's summary least);
- the leaders are checked more finely: the whole phrase or adjacent words found together, the
  query's head word found in the descriptor's head, an item-type prior (accessories, replacement
  parts, supplies, add-ons, not-otherwise-classified and noncovered codes rank below the item
  itself unless the query asks for them), and ties broken by how much of the descriptor the query
  covers;
- terminated codes, and codes absent from the release in use, rank after the others, marked.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple, Protocol

from .codes import MODIFIER_RE, PROCEDURE_RE, looks_like_prefix, parse_range, squash
from .errors import UsageError
from .index import (
    FIELDS,
    FLAT_SHARE,
    ITEM_PRIOR,
    PART_TYPES,
    RECORD_FIELDS,
    Doc,
    Posting,
    asks_for,
)
from .results import JsonObject, Row
from .status import NOT_IN_RELEASE, CodeStatus, judge_dates
from .tokens import STOPWORDS, analyze, query_terms, roles, root, stem

if TYPE_CHECKING:
    from .quantities import Interval

MAX_QUERY = 500
MAX_LIMIT = 500
SYNONYM_FACTOR = 0.95
RESCORED = 60
NOISE_FLOOR = 0.15  # results under this share of the best score are noise
MIN_COVERAGE = 0.3  # a result must match at least this share of what the query asks
PREFIX_LIMIT = 60
PHRASE_BONUS = 1.3
EXACT_NAME_BONUS = 1.4
EXACT_DESCRIPTOR_BONUS = 1.6  # the query is an official descriptor (long or short), word for word
PAIR_BONUS = 1.1
RUN_BONUS = 1.05  # per query word beyond two found together, in order
HEAD_BONUS = 1.2
RANGE_BONUS = 1.15  # the query's amount lies in the code's stated range ('20-30' in '18-30')
OBJECT_FACTOR = 0.8
HEAD_MISSING_FACTOR = 0.8
TEMPORARY_PRIOR = 0.92
# The query names the kind of code (a replacement, a supply): that kind first. Asking for a
# catch-all ('other', 'unlisted', 'noc') is the most explicit of these requests.
ASKED_TYPE_BONUS = {"not otherwise classified": 1.3}
SERVED_WEIGHT = 0.5
MODIFIER_FACTOR = 0.9
FRAGMENT_FACTOR = 0.9
FORM_QUALITY = 0.7  # 'certifying' for 'certification': weaker than the word typed
CURATED_DISCOUNT = 0.3  # share of a match found only in curated record text, taken off
_WORD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"

# Field key -> evidence strength (the third part of index.FIELDS), for the scoring loops.
_STRENGTH: dict[str, float] = {key: spec[2] for key, spec in FIELDS.items()}
_CODE = itemgetter(0)  # of a Posting
_WEIGHT = itemgetter(1)


class IndexReader(Protocol):
    """What the search needs from a stored index (see ``index.Index``)."""

    def prefixed(self, term: str, limit: int) -> list[str]: ...

    def has(self, term: str) -> bool: ...

    def size(self) -> int: ...

    def near(self, term: str) -> list[str]: ...

    def postings(self, terms: Iterable[str]) -> dict[str, list[Posting]]: ...

    def synonyms(self, phrases: Iterable[str]) -> dict[str, list[tuple[str, ...]]]: ...

    def docs(self, codes: Iterable[str]) -> dict[str, Doc]: ...

    def codes_between(self, low: str, high: str) -> list[str]: ...


class Hit(NamedTuple):
    rank: int
    code: str
    kind: str
    descriptor: str
    short_descriptor: str
    score: float
    status: CodeStatus
    why: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status.active

    def to_dict(self, explain: bool = False) -> JsonObject:
        data: JsonObject = {
            "rank": self.rank,
            "code": self.code,
            "kind": self.kind,
            "descriptor": self.descriptor,
            "short_descriptor": self.short_descriptor,
            "score": self.score,
            "active": self.active,
            "status": self.status.state,
            "status_text": self.status.text,
            "termination_date": self.status.termination_date,
        }
        if explain:
            data["why"] = list(self.why)
        return data


class SearchResult(NamedTuple):
    """``hcpcs search``: the hits shown (best first) and how many matched in all."""

    query: str
    hits: tuple[Hit, ...]
    total: int  # results above the noise floor, before the limit
    release: str | None
    explain: bool = False
    bundled_only: bool = False  # no release in use: only the bundled records were searched
    searched: int = 0  # how many codes the index holds

    @property
    def columns(self) -> tuple[str, ...]:
        base = (
            "rank",
            "code",
            "score",
            "kind",
            "active",
            "status",
            "termination_date",
            "short_descriptor",
            "descriptor",
        )
        return (*base, "why") if self.explain else base

    def table_rows(self) -> list[Row]:
        rows: list[Row] = []
        for hit in self.hits:
            row: Row = {
                "rank": hit.rank,
                "code": hit.code,
                "score": hit.score,
                "kind": hit.kind,
                "active": hit.active,
                "status": hit.status.state,
                "termination_date": hit.status.termination_date,
                "short_descriptor": hit.short_descriptor,
                "descriptor": hit.descriptor,
            }
            if self.explain:
                row["why"] = list(hit.why)
            rows.append(row)
        return rows

    def to_dict(self) -> JsonObject:
        return {
            "query": self.query,
            "release": self.release,
            "total": self.total,
            "shown": len(self.hits),
            "results": [h.to_dict(self.explain) for h in self.hits],
        }


class _Concept(NamedTuple):
    """One thing the user asked for: a query word, a known phrase, or two words joined."""

    text: str
    alternatives: list[tuple[str, ...]]  # the first is as typed
    # "word", "synonym", "named" (a lay name of what a part serves), "joined" or "unit" (an
    # amount in other units)
    kind: str


Scores = dict[str, tuple[float, tuple[str, ...]]]


def search(
    reader: IndexReader,
    query: str,
    limit: int = 10,
    kind: str = "procedure",
    prefix: str | None = None,
    active_only: bool = False,
    explain: bool = False,
    release: str | None = None,
    on: str | None = None,
) -> SearchResult:
    """The best codes for ``query``, best first. ``kind`` is procedure, modifier or all."""
    check_query(query, limit, kind)
    asked = without_request(query)
    scores = _code_query(reader, asked)
    coverage: dict[str, float] = {}
    if scores is None:
        scores, coverage = _text_query(reader, asked, explain)
        typed = squash(asked)
        if kind != "procedure" and MODIFIER_RE.match(typed) and reader.codes_between(typed, typed):
            scores[typed] = (max([100.0, *(s for s, _ in scores.values())]), ("modifier code",))
            coverage[typed] = 1.0
    prefix_code = squash(prefix) if prefix else ""
    if prefix_code:
        scores = {c: v for c, v in scores.items() if c.startswith(prefix_code)}
    # Equal scores are ordered by code, so that a result never depends on what was asked before
    # (an index's caches change the order in which codes are met) or on the process.
    candidates = heapq.nsmallest(
        max(limit * 4, 80), scores.items(), key=lambda kv: (-kv[1][0], kv[0])
    )
    docs = reader.docs(code for code, _ in candidates)
    ranked: list[tuple[tuple[bool, bool, float, float, str], Hit]] = []
    for code, (score, why) in candidates:
        doc = docs.get(code)
        if doc is None or (kind != "all" and doc.kind != kind):
            continue
        if coverage and coverage.get(code, 0.0) < MIN_COVERAGE:
            continue  # a weak match (a word in some record's summary) is not an answer
        status = _status(doc, release, on)
        outside = status.state == NOT_IN_RELEASE
        if active_only and not status.active:
            continue
        if not status.active:
            score *= 0.5
        hit = Hit(
            0, code, doc.kind, doc.descriptor, doc.short_descriptor, round(score, 3), status, why
        )
        ranked.append(((outside, not status.active and not outside, -score, 0.0, code), hit))
    ranked.sort(key=lambda pair: pair[0])
    hits = [h for _, h in ranked]
    if hits:
        floor = max(h.score for h in hits) * NOISE_FLOOR
        hits = [h for h in hits if h.score >= floor]
    shown = tuple(h._replace(rank=i) for i, h in enumerate(hits[:limit], 1))
    return SearchResult(query, shown, len(hits), release, explain, release is None, reader.size())


def check_query(query: str, limit: int, kind: str) -> None:
    """Raise UsageError for a query or option no search can answer (before any index is read)."""
    if not isinstance(query, str) or not query.strip():
        raise UsageError("empty search query", "type a few words or a code, e.g. hcpcs search iop")
    if len(query) > MAX_QUERY:
        raise UsageError(f"search query is too long ({len(query)} characters; at most {MAX_QUERY})")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}")
    if kind not in ("procedure", "modifier", "all"):
        raise UsageError(f"--kind must be procedure, modifier or all, not '{kind}'")


def _status(doc: Doc, release: str | None, on: str | None) -> CodeStatus:
    """A hit's status by the same rule as ``show`` (status.judge_dates), from the index row."""
    return judge_dates(
        doc.add_date,
        doc.termination_date,
        doc.in_release,
        release,
        on,
        None if doc.in_release else "bundled record",
    )


def _code_query(reader: IndexReader, query: str) -> Scores | None:
    """Scores for a code, code prefix or code range query; None for a text query."""
    span = parse_range(query)
    if span:
        return {c: (100.0, ("in the range",)) for c in reader.codes_between(*span)}
    s = squash(query)
    if PROCEDURE_RE.match(s):
        found = reader.codes_between(s, s)
        near = reader.codes_between(s[:4] + "0", s[:4] + "9")
        if found:
            return {c: (100.0 if c == s else 50.0, ("code",)) for c in found + near}
        return {c: (40.0, ("similar code",)) for c in near}
    if looks_like_prefix(query) and len(s) >= 2:
        return {c: (90.0, ("code prefix",)) for c in reader.codes_between(s, s + "\uffff")}
    return None


def osa_similarity(a: str, b: str) -> float:
    """1 - optimal-string-alignment distance / length of the longer string (0 to 1).

    The same measure as rapidfuzz's ``OSA.normalized_similarity`` (a test holds them equal); it is
    computed here because the near-miss table leaves only a handful of candidates, and importing
    rapidfuzz would cost every search about 7 ms of start-up.
    """
    return 1.0 - osa_distance(a, b) / max(len(a), len(b), 1)


def osa_distance(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a or not b:
        return max(len(a), len(b))
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
    return previous[-1]


def allowed_edits(term: str) -> int:
    """Typos corrected: none under five letters, one up to seven, two from eight."""
    if len(term) < 5 or term.isdigit() or term.startswith("!"):
        return 0
    return 1 if len(term) < 8 else 2


def _expand(term: str, reader: IndexReader) -> dict[str, tuple[float, str]]:
    """Index terms a typed query term may stand for: (match quality 0 to 1, how it matched)."""
    matches: dict[str, tuple[float, str]] = {}
    if len(term) >= 2:
        candidates = reader.prefixed(term, PREFIX_LIMIT)
        quality = 0.9 if len(term) >= 4 else 0.6
        if candidates[:1] == [term]:
            quality /= 2  # a whole word was typed: longer words it begins are weaker matches
        for candidate in candidates:
            matches[candidate] = (1.0, "") if candidate == term else (quality, "word beginning")
    elif reader.has(term):
        matches[term] = (1.0, "")
    edits = allowed_edits(term)
    if edits:
        # A word the index knows was probably meant as typed: its near misses count for less.
        weight = 0.4 if matches.get(term, (0.0, ""))[0] == 1.0 else 0.8
        near = []
        candidates = reader.near(term)
        for candidate in candidates:
            if candidate in matches or abs(len(candidate) - len(term)) > edits:
                continue
            distance = osa_distance(term, candidate)
            # Two slips in one word are taken only when its first letter is right: people rarely
            # mistype it, and a real word two edits from another ('dialysis', 'analysis') is not
            # a slip.
            if distance <= edits and (distance < 2 or candidate[0] == term[0]):
                near.append((osa_similarity(term, candidate), candidate))
        for similarity, candidate in sorted(near, reverse=True)[:6]:
            matches[candidate] = (weight * similarity, "typo correction")
        # Other forms of the word ('certifying', 'certification') share its root.
        base = root(term)
        for candidate in candidates:
            if (
                candidate != term
                and root(candidate) == base
                and matches.get(candidate, (0.0, ""))[0] < FORM_QUALITY
            ):
                matches[candidate] = (FORM_QUALITY, "another form of the word")
    return matches


def _concepts(
    words: list[str], reader: IndexReader, served: frozenset[str] = frozenset()
) -> list[_Concept]:
    phrases = {
        " ".join(words[i : i + size]) for size in (1, 2, 3, 4) for i in range(len(words) - size + 1)
    }
    # A lay name of what the item serves ('lead for spinal cord stimulator'): the wordings it
    # stands for ('implantable neurostimulator'), as the part's descriptor prints them.
    named = {f"~{p}" for p in phrases if served.issuperset(p.split())}
    # 'without hinges': whatever the lexicon says 'hinges' means, negated as well.
    negated = {p: _affirmed(p) for p in phrases if all(w[0] == "!" for w in p.split())}
    synonyms = reader.synonyms(phrases | named | set(negated.values()))
    kinds = {p[1:]: "named" for p in named if p in synonyms and p[1:] not in synonyms}
    synonyms.update({p: synonyms[f"~{p}"] for p in kinds})
    for phrase, affirmed in negated.items():
        alternatives = [
            tuple(f"!{w}" for w in alternative)
            for alternative in synonyms.get(affirmed, [])
            if not any(w[0] == "!" for w in alternative)
        ]
        if alternatives and phrase not in synonyms:
            synonyms[phrase] = alternatives
    concepts: list[_Concept] = []
    i = 0
    while i < len(words):
        converted = _in_cc(words[i : i + 2])
        if converted:
            concepts.append(converted)
            i += 2
            continue
        for size in (4, 3, 2, 1):
            phrase = " ".join(words[i : i + size])
            if len(words) - i >= size and phrase in synonyms:
                alternatives = [tuple(words[i : i + size]), *synonyms[phrase]]
                concepts.append(_Concept(phrase, alternatives, kinds.get(phrase, "synonym")))
                i += size
                break
        else:
            pair = words[i : i + 2]
            unsaid = _unsaid(pair, reader)
            if (
                len(pair) == 2
                and not reader.has(pair[0] + pair[1])
                and not unsaid
                and not _joined_with_slip(pair, reader)
            ):
                pair = []
            if len(pair) == 2:
                joined = pair[0] + pair[1]
                alternatives = [tuple(pair), (joined,), *unsaid]
                concepts.append(_Concept(" ".join(pair), alternatives, "joined"))
                i += 2
            else:
                unsaid = _unsaid([words[i]], reader)
                concepts.append(_Concept(words[i], [(words[i],), *unsaid], "word"))
                i += 1
    return concepts


def _joined_with_slip(pair: list[str], reader: IndexReader) -> bool:
    """'non dextorse': a word the index does not know, typed apart from the word it is joined to
    in descriptors ('non-dextrose' is filed as 'nondextrose'). The joined form is then a near miss
    of an indexed word that begins with the first word, and its typo correction finds it."""
    joined = pair[0] + pair[1]
    edits = allowed_edits(joined)
    if not edits or pair[0][0] == "!" or all(reader.has(w) for w in pair):
        return False
    return any(
        candidate.startswith(pair[0]) and osa_distance(joined, candidate) <= edits
        for candidate in reader.near(joined)
    )


def _unsaid(words: list[str], reader: IndexReader) -> list[tuple[str, ...]]:
    """'non latex' or 'nonlatex' as the negation it is, where descriptors print one: a query
    for non-latex gloves finds 'without latex' as well as 'non-latex'."""
    if len(words) == 2 and words[0] == "non" and words[1][0] != "!":
        negated = f"!{words[1]}"
    elif len(words) == 1 and len(words[0]) > 6 and words[0].startswith("non"):
        negated = f"!{stem(words[0][3:])}"
    else:
        return []
    return [(negated,)] if reader.has(negated) else []


def _affirmed(phrase: str) -> str:
    """'!hinge !strap' -> 'hinge strap'."""
    return " ".join(w.lstrip("!") for w in phrase.split())


# How people ask for a code around what they want: "what is the code for a walker", "billing code
# for crutches", "how do i bill peer support", "cane hcpcs code". The request is not what is
# searched for ('need' would find 'special needs plans', 'code' any descriptor naming a code).
_REQUEST_WORDS = "hcpcs|cpt|codes?|coding|billing|bill|billed|billable"
_FRAME_WORDS = (
    "what|what's|whats|which|how|where|is|are|do|does|should|can|could|would|i|we|you|my|need"
    "|needs|want|looking|look|lookup|up|find|get|there|have|has|any|the|a|an|correct|right|proper"
    f"|to|use|used|for|of|with|{_REQUEST_WORDS}"
)
_REQUEST_RUN = rf"(?:(?:{_FRAME_WORDS})\s+)*(?:{_REQUEST_WORDS})(?:\s+(?:{_FRAME_WORDS}))*"
_REQUEST_AT_START = re.compile(rf"^\s*{_REQUEST_RUN}\s+")
_REQUEST_AT_END = re.compile(rf"\s+{_REQUEST_RUN}[\s?.!]*$")
# "i need a wheelchair", "my dad needs oxygen": the need is the asker's, not a descriptor's word.
_NEED_AT_START = re.compile(
    r"^\s*(?:i|we|(?:my|our|his|her|their)\s+[a-z]+)\s+(?:need|needs|want|wants)"
    r"(?:\s+(?:a|an|the|some|to\s+get))?\s+"
)


def without_request(query: str) -> str:
    """The query without a request for a code around it ('what is the code for', 'i need a'),
    when something is left to search for."""
    lowered = query.lower()
    kept = _REQUEST_AT_END.sub("", _REQUEST_AT_START.sub("", _NEED_AT_START.sub("", lowered)))
    return kept if kept != lowered and any(ch.isalnum() for ch in kept) else query


_LITRE_WORDS = frozenset({"l", "liter", "litre"})


def _in_cc(pair: list[str]) -> _Concept | None:
    """'2 liter' typed: also '2000 cc' and '2000 ml', as descriptors state volumes."""
    if len(pair) < 2 or pair[1] not in _LITRE_WORDS:
        return None
    try:
        millilitres = float(pair[0]) * 1000
    except ValueError:
        return None
    amount = f"{millilitres:g}"
    return _Concept(" ".join(pair), [tuple(pair), (amount, "cc"), (amount, "ml")], "unit")


def _query_words(query: str) -> list[str]:
    words = query_terms(query)
    if words:
        return words
    # Only function words were typed ("per diem" without "diem"?): keep them rather than nothing.
    lowered = "".join(ch if ch in _WORD_CHARS else " " for ch in query.lower())
    return [stem(w) for w in lowered.split()]


def _text_query(reader: IndexReader, query: str, explain: bool) -> tuple[Scores, dict[str, float]]:
    words = _query_words(query)
    if not words:
        return {}, {}
    # In 'liner for prosthesis' the liner is asked for; the prosthesis only says which liner.
    served = frozenset(roles(query).objects) if len(words) > 1 else frozenset()
    # ... but in 'powder to thicken liquids' the word after 'to' says what the item does.
    served -= {stem(m) for m in re.findall(r"\bto\s+([a-z]+)", query.lower())}
    concepts = _concepts(words, reader, served)
    expansions: dict[str, dict[str, tuple[float, str]]] = {}
    for concept in concepts:
        for position, alternative in enumerate(concept.alternatives):
            for term in alternative:
                if term in expansions:
                    continue
                if (
                    position == 0
                    and concept.kind != "synonym"
                    or position == 0
                    and len(concept.alternatives) == 1
                ):
                    expansions[term] = _expand(term, reader)
                elif position == 0 or (concept.kind == "joined" and not reader.has(term)):
                    # A phrase the lexicon knows, typed, or two typed words joined with a slip
                    # ('non dextorse'): matched as typed or corrected, but not as a word
                    # beginning ('tens' must not find 'tenancy').
                    found = _expand(term, reader)
                    expansions[term] = {t: q for t, q in found.items() if q[1] != "word beginning"}
                else:
                    # A synonym's output is official wording: matched exactly, never corrected.
                    expansions[term] = {term: (1.0, "")} if reader.has(term) else {}
    postings = reader.postings({t for e in expansions.values() for t in e})
    total: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)
    heads: dict[str, set[int]] = defaultdict(set)
    matches: list[Mapping[str, object]] = []  # per concept: the codes it matches
    curated_part: dict[str, float] = defaultdict(float)
    weight_sum = 0.0
    weights: list[float] = []
    if len(concepts) < 2:
        served = frozenset()
    for index_of_concept, concept in enumerate(concepts):
        best, concept_weight = _score_concept(concept, expansions, postings, reader.size(), explain)
        matches.append(best)
        if served and set(concept.alternatives[0]) <= served:
            concept_weight *= SERVED_WEIGHT
        weights.append(concept_weight)
        weight_sum += concept_weight
        for code, (value, note, head, curated) in best.items():
            total[code] += concept_weight * value
            if curated:
                # Found only in a record's curated text (its names, keywords, summary): such
                # matches raise recall but must not outrank the official wording of another code.
                curated_part[code] += concept_weight * value
            if head:
                heads[code].add(index_of_concept)
            if explain:
                reasons[code].append(note)
    if not weight_sum:
        return {}, {}
    results: Scores = {}
    coverage: dict[str, float] = {}
    for code, value in total.items():
        share = value / weight_sum
        if share < MIN_COVERAGE:
            continue  # never an answer (see search): not scored, not rescored
        coverage[code] = share
        curated_share = curated_part.get(code, 0.0) / value
        if curated_share and explain:
            reasons[code].append(
                f"{curated_share:.0%} of the match only in a record's curated text"
            )
        why = tuple(reasons[code]) if explain else ()
        score = value * (0.25 + 0.75 * share**2) * (1.0 - CURATED_DISCOUNT * curated_share)
        results[code] = (score, why)
    _rescore(
        reader,
        results,
        coverage,
        concepts,
        words,
        (heads, matches),
        explain,
        reasons,
        query,
        expansions,
    )
    return results, coverage


def _match_note(term: str, candidate: str, how: str, field: str) -> str:
    shown = f"'{term}'" if candidate == term else f"'{term}' as '{candidate}'"
    mechanism = f" ({how})" if how else ""
    return f"{shown} in {FIELDS[field][1]}{mechanism}"


def _idf(matched: int, size: int) -> float:
    return math.log(1 + (size - matched + 0.5) / (matched + 0.5))


def _score_concept(
    concept: _Concept,
    expansions: Mapping[str, Mapping[str, tuple[float, str]]],
    postings: Mapping[str, Sequence[Posting]],
    size: int,
    explain: bool = False,
) -> tuple[dict[str, tuple[float, str, bool, bool]], float]:
    """Per code: how well it matches the concept (0 to 1), why, whether the match is the
    descriptor's head noun and whether it is only in a record's curated text (names, keywords,
    summary); and the concept's weight: how telling it is, the inverse document
    frequency of its rarest word (a word a few codes share tells more than one hundreds share).

    How well = how it matched (exactly, as a word beginning, as a corrected typo, through a
    synonym) times the strength of the field (the official descriptor counts most, a record's
    summary least), with the term's BM25 weight relative to its best code as a smaller part: so a
    code matching every concept through the lexicon beats one matching half of them officially,
    and an official match beats a curated one for the same concept.
    """
    best: dict[str, tuple[float, str, bool, bool]] = {}
    concept_weight = 0.0
    for position, alternative in enumerate(concept.alternatives):
        parts: dict[str, list[tuple[float, str, bool, bool]]] = defaultdict(list)
        for term in alternative:
            matches = [
                (quality, how, candidate, postings[candidate])
                for candidate, (quality, how) in expansions[term].items()
                if postings.get(candidate)
            ]
            if not matches:
                continue
            # (What follows runs over every posting of every query word, thousands for a
            # common word: built-in functions and comprehensions, no attribute look-ups.)
            top = max(max(map(_WEIGHT, found)) for _, _, _, found in matches)
            close_lists = [found for quality, _, _, found in matches if quality >= 0.8]
            close = set().union(*map(map, repeat(_CODE), close_lists or [m[3] for m in matches]))
            telling = _idf(len(close), size)
            if position == 0 and concept.kind == "named":
                concept_weight += telling  # the weight its words would have had each
            elif position == 0 or not concept_weight:
                concept_weight = max(concept_weight, telling)
            # The best match per code; why (the field, the word matched, how) is put into words
            # only when asked for (--explain), not for every posting of every search. The word
            # with the most postings fills the table in one comprehension; the others update it.
            matches.sort(key=lambda m: -len(m[3]))
            term_best: dict[str, tuple[float, Posting, str, str]] = {}
            get = term_best.get
            strength = _STRENGTH
            for quality, how, candidate, found in matches:
                flat = FLAT_SHARE * quality
                scale = (1 - FLAT_SHARE) * quality / top
                if not term_best:
                    term_best = {
                        p[0]: (strength[p[2]] * (flat + scale * p[1]), p, candidate, how)
                        for p in found
                    }
                    get = term_best.get
                    continue
                for posting in found:
                    code, weight, field, _, _ = posting
                    value = strength[field] * (flat + scale * weight)
                    known = get(code)
                    if known is None or value > known[0]:
                        term_best[code] = (value, posting, candidate, how)
            if position == 0 and len(alternative) == 1 and not explain:
                # The word as typed (the first alternative, so nothing is in best yet): the
                # common case, in one pass.
                record_fields = RECORD_FIELDS
                best = {
                    code: (value, "", p[3], p[2] in record_fields and not p[4])
                    for code, (value, p, _, _) in term_best.items()
                }
                continue
            for code, (value, posting, candidate, how) in term_best.items():
                note = _match_note(term, candidate, how, posting.field) if explain else ""
                curated = posting.field in RECORD_FIELDS and not posting.official
                parts[code].append((value, note, posting.head, curated))
        words = len(alternative)
        factor = 1.0 if position == 0 else SYNONYM_FACTOR
        for code, matched in parts.items():
            # A multi-word alternative counts in full only when all its words match.
            if words == 1:
                value, _, head, curated = matched[0]
                value *= factor
            else:
                # (one plain loop: this runs for every code a common word reaches)
                value, head, curated = 0.0, False, True
                for part_value, _, part_head, part_curated in matched:
                    value += part_value
                    head = head or part_head
                    curated = curated and part_curated
                value *= (len(matched) / words) ** 2 * factor / words
            current = best.get(code)
            if current is None or value > current[0]:
                if not explain:
                    best[code] = (value, "", head, curated)
                    continue
                note = "; ".join(m[1] for m in matched)
                if position:
                    label = {
                        "synonym": "lexicon",
                        "named": "lexicon",
                        "unit": "the same amount",
                    }.get(concept.kind, "joined words")
                    note = f"'{concept.text}' means '{' '.join(alternative)}' ({label}): {note}"
                best[code] = (value, note, head, curated)
    return best, concept_weight


def _rescore(
    reader: IndexReader,
    results: Scores,
    coverage: dict[str, float],
    concepts: Sequence[_Concept],
    words: Sequence[str],
    matched: tuple[Mapping[str, set[int]], Sequence[Mapping[str, object]]],
    explain: bool,
    reasons: dict[str, list[str]],
    query: str,
    expansions: Mapping[str, Mapping[str, tuple[float, str]]],
) -> None:
    """The finer checks, for the leaders only (they are the only ones that can change places)."""
    # Per code, the concepts matched in its descriptor head; per concept, the codes it matches.
    heads, by_concept = matched
    leaders = heapq.nsmallest(RESCORED, results, key=lambda c: (-results[c][0], c))
    docs = reader.docs(leaders)
    # The query as typed and, when a word is a typo, as corrected: 'pulmonery rehab' still names
    # the item 'pulmonary rehab' names.
    spellings = list(dict.fromkeys([" ".join(words), " ".join(_corrected(words, expansions))]))
    padded_all = [f" {s} " for s in spellings]
    # Two query words side by side, as they would appear in a text's terms.
    pairs = [
        f" {a} {b} " for s in spellings for a, b in zip(s.split(), s.split()[1:], strict=False)
    ]
    # Every run of two or more words of the query, to find a name the query holds.
    runs = {
        " ".join(split[i:j])
        for split in (s.split() for s in spellings)
        for i in range(len(split))
        for j in range(i + 2, len(split) + 1)
    }
    long_runs = [r for r in runs if r.count(" ") >= 2]
    head_index, head_terms, object_terms = _query_roles(concepts, query)
    # Whether some leader's head noun is the query's: then that code names the item, and a head
    # phrase where the query's words only describe another head ('Tracheostomy tube
    # collar/holder' for 'tracheostomy tube') gets no bonus for holding the query's words,
    # unless the query is also a name of the item, or its last word is one of a slashed pair
    # ('standing frame': 'Standing frame/table system' is a frame or a table).
    head_named = any(
        d.head in head_terms for d in docs.values() if d.kind == "procedure" and d.head
    )
    # 'sugar meter battery' asks for a battery: when some leader is one, a code that matches the
    # other words but not the head word ('Home blood glucose monitor') is not what was asked for.
    # (A head the lexicon knows as a broad word, 'gleevec tablet', 'zofran shot', names a form.)
    head_missing = len(concepts) > 1 and head_named and concepts[head_index].kind != "synonym"
    # What the query asks for, typos corrected ('replacment' asks for a replacement part).
    # (Every word typed counts here, function words too: 'drug, other' asks for a catch-all.)
    typed = {stem(w) for w in "".join(c if c.isalnum() else " " for c in query.lower()).split()}
    asked = (
        set(words) | typed | {t for e in expansions.values() for t, (q, _) in e.items() if q >= 0.5}
    )
    # Amounts typed ('support hose 20-30', 'wheelchair 300 lbs'), matched to the ranges stated.
    amounts_asked: list[Interval] = []
    if any(c.isdigit() for c in query):
        from .quantities import amounts, judge, stated  # (only a number needs it: 1.6 ms)

        amounts_asked = amounts(query)
    # Per concept, every index term it can match (as typed, corrected, or through a synonym).
    concept_terms = [
        {found for alternative in c.alternatives for t in alternative for found in expansions[t]}
        for c in concepts
    ]
    asked_terms = {t for terms in concept_terms for t in terms}
    for code in leaders:
        score, _ = results[code]
        doc = docs.get(code)
        if doc is None:
            continue
        notes: list[str] = []
        texts = doc.phrases.split("|")
        names = texts[2:]
        named = any(s in names for s in spellings)
        if any(s in texts[:2] for s in spellings):
            score *= EXACT_DESCRIPTOR_BONUS
            notes.append("the query is this code's official descriptor, word for word")
        elif named:
            score *= EXACT_NAME_BONUS
            notes.append("the query is a name of this item (record or lexicon)")
        elif len(words) > 1:
            padded = f" {doc.phrases.replace('|', ' | ')} "
            if any(s in doc.phrases for s in spellings):  # (texts hold no '|')
                score *= PHRASE_BONUS
                notes.append("whole phrase found together")
            elif any(n in runs for n in names):
                score *= PHRASE_BONUS
                notes.append("the query names this item (record or lexicon name)")
            elif any(pair in padded for pair in pairs):
                # The longer the stretch of the query found word for word, the more the text says
                # what was asked ('within 30 days after discharge').
                longest = max((len(r.split()) for r in long_runs if f" {r} " in padded), default=2)
                score *= PAIR_BONUS * RUN_BONUS ** (longest - 2)
                notes.append(
                    "two query words found side by side"
                    if longest == 2
                    else f"{longest} query words found together"
                )
        if doc.kind == "procedure" and doc.head:
            if (
                len(words) > 1
                and (named or not head_named or _slashed(words[-1], doc.descriptor))
                and any(p in f" {doc.modifiers} {doc.head} " for p in padded_all)
            ):
                # 'standing frame' in 'Standing frame/table system': the query names the item
                # as the descriptor's head phrase does, whichever of its words is the head.
                score *= HEAD_BONUS
                notes.append("the query is in the descriptor's head phrase (names the item)")
            elif doc.head in head_terms or head_index in heads.get(code, ()):
                score *= HEAD_BONUS
                notes.append("the query's head word names the item (descriptor head)")
            elif doc.head in object_terms:
                score *= OBJECT_FACTOR
                notes.append(f"names the {doc.head} the item asked for is used with, not the item")
            elif head_terms & set(doc.objects.split()):
                score *= OBJECT_FACTOR
                notes.append(f"names a {doc.head} for the item asked for, not the item")
            elif head_terms & set(doc.modifiers.split()):
                score *= MODIFIER_FACTOR
                notes.append(f"names a kind of {doc.head}, not the item asked for")
        amount = judge(amounts_asked, stated(doc.descriptor)) if amounts_asked else 0
        if amount:
            score *= RANGE_BONUS**amount
            notes.append(
                "the amount asked for lies in this code's stated range"
                if amount > 0
                else "the amount asked for is outside this code's stated range"
            )
        found = {i for i, codes in enumerate(by_concept) if code in codes}
        fragments = _fragments(texts, found, concept_terms, asked_terms)
        if fragments:
            score *= FRAGMENT_FACTOR ** len(fragments)
            for index, name in fragments:
                notes.append(f"'{concepts[index].text}' only as part of the lay name '{name}'")
        if head_missing and head_index not in found:
            score *= HEAD_MISSING_FACTOR
            notes.append(f"no '{concepts[head_index].text}': not the item asked for")
        if doc.item_type and asks_for(doc.item_type, asked):
            score *= ASKED_TYPE_BONUS.get(doc.item_type, 1.15)
            notes.append(f"the query asks for this kind of code: {doc.item_type}")
        elif (
            doc.item_type in PART_TYPES
            and doc.head in head_terms
            and _names_what_it_serves(doc, concepts, head_index, found)
        ):
            notes.append(f"the query names this {doc.item_type} and what it serves")
        elif doc.item_type:
            score *= ITEM_PRIOR.get(doc.item_type, 1.0)
            notes.append(f"ranked below the item itself: {doc.item_type}")
        if code[:1] == "S" and doc.kind == "procedure":
            # S codes are temporary national codes that Medicare does not recognise; where a
            # permanent code names the same item, coders report that one.
            score *= TEMPORARY_PRIOR
            notes.append("temporary non-Medicare S code: after permanent codes for the same item")
        # Ties: the code whose descriptor the query covers more of comes first.
        covered = coverage.get(code, 0.0)
        if doc.length:
            score *= 1.0 + 0.02 * min(1.0, len(words) / doc.length) * covered
        if explain and notes:
            reasons[code].extend(notes)
        results[code] = (score, tuple(reasons[code]) if explain else ())


def _fragments(
    texts: Sequence[str], found: set[int], concept_terms: Sequence[set[str]], asked: set[str]
) -> list[tuple[int, str]]:
    """The matched concepts a code matches only through a lay name the query holds a part of,
    and one such name: 'pain' of 'pain medicine pump' (filed 'pump pain medicine') for 'pain
    medicine drip' is a word of another item's name, not a name of this one. A name counts as
    given when the query holds all its words, or its last word, what it names ('leukemia pill'
    for 'oral chemo pills')."""
    if len(texts) <= 2:
        return []  # no lay names
    official = {*texts[0].split(), *texts[1].split()}
    out: list[tuple[int, str]] = []
    names: list[list[str]] | None = None
    for index in sorted(found):
        terms = concept_terms[index]  # (index terms: single words)
        if not terms.isdisjoint(official):
            continue
        if names is None:
            names = [name.split() for name in texts[2:]]
        holding = [name for name in names if terms.intersection(name)]
        if holding and not any(set(n) <= asked or n[-1] in terms for n in holding):
            out.append((index, " ".join(holding[0])))
    return out


def _names_what_it_serves(
    doc: Doc, concepts: Sequence[_Concept], head_index: int, found: set[int]
) -> bool:
    """Whether the query, besides naming a part's head ('battery'), names something the part
    matches outside its head phrase, what it serves: 'sugar meter battery' for 'Replacement
    battery, ..., for use with ... home blood glucose monitor' asks for the battery. A query the
    head phrase holds ('elevating leg rest' in 'Elevating legrest, lower extension tube,
    replacement only') asks for the item itself."""
    phrase = set(doc.modifiers.split()) | {doc.head}
    return any(
        index != head_index
        and not any(set(alternative) <= phrase for alternative in concepts[index].alternatives)
        for index in found
    )


def _slashed(word: str, descriptor: str) -> bool:
    """Whether ``word`` (a stem) is the first of a slashed pair in the descriptor ('frame/table')."""
    return re.search(rf"\b{re.escape(word)}[a-z]*/", descriptor.lower()) is not None


def _corrected(
    words: Sequence[str], expansions: Mapping[str, Mapping[str, tuple[float, str]]]
) -> list[str]:
    """The query's words with each word the index does not know replaced by its best typo
    correction (a known word, or one with none, is kept as typed)."""
    out = []
    for word in words:
        found = expansions.get(word, {})
        fixes = [(q, t) for t, (q, how) in found.items() if how == "typo correction"]
        out.append(max(fixes)[1] if fixes and word not in found else word)
    return out


def _query_roles(concepts: Sequence[_Concept], query: str) -> tuple[int, set[str], set[str]]:
    """The terms the query's head noun stands for (its concept's words and synonyms), and the
    words of what the query says the item is for ('liner for prosthesis' -> liner; prosthesis).
    The head is the last word before 'for', 'with', 'after'...; else the last concept."""
    parts = roles(query)
    index = next(
        (i for i, c in enumerate(concepts) if parts.head and parts.head in c.alternatives[0]),
        len(concepts) - 1,
    )
    head = {t for alternative in concepts[index].alternatives for t in alternative}
    return index, head, set(parts.objects)


__all__ = ["Hit", "SearchResult", "search", "osa_similarity", "STOPWORDS", "analyze"]
