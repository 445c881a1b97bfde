"""The search index: building it, storing it, loading it, noticing damage and rebuilding.

One index per held release (``cache/index-LABEL.sqlite``), or one for the bundled records alone
(``cache/index-bundled.sqlite``). It is built when a release is imported, or on first use, and
rebuilt whenever its key (index version, release checksum, bundled data and user records) no longer
matches, or when a query finds it damaged. A data directory that cannot be written gets its index
in memory for the run.

What it holds, per code: the official descriptors, the bundled or user record's searchable fields,
the lay terms the lexicon attaches, the acronyms mined from the release, the Level II section
heading, and an item-type prior (accessory, replacement part, add-on, not otherwise classified...).
Per term: postings (code, BM25 weight, field, in the descriptor's head or not). Near-miss keys (the
term with one, and for long terms two, characters deleted) find typo candidates without scanning
the vocabulary.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import bundle
from .status import record_is_newer
from .tokens import analyze, query_terms, roles, root

if TYPE_CHECKING:
    from .records import Record
    from .store import ReleaseDB, Store

# Part of every stored index's key: change it whenever what is indexed or how it is weighed changes.
INDEX_VERSION = "58"

# Field key -> (boost, label shown by --explain, evidence strength once scores are scaled).
FIELDS: dict[str, tuple[float, str, float]] = {
    "l": (1.0, "descriptor", 1.0),
    "s": (0.75, "short descriptor", 0.85),
    "n": (1.1, "record common name", 0.9),
    "a": (1.3, "record abbreviation", 0.9),
    "k": (0.85, "record keyword", 0.8),
    "c": (0.3, "record category", 0.4),
    "u": (0.25, "record summary", 0.3),
    "x": (0.9, "lexicon", 0.85),
    "y": (0.9, "lexicon (past the head)", 0.7),
    "b": (1.0, "abbreviation mined from the release", 0.9),
    "e": (0.5, "descriptor's examples (e.g.)", 0.6),
    "r": (0.5, "descriptor, after 'reason(s) for not'", 0.6),
    "z": (0.5, "lexicon, after 'reason(s) for not'", 0.6),
    "t": (0.3, "section heading", 0.35),
}
OFFICIAL_FIELDS = frozenset("ls")
_FIELD_KEYS = {key: key for key in FIELDS}  # a stored field key, checked in one look-up
_IN_HEAD = frozenset({"1", "3"})  # a posting's stored flags (see write)
_OFFICIAL = frozenset({"2", "3"})
# The share of a match's value that does not depend on its BM25 weight (the rest scales with the
# weight relative to the term's best code): the search scores by it, and the index keeps, per code,
# the field this scoring values most.
FLAT_SHARE = 0.7
RECORD_FIELDS = frozenset("nkcu")  # a record's curated names, keywords, category, summary
K1, B = 1.2, 0.75
LONG_TERM = 8  # terms this long also get two-deletion near-miss keys
ABBREVIATION_REACH = 80
PARSED_TERMS = 1000  # terms whose parsed postings an open index keeps (see Index.postings)


class Doc(NamedTuple):
    """What the index knows of one code (the rows the search reads back)."""

    code: str
    kind: str  # procedure | modifier
    descriptor: str
    short_descriptor: str
    add_date: str | None = None
    termination_date: str | None = None
    in_release: bool = True
    names: str = ""  # a record's common names and the lexicon's lay terms, "|"-separated
    item_type: str = ""  # accessory, replacement, add-on, ... ('' for a main item)
    length: int = 0  # descriptor words (for ties: a query covering more of it ranks first)
    head: str = ""  # the descriptor's head noun ('Commode chair, ...' -> chair)
    modifiers: str = ""  # the words of its head phrase before the head, in order
    objects: str = ""  # the words of what the item is for or part of ('... for insulin pump')
    # The descriptor, short descriptor and names as query terms, "|"-separated in that order:
    # worked out when the index is built, so phrase checks at query time only split strings.
    phrases: str = ""


class Posting(NamedTuple):
    code: str
    weight: float
    field: str  # the field kept: the one the search values most
    head: bool  # the term is in the descriptor's head
    official: bool = False  # the term is in the official descriptors, whichever field was kept


# -- item types --------------------------------------------------------------------------------
# (type, words in a descriptor that make it so, query words that ask for it)
ITEM_TYPES: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("add-on", ("list separately in addition",), frozenset({"addon", "add", "additional"})),
    (
        "not otherwise classified",
        (
            "not otherwise classified",
            "not otherwise specified",
            "unlisted",
            "unclassified",
            ", noc",
            ", other type",
            "miscellaneous",
        ),
        frozenset({"noc", "nos", "unlisted", "unclassified", "miscellaneous", "other"}),
    ),
    (
        # Quality data codes (most G8000-G9999 and M codes): they report that something was
        # documented or why it was not done; they are not the service or item itself.
        "quality report",
        (
            "documented",
            "documentation of",
            "reason(s)",
            "performance met",
            "not performed",
            # what was ordered or prescribed for a patient ('Rh-immunoglobulin (rhogam) ordered');
            # not 'prescribed amount' or 'prescribed flow rate' (oxygen equipment)
            " ordered",
            "or previously received",
            "not prescribed",
            "prescribed as",
            "prescribed at",
            "prescribed within",
            "prescribed/",
        ),
        frozenset(
            {
                "document",
                "documented",
                "documentation",
                "report",
                "reported",
                "reporting",
                "review",
                "reviewed",
                "recorded",
                "tracked",
                "assessed",
                "score",
                "measure",
                "measured",
                "quality",
                "reason",
                # why something was not done: these codes report the patient's refusal
                "declined",
                "decline",
                "refused",
                "refuse",
                "refusal",
                "mip",
                "pqr",
            }
        ),
    ),
    (
        "noncovered",
        ("non-covered", "noncovered", "not covered"),
        frozenset({"noncovered", "covered"}),
    ),
    (
        "replacement part",
        ("replacement", "replace ", "repair"),
        frozenset({"replacement", "replace", "repair", "part", "spare"}),
    ),
    (
        "accessory",
        (
            "accessory",
            "accessories",
            "for use with",
            "used with",
            "attachment",
            "add-on to",
            "addition to",
            "extremity addition",  # 'Upper extremity addition, test socket, ...'
            "shoe addition",  # 'Orthopedic shoe addition, insole, leather'
        ),
        frozenset({"accessory", "attachment", "part", "addition"}),
    ),
    (
        "supply",
        ("supplies", "supply allowance", "supply kit", "refill", "contents"),
        frozenset({"supply", "refill", "content", "kit"}),
    ),
    (
        "component only",
        (" only",),
        frozenset({"only", "part", "component"}),
    ),
)
ITEM_PRIOR = {
    "add-on": 0.8,
    "not otherwise classified": 0.75,
    "noncovered": 0.85,
    "quality report": 0.9,
    "replacement part": 0.6,
    "accessory": 0.8,
    "supply": 0.85,
    "component only": 0.85,
}


# Kinds of code that are a part of, or go with, another item.
PART_TYPES = frozenset({"replacement part", "accessory", "supply", "component only"})
_WHOLE_TEXT_TYPES = frozenset(
    {"add-on", "not otherwise classified", "noncovered", "quality report"}
)
# Clauses that list what an item includes, or say whom it is for ('For diabetics only'): they do
# not say what kind of item it is.
_INCLUSION = re.compile(
    r"^\s*(?:includes|including|e\.g|with or without|such as|for(?! replacement))\b"
)


# A trailing 'X and Y only' names the part of a service the code covers: ', room and board only',
# ', interpretation and report only', ', collection and handling only'.
_PART_ONLY = re.compile(r"\s*[a-z-]+ and [a-z-]+ only\s*")


def item_type(descriptor: str) -> str:
    """What kind of item a descriptor names, when it is not the main item itself.

    Add-on, not-otherwise-classified and noncovered markers count anywhere; the others only in
    the head clause, a short trailing qualifier (', replacement only') or a clause that opens with
    it (', replacement for use with patient owned equipment'), never inside a list of
    what the item includes ('... includes container, contents, supplies')."""
    lower = f" {descriptor.lower()}"
    clauses = re.split(r"[,;:()]", lower)
    # A one-word first clause ('Services, supplies and accessories used ...') heads with the next.
    heads = 2 if len(clauses) > 1 and len(clauses[0].split()) <= 1 else 1
    named = " ".join(
        c
        for i, c in enumerate(clauses)
        if not _INCLUSION.match(c)
        and (
            i < heads
            or len(c.split()) <= 3
            or c.lstrip().startswith(("replacement", "replace "))
            or _PART_ONLY.fullmatch(c) is not None
        )
    )
    for name, markers, _ in ITEM_TYPES:
        text = lower if name in _WHOLE_TEXT_TYPES else f" {named} "
        if any(marker in text for marker in markers):
            return name
    return ""


_ASKED_BY = {name: words for name, _, words in ITEM_TYPES}


def asks_for(name: str, query_words: Iterable[str]) -> bool:
    """Whether the query's words ask for this item type (then it is not ranked down)."""
    return bool(_ASKED_BY.get(name, frozenset()) & set(query_words))


# -- building -----------------------------------------------------------------------------------
class Source(NamedTuple):
    """A document to index: its row, and its searchable text by field key."""

    doc: Doc
    fields: Mapping[str, str]


def _position_factor(position: int) -> float:
    """Words at the head of a descriptor name the thing; later ones often name what it is used with
    ('Footrest, for use with commode chair')."""
    return 1.0 if position <= 1 else max(0.65, 0.88 - 0.03 * (position - 2))


def deletions(term: str) -> set[str]:
    """The term with one character removed, every way."""
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


def near_keys(term: str) -> set[str]:
    """The keys under which a term is filed for near misses: itself, its one-deletion variants
    and, for long terms, its two-deletion variants."""
    keys = {term} | deletions(term)
    if len(term) >= LONG_TERM:
        keys |= {d2 for d1 in deletions(term) for d2 in deletions(d1)}
    return keys


def _key_hash(key: str) -> int:
    import zlib

    return zlib.crc32(key.encode())


def build_postings(sources: Sequence[Source]) -> dict[str, list[Posting]]:
    """term -> postings, best field per code, BM25-weighted."""
    lengths: dict[str, list[int]] = defaultdict(list)
    # term -> code -> [(field, field length, position factor, head)]
    occurrences: dict[str, dict[str, list[tuple[str, int, float, bool]]]] = defaultdict(dict)
    for source in sources:
        code = source.doc.code
        for key, text in source.fields.items():
            if not text:
                continue
            if key in OFFICIAL_FIELDS:
                tokens, extra = analyze(text)
                # The head noun names the item; short descriptors are clipped labels, so only the
                # long descriptor's head counts.
                noun = roles(text).head if key == "l" else None
                # A negated word is filed as '!word': only a query that negates it finds it.
                kept = [
                    (f"!{t.term}" if t.negated else t.term, t.position, t.term == noun)
                    for t in tokens
                    if not t.example
                ]
                kept += [(term, len(tokens), False) for term in extra]
                size = len(tokens)
                # Words of an '(e.g., ...)' list name instances, not the code: a weaker field;
                # so, unnegated, do the words after 'reason(s) for not': what the code is about.
                for weak, named in (
                    ("e", [t.term for t in tokens if t.example and not t.negated]),
                    ("r", [t.term for t in tokens if t.topic]),
                ):
                    if named:
                        lengths[weak].append(len(named))
                        for term in named:
                            occurrences[term].setdefault(code, []).append(
                                (weak, len(named), 1.0, False)
                            )
            else:
                # Names, keywords and lay terms, each read as a query is: a word after 'not' or
                # 'without' in 'med list not reviewed' is filed as negated, as in a descriptor.
                words = [w for name in text.split("|") for w in query_terms(name)]
                kept = [(w, i, False) for i, w in enumerate(words)]
                size = len(words)
            if not kept:
                continue
            lengths[key].append(size)
            first: dict[str, tuple[int, bool]] = {}
            for term, position, head in kept:
                if term not in first:
                    first[term] = (position, head)
                elif head and not first[term][1]:
                    first[term] = (first[term][0], True)
            for term, (position, head) in first.items():
                factor = _position_factor(position) if key in OFFICIAL_FIELDS else 1.0
                occurrences[term].setdefault(code, []).append((key, size, factor, head))
    count = len(sources)
    average = {k: sum(v) / len(v) for k, v in lengths.items()}
    index: dict[str, list[Posting]] = {}
    for term, codes in occurrences.items():
        idf = math.log(1 + (count - len(codes) + 0.5) / (len(codes) + 0.5))
        weighed = {
            code: [
                (_weight(idf, k, length, average[k], factor), k) for k, length, factor, _ in places
            ]
            for code, places in codes.items()
        }
        top = max(w for found in weighed.values() for w, _ in found) or 1.0
        postings = []
        for code, found in weighed.items():
            # The field kept is the one the search will value most (see search._score_concept):
            # the official descriptor's evidence, not a curated field's larger raw weight.
            weight, key = max(
                found,
                key=lambda wk: FIELDS[wk[1]][2] * (FLAT_SHARE + (1 - FLAT_SHARE) * wk[0] / top),
            )
            head = any(h for k, _, _, h in codes[code] if k in OFFICIAL_FIELDS)
            official = any(k in OFFICIAL_FIELDS for k, _, _, _ in codes[code])
            postings.append(Posting(code, round(weight, 4), key, head, official))
        index[term] = postings
    return index


def _weight(idf: float, key: str, length: int, average: float, factor: float) -> float:
    """BM25 for the official descriptors (short descriptors that say a word say it strongly);
    curated fields (records, lexicon, headings) get a fixed term-frequency part instead, so that a
    short curated list can never outweigh the official wording of a better code."""
    boost = FIELDS[key][0]
    if key not in OFFICIAL_FIELDS:
        return idf * boost
    return idf * (K1 + 1) / (1 + K1 * (1 - B + B * length / average)) * boost * factor


class Built(NamedTuple):
    sources: list[Source]
    synonyms: dict[str, list[tuple[str, ...]]]
    uses: list[tuple[str, str, str, str]]  # (modifier, code, its meaning, when it is reported)
    lexicon_unmatched: int


def gather(
    release: ReleaseDB | None, records: Mapping[str, Record], cache: Path | None = None
) -> Built:
    """Everything to index: release codes, records, lexicon, mined abbreviations, sections."""
    from . import abbreviations, lexicon
    from .sections import heading

    rows: dict[str, Doc] = {}
    if release is not None:
        for row in release.rows():
            rows[row.code] = row
    extra: dict[str, dict[str, str]] = defaultdict(dict)
    effective = release.effective if release is not None else None
    for code, record in records.items():
        base = rows.get(code)
        # A record checked against a newer release knows of a later termination (G2070).
        later = base is not None and record_is_newer(record, effective)
        if base is not None and later and record.termination_date and not base.termination_date:
            base = base._replace(termination_date=record.termination_date)
        if base is None:
            base = Doc(
                code,
                "procedure",
                record.descriptor,
                record.short_descriptor,
                record.add_date,
                record.termination_date,
                in_release=release is None,
            )
        rows[code] = base._replace(names=" | ".join((*record.common_names, *record.abbreviations)))
        extra[code].update(
            {
                "n": " | ".join(record.common_names),
                "a": " ".join(record.abbreviations),
                "k": " | ".join(record.keywords),
                "c": record.category,
                "u": record.summary,
            }
        )
    procedures = {c: d for c, d in rows.items() if d.kind == "procedure"}
    texts: dict[str, list[list[str]]] = {}
    items: dict[str, list[str]] = {}
    heads: dict[str, list[str]] = {}
    nouns: dict[str, tuple[str, tuple[str, ...], bool]] = {}
    topics: dict[str, list[list[str]]] = {}
    for code, doc in procedures.items():
        parts = roles(doc.descriptor)
        nouns[code] = (parts.head, parts.modifiers, item_type(doc.descriptor) in PART_TYPES)
        texts[code] = [
            lexicon.match_words(doc.descriptor),
            lexicon.match_words(doc.short_descriptor),
        ]
        items[code] = lexicon.item_words(doc.descriptor)
        heads[code] = lexicon.head_words(doc.descriptor)
        topic = [t.term for t in analyze(doc.descriptor)[0] if t.topic]
        if topic:
            topics[code] = [topic]
    matcher = lexicon.Matcher(texts, items, heads, nouns)
    compiled = lexicon.compile_lexicon(lexicon.prepared(cache), matcher, lexicon.Matcher(topics))
    for code, terms in compiled.topical.items():
        extra[code]["z"] = " | ".join(terms)
    for code, attached in compiled.attached.items():
        # A term that names the item through one wording and reaches it past the head through
        # another is the item's name: filed once, under the stronger field.
        home_terms = [t for t, h in attached if h]
        away_terms = [t for t, h in attached if not h and t not in home_terms]
        for key, terms in (("x", home_terms), ("y", away_terms)):
            if terms:
                extra[code][key] = " | ".join(terms)
        if code in rows:
            lay = " | ".join(t for t, _ in attached)
            names = rows[code].names
            rows[code] = rows[code]._replace(names=f"{names} | {lay}" if names else lay)

    if release is not None:
        mined = abbreviations.mine(
            (d.descriptor, d.short_descriptor) for d in procedures.values() if d.in_release
        )
        for code, acronyms in abbreviations.attach(mined, matcher, ABBREVIATION_REACH).items():
            extra[code]["b"] = " ".join(acronyms)
    sources = []
    for code, doc in sorted(rows.items()):
        fields = {"l": doc.descriptor, "s": doc.short_descriptor, **extra.get(code, {})}
        if doc.kind == "procedure":
            fields["t"] = heading(code)
        tokens, _ = analyze(doc.descriptor)
        parts = roles(doc.descriptor)
        row = doc._replace(
            item_type=item_type(doc.descriptor),
            length=len(tokens),
            head=parts.head,
            modifiers=" ".join(parts.modifiers),
            objects=" ".join(sorted(parts.objects)),
        )
        sources.append(Source(row, fields))
    uses = [
        (m.code, r.code, m.meaning, m.use) for r in records.values() for m in r.billing.modifiers
    ]
    return Built(sources, compiled.synonyms, uses, len(compiled.unmatched))


def write(conn: sqlite3.Connection, built: Built, key: str) -> sqlite3.Connection:
    postings = build_postings(built.sources)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("CREATE TABLE terms (id INTEGER PRIMARY KEY, term TEXT UNIQUE, postings TEXT)")
    # Near-miss keys as 32-bit checksums: a collision only adds a candidate, which the search
    # then measures and drops; the table stays a fraction of the size of text keys.
    conn.execute("CREATE TABLE near (key INTEGER, id INTEGER, PRIMARY KEY (key, id)) WITHOUT ROWID")
    conn.execute("CREATE TABLE synonyms (phrase TEXT PRIMARY KEY, alternatives TEXT)")
    conn.execute(
        "CREATE TABLE docs (code TEXT PRIMARY KEY, kind TEXT, descriptor TEXT, short TEXT,"
        " add_date TEXT, termination_date TEXT, in_release INTEGER, names TEXT, item_type TEXT,"
        " length INTEGER, head TEXT, modifiers TEXT, objects TEXT, phrases TEXT)"
    )
    conn.execute("CREATE TABLE modifier_use (modifier TEXT, code TEXT, meaning TEXT, use TEXT)")
    # Postings are stored as text: "code weight field flags;..." (codes and fields hold no
    # spaces; flags: 1 in the head, 2 in the official descriptors, 3 both).
    ordered = sorted(postings)
    conn.executemany(
        "INSERT INTO terms VALUES (?, ?, ?)",
        (
            (
                i,
                t,
                ";".join(
                    f"{p.code} {p.weight} {p.field} {int(p.head) + 2 * int(p.official)}"
                    for p in postings[t]
                ),
            )
            for i, t in enumerate(ordered)
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO near VALUES (?, ?)",
        (
            (_key_hash(k), i)
            for i, term in enumerate(ordered)
            if len(term) >= 3 and not term.startswith("!")
            for k in near_keys(term) | {f"~{root(term)}"}
        ),
    )
    conn.executemany(
        "INSERT INTO synonyms VALUES (?, ?)",
        ((p, "|".join(" ".join(a) for a in alts)) for p, alts in built.synonyms.items()),
    )
    conn.executemany("INSERT INTO modifier_use VALUES (?, ?, ?, ?)", built.uses)
    conn.execute("CREATE INDEX modifier_use_key ON modifier_use (modifier)")
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                d.code,
                d.kind,
                d.descriptor,
                d.short_descriptor,
                d.add_date,
                d.termination_date,
                int(d.in_release),
                d.names,
                d.item_type,
                d.length,
                d.head,
                d.modifiers,
                d.objects,
                phrases_of(d),
            )
            for d in (s.doc for s in built.sources)
        ),
    )
    meta = {
        "key": key,
        "terms": str(len(postings)),
        "documents": str(len(built.sources)),
        "lexicon_unmatched": str(built.lexicon_unmatched),
    }
    conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    conn.commit()
    return conn


# -- reading ------------------------------------------------------------------------------------
def _select_in(
    conn: sqlite3.Connection, sql: str, values: Iterable[str | int]
) -> Iterator[tuple[object, ...]]:
    """Rows of ``sql`` (with one ``{marks}`` placeholder) for ``values``, 500 at a time."""
    wanted = list(values)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def _doc(row: Sequence[object]) -> Doc:
    code, kind, descriptor, short, add, term, in_release, names, item, length = row[:10]
    head, modifiers, objects, phrases = row[10:14]
    return Doc(
        str(code),
        str(kind),
        str(descriptor),
        str(short),
        add if isinstance(add, str) else None,
        term if isinstance(term, str) else None,
        bool(in_release),
        str(names or ""),
        str(item or ""),
        int(length) if isinstance(length, int) else 0,
        str(head or ""),
        str(modifiers or ""),
        str(objects or ""),
        str(phrases or ""),
    )


_DOC_COLUMNS = (
    "code, kind, descriptor, short, add_date, termination_date, in_release, names, item_type,"
    " length, head, modifiers, objects, phrases"
)


def phrases_of(doc: Doc) -> str:
    """``Doc.phrases``: each text as its query terms, joined by spaces; texts joined by '|'."""
    from .tokens import query_terms

    names = [n for n in doc.names.split("|") if n.strip()]
    texts = (doc.descriptor, doc.short_descriptor, *names)
    return "|".join(" ".join(query_terms(t)).replace("|", " ") for t in texts)


class Index:
    """A stored search index, read-only (implements ``search.IndexReader``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path
        self._parsed: dict[str, list[Posting]] = {}
        self._docs: dict[str, Doc] = {}

    @cached_property
    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.conn.execute("SELECT key, value FROM meta")}

    def prefixed(self, term: str, limit: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT term FROM terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
            (term, term + "\uffff", limit),
        )
        return [str(r[0]) for r in rows]

    def has(self, term: str) -> bool:
        return self.prefixed(term, 1) == [term]

    def size(self) -> int:
        """How many codes the index holds."""
        return int(self.meta.get("documents", "0"))

    def near(self, term: str) -> list[str]:
        """Index terms that may be within two edits of ``term``, or other forms of it (filed under
        its root): the search measures which they are."""
        sql = (
            "SELECT DISTINCT terms.term FROM near JOIN terms ON terms.id = near.id"
            " WHERE near.key IN ({marks})"
        )
        keys = sorted({_key_hash(k) for k in near_keys(term) | {f"~{root(term)}"}})
        return [str(r[0]) for r in _select_in(self.conn, sql, keys)]

    def postings(self, terms: Iterable[str]) -> dict[str, list[Posting]]:
        """The postings of ``terms``; a long-running process (a server) keeps the parsed lists
        of the terms it used last, so common words are not parsed again for every query."""
        wanted = set(terms)
        parsed = self._parsed
        out = {t: parsed.pop(t) for t in wanted if t in parsed}
        parsed.update(out)  # used again: now the newest
        sql = "SELECT term, postings FROM terms WHERE term IN ({marks})"
        make = Posting._make
        for term, raw in _select_in(self.conn, sql, wanted.difference(out)):
            # "code weight field flags;..." (a common word has thousands: one pass, no branches)
            rows = [
                make(
                    (
                        code,
                        float(weight),
                        _FIELD_KEYS.get(key, "l"),
                        flags in _IN_HEAD,
                        flags in _OFFICIAL,
                    )
                )
                for code, weight, key, flags in map(str.split, str(raw).split(";"))
            ]
            out[str(term)] = rows
            if parsed and len(parsed) >= PARSED_TERMS:
                del parsed[next(iter(parsed))]  # the least recently used
            parsed[str(term)] = rows
        return out

    def synonyms(self, phrases: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
        sql = "SELECT phrase, alternatives FROM synonyms WHERE phrase IN ({marks})"
        return {
            str(phrase): [tuple(a.split()) for a in str(alts).split("|") if a]
            for phrase, alts in _select_in(self.conn, sql, phrases)
        }

    def docs(self, codes: Iterable[str]) -> dict[str, Doc]:
        """The rows of ``codes`` (an open index keeps those it has read: the data never
        changes under it, and the leaders of one search are often those of the next)."""
        wanted = set(codes)
        out = {c: self._docs[c] for c in wanted if c in self._docs}
        sql = f"SELECT {_DOC_COLUMNS} FROM docs WHERE code IN ({{marks}})"
        for row in _select_in(self.conn, sql, wanted.difference(out)):
            doc = _doc(row)
            out[doc.code] = self._docs[doc.code] = doc
        return out

    def listing(self, prefix: str, kind: str | None = "procedure", limit: int = 0) -> list[Doc]:
        """Codes starting with ``prefix``, in order."""
        sql = f"SELECT {_DOC_COLUMNS} FROM docs WHERE code >= ? AND code < ?"
        args: list[object] = [prefix, prefix + "\uffff"]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        sql += " ORDER BY code"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [_doc(row) for row in self.conn.execute(sql, args)]

    def modifier_uses(self, modifier: str) -> list[tuple[str, str, str]]:
        """(code, the modifier's meaning, when it is used) for the records that list it."""
        rows = self.conn.execute(
            "SELECT code, meaning, use FROM modifier_use WHERE modifier = ? ORDER BY code",
            (modifier,),
        )
        return [(str(c), str(m), str(u)) for c, m, u in rows]

    def codes_between(self, low: str, high: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT code FROM docs WHERE code >= ? AND code <= ? ORDER BY code", (low, high)
        )
        return [str(r[0]) for r in rows]


# -- storing, loading, rebuilding ---------------------------------------------------------------
def records_for_index(root: Path) -> dict[str, Record]:
    """The bundled records with the user's own applied (a broken user file is skipped)."""
    from .user_records import apply, user_codes

    cache = root / "cache" / "records"
    records = {}
    for code in bundle.bundled_codes():
        record = bundle.get_record(code, cache)
        if record is not None:
            records[code] = record
    for code in user_codes(root):
        merged, _ = apply(code, records.get(code), root)
        if merged is not None:
            records[code] = merged
    return records


def _key(release: ReleaseDB | None, root: Path) -> tuple[str, str]:
    from .user_records import fingerprint as user_fingerprint

    fingerprint = f"{bundle.fingerprint()}+{user_fingerprint(root)}"
    if release is None:
        return f"{INDEX_VERSION}:bundled:{fingerprint}", "index-bundled.sqlite"
    return (
        f"{INDEX_VERSION}:{release.meta['sha256']}:{fingerprint}",
        f"index-{release.label}.sqlite",
    )


def index_path(store: Store, label: str | None) -> Path:
    return store.cache_dir / (f"index-{label}.sqlite" if label else "index-bundled.sqlite")


def open_index(store: Store, release: ReleaseDB | None, rebuild: bool = False) -> Index:
    """The index for ``release`` (None: the bundled records alone), built if missing, stale or
    damaged; held in memory when the data directory cannot be written."""
    key, name = _key(release, store.root)
    path = store.cache_dir / name
    if not rebuild:
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
                if row is not None and row[0] == key:
                    return Index(conn, path)
            except sqlite3.Error:
                pass
            conn.close()
        except sqlite3.Error:
            pass
    built = gather(release, records_for_index(store.root), store.cache_dir)
    try:
        store.cache_dir.mkdir(parents=True, exist_ok=True)
        store.clean_leftovers()
        import tempfile

        fd, tmp_name = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=store.cache_dir)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            write(sqlite3.connect(tmp), built, key).close()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return Index(sqlite3.connect(f"file:{path}?mode=ro", uri=True), path)
    except (OSError, sqlite3.Error):
        # A read-only or full disk still serves searches, from an index kept in memory.
        return Index(write(sqlite3.connect(":memory:"), built, key))


def remove_index(store: Store, label: str) -> None:
    with contextlib.suppress(OSError):
        index_path(store, label).unlink()
