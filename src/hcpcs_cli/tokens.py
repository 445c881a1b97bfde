"""Words for search: the one tokenizer and stemmer that the index and every query share.

- Lower case, letters and digits; small function words dropped; plurals folded (``therapies``,
  ``boxes``, ``lenses``, ``feet``).
- A hyphenated word with a bound prefix is one word (``sub-acute``, ``semi-electric``,
  ``non-emergency``), so a query for ``acute`` is not credited inside ``sub-acute``; other hyphenated
  words (``wheelchair-mounted``, ``x-ray``) are their parts and, in the index, also the joined word.
- ``analyze`` marks, for a descriptor, the words of its head (before the first comma, semicolon,
  parenthesis or "for", "with", "per"...) and the words inside a negation ("without ...",
  "other than ...", "except ...") up to the next punctuation: those never earn credit, except
  from a query that negates them too; what comes "with or without" is filed both ways.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

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
        "each",
        "etc",
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
        "other",
        "per",
        "s",
        "than",
        "the",
        "to",
        "via",
        "with",
        "any",
        "include",
        "includes",
        "including",
        # pronouns and relative words: everyday queries are full of them ("a chair that helps
        # you stand"), descriptors use them only as glue
        "that",
        "this",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "you",
        "your",
        "my",
        "me",
        "we",
        "our",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        # placeholders for what the asker cannot name ("a thing to check blood sugar"): never in
        # a descriptor, so as query words they only found typo matches ('thin', 'sling')
        "thing",
        "things",
        "something",
        "anything",
        "stuff",
    ]
)
# First parts that make one word with what follows ("non-emergency" is not "emergency").
BOUND_PREFIXES = frozenset(
    [
        "non",
        "sub",
        "semi",
        "pre",
        "post",
        "anti",
        "multi",
        "bi",
        "tri",
        "uni",
        "intra",
        "inter",
        "extra",
        "hemi",
        "hyper",
        "hypo",
        "micro",
        "mini",
        "ultra",
        "pseudo",
        "quasi",
        "re",
        "co",
        "de",
        "un",
        "trans",
        "peri",
        "para",
        "poly",
        "mono",
    ]
)
_IRREGULAR = {
    # Words whose singular ends in s are their own stem ('lens' must not become 'len' while
    # 'lenses' becomes 'lens').
    "lens": "lens",
    "canvas": "canvas",
    "bias": "bias",
    "pancreas": "pancreas",
    "atlas": "atlas",
    "lenses": "lens",
    "prostheses": "prosthesis",
    "orthoses": "orthosis",
    "diagnoses": "diagnosis",
    "analyses": "analysis",
    "anastomoses": "anastomosis",
    "crises": "crisis",
    "metastases": "metastasis",
    "feet": "foot",
    "teeth": "tooth",
    "children": "child",
    "women": "woman",
    "men": "man",
    "mice": "mouse",
    "geese": "goose",
    "indices": "index",
    "appendices": "appendix",
    "vertebrae": "vertebra",
    "buses": "bus",
    "gases": "gas",
    "biases": "bias",
    "canvases": "canvas",
    "goes": "go",
    "does": "do",
}
_KEEP_S = ("ss", "us", "is", "ous", "sis", "xis", "ics")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Roman numerals as people type them, in digits ('stage iii' -> 'stage 3', 'factor viii' ->
# 'factor 8'): after a word that counts kinds, or of two letters or more ('iv' stays
# intravenous, 'i' in 'iodine i-131' an element).
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}
_NUMERAL = re.compile(
    r"\b(?:(?<=stage )|(?<=type )|(?<=phase )|(?<=level )|(?<=class )|(?<=grade )|(?<=group )"
    r"|(?<=factor )|(?<=tier ))(?:i|ii|iii|iv|v|vi|vii|viii)\b(?!-)|\b(?:ii|iii|vii|viii)\b(?!-)"
)


# A unit typed against its number ('10mg', '1000cc', '20min'): two words, as descriptors mostly
# print them. (Ordinals, '3d' and letters that name a kind, '1a', stay as they are.)
_GLUED_UNIT = re.compile(
    r"(?<![a-z0-9.])(\d+(?:\.\d+)?)(mg|mcg|meq|ml|cc|kg|gm?|grams?|lbs?|oz|iu|units?|mci|uci|kcal"
    r"|cm|mm|min|mins|minutes?|hrs?|hours?|days?|wks?|weeks?|mos?|months?|yrs?|years?)\b"
)


# Slashed shorthand of short descriptors and coders' notes, in words ('w/o' negates what
# follows); 'w/c' (wheelchair) and 'd/c' (discharge or discontinue) stay as they are.
_SLASHED = {"w/o": "without ", "w/wo": "with or without ", "w/in": "within ", "f/u": "follow-up "}
_SLASH = re.compile(r"\b(?:w/o|w/wo|w/in|f/u)\b\s*|\bw/(?!c\b)\s*")


def read_alike(text: str) -> str:
    """``text`` (lower case) read alike on both sides: roman numerals in digits ('type iii' ->
    'type 3'), units apart from their number ('10mg' -> '10 mg'), slashed shorthand in words
    ('w/o border' -> 'without border', 'w/bdr' -> 'with bdr')."""
    if "i" in text or "v" in text:
        text = _NUMERAL.sub(lambda m: _ROMAN[m.group()], text)
    if "/" in text:
        text = _SLASH.sub(lambda m: _SLASHED.get(m.group().strip(), "with "), text)
    return _GLUED_UNIT.sub(r"\1 \2", text)


# Where a descriptor's head ends, and what starts a negated stretch.
_BREAK = re.compile(r"[,;:()\[\]]")
_HEAD_END = frozenset(
    "for with per used includes including when that which to of in on by from after before"
    " during at while under via who whose prior through into within until".split()
)
# Words after which the rest of the first clause names what the item is for, or is part of.
_OBJECT_START = frozenset("for to with of used in on".split())
_NEGATION = re.compile(
    r"\b(?:without|other than|except|excluding|excludes|never|neither|no|not(?! otherwise| limited))\b"
)
# Words that only signal a negation: they are not themselves searchable.
NEGATION_CUES = frozenset(
    ["without", "other", "except", "excluding", "excludes", "never", "neither", "no", "not"]
)
_WITH_OR_WITHOUT = re.compile(r"\bwith or without\b")
_REASON_FOR = re.compile(r"\breasons?(?:\(s\))? for\s*$")
# What an accessory, supply or part is for: 'Tubing, used with suction pump' serves a pump.
_OBJECT_TRIGGER = re.compile(
    r"\b(?:for use (?:with|in|on)|used (?:with|in|on)|to be used with|addition to)\b"
)


def stem(word: str) -> str:
    """A light plural stemmer: services -> service, therapies -> therapy, boxes -> box."""
    irregular = _IRREGULAR.get(word)
    if irregular:
        return irregular
    if len(word) <= 3 or word[-1] != "s" or word[-2:].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith(("ches", "shes", "xes", "zzes")):
        return word[:-2]
    if word.endswith(_KEEP_S):
        return word
    return word[:-1]


# Derivational endings, longest first: what is left when they are taken off is a word's root, shared
# by its forms ('certifying', 'certification' -> 'certif'; 'removed', 'removal' -> 'remov').
_ENDINGS = tuple(
    sorted(
        (
            "ications ication izations ization ations ation itions ition ements ement ments ment"
            " ings ing ers er ed ions ion able ible ive ies al ally ical ic ize ized ise ised ity"
            " ness ous ates ated ating ate y e"
        ).split(),
        key=len,
        reverse=True,
    )
)


def root(term: str) -> str:
    """A term's root for matching its other forms: its derivational endings taken off, two at
    most, each only when at least four letters stay, and a doubled last consonant made single
    ('scanner' -> 'scan')."""
    for _ in range(2):  # 'certifying' -> 'certify' -> 'certif'
        ending = next((e for e in _ENDINGS if term.endswith(e) and len(term) - len(e) >= 4), "")
        if not ending:
            break
        term = term[: -len(ending)]
        if term[-1] == term[-2] and term[-1] not in "aeiou":
            term = term[:-1]
    return term


def _split(compound: str) -> tuple[str, list[str]]:
    """(joined word, its parts) for a hyphenated word; a plain word is its own part."""
    parts = compound.split("-")
    return "".join(parts), parts


def tokenize(text: str) -> list[str]:
    """Lower-case word stems of ``text``, function words dropped (the query side's words)."""
    out: list[str] = []
    for compound in _WORD.findall(read_alike(text.lower())):
        joined, parts = _split(compound)
        if len(parts) > 1 and parts[0] in BOUND_PREFIXES:
            out.append(stem(joined))
            continue
        out.extend(stem(p) for p in parts if p not in STOPWORDS)
    return out


class Token(NamedTuple):
    term: str
    position: int  # order among the kept words
    head: bool  # in the descriptor's head (names the item)
    negated: bool  # inside "without ...", "other than ..." (earns no credit)
    object: bool = False  # after "for use with", "used with", "for": what the item serves
    example: bool = False  # in an "(e.g., ...)" list: an instance named, not what the code is
    topic: bool = False  # negated after 'reason(s) for not': still what the code reports on


@lru_cache(maxsize=32768)
def analyze(text: str) -> tuple[tuple[Token, ...], tuple[str, ...]]:
    """A descriptor's tokens with head and negation marks, and the extra joined words of its
    ordinary hyphenated compounds (``x-ray`` -> ``xray``), which the index also holds.

    Kept for the texts met last: building an index reads each descriptor several times (its
    postings, its row, its phrase forms, the lexicon's matching), and a server meets the same
    queries again."""
    lower = read_alike(text.lower())
    # 'with or without side rails': the rails are optional, so a query for the item without
    # them finds it as well as one with them (filed as words and as negated words).
    extra: list[str] = [
        f"!{stem(w)}"
        for m in _WITH_OR_WITHOUT.finditer(lower)
        for compound in _WORD.findall(_BREAK.split(lower[m.end() :], 1)[0])
        for w in [_split(compound)[0]]
        if w not in STOPWORDS and w not in NEGATION_CUES
    ]
    lower = _WITH_OR_WITHOUT.sub("with", lower)
    tokens: list[Token] = []
    head = True
    position = 0
    examples = _example_spans(lower)
    offset = -1  # where the clause starts in ``lower`` (clauses are split at one character)
    # Clauses split at punctuation; a negation word negates the rest of its clause, and the rest
    # of a list it opens ('not documented as obtained, updated, or reviewed').
    clauses = _BREAK.split(lower)
    breaks = [m.group() for m in _BREAK.finditer(lower)]
    negating = False
    for clause_index, clause in enumerate(clauses):
        offset += 1
        start_of_clause = offset
        offset += len(clause)
        if clause_index:
            head = head and not tokens  # the head is what comes before the first break
        negation = _NEGATION.search(clause)
        cut = negation.start() if negation else len(clause)
        # 'reason(s) for not performing a dilated exam': the exam is what the code is about.
        topic = bool(negation) and bool(_REASON_FOR.search(lower, 0, start_of_clause + cut))
        continued = negating and not negation and _continues_list(clauses, breaks, clause_index)
        if continued:
            cut = 0
        negating = bool(negation) or continued
        serves = _OBJECT_TRIGGER.search(clause)
        serving = serves.end() if serves else len(clause)
        for match in _WORD.finditer(clause):
            compound = match.group()
            negated = match.start() >= cut
            served = serving <= match.start() < cut
            joined, parts = _split(compound)
            if len(parts) > 1 and parts[0] in BOUND_PREFIXES:
                words = [joined]
                if parts[0] == "non" and len(parts) == 2 and not negated:
                    # 'non-adhesive' says what 'without adhesive' says: a query that negates
                    # the word ('not adhesive', 'no latex') finds it too.
                    extra.append(f"!{stem(parts[1])}")
            else:
                words = [p for p in parts if p not in STOPWORDS]
                if len(parts) > 1:
                    extra.append(stem(joined))
            if head and compound in _HEAD_END and tokens:
                head = False
            where = start_of_clause + match.start()
            example = any(a <= where < b for a, b in examples)
            for word in words:
                if word in STOPWORDS or (word in NEGATION_CUES and match.start() >= cut):
                    continue
                tokens.append(
                    Token(stem(word), position, head, negated, served, example, topic and negated)
                )
                position += 1
    return tuple(tokens), tuple(extra)


_LIST_ITEM = re.compile(r"^\s*(?:(?:or|and|nor|and/or)\s+)?[a-z0-9-]+(?:\s+[a-z0-9-]+)?\s*$")
_LIST_JOIN = re.compile(r"(?:or|and|nor|and/or)\s")


def _continues_list(clauses: Sequence[str], breaks: Sequence[str], index: int) -> bool:
    """Whether clause ``index`` goes on with a list begun in the clause before it: it follows a
    comma and is a short item ('updated') or opens with 'or'/'and' ('or reviewed by ...'), and
    the list it belongs to ends with such an 'or'/'and' item."""
    if breaks[index - 1] != ",":
        return False
    clause = clauses[index].strip()
    if clause.startswith(("includ", "e.g", "per ", "each")):
        return False
    if _LIST_JOIN.match(clause):
        return True
    following = clauses[index + 1].strip() if index + 1 < len(clauses) else ""
    return (
        bool(_LIST_ITEM.match(clause))
        and index < len(breaks)
        and breaks[index] == ","
        and bool(_LIST_JOIN.match(following))
    )


_EXAMPLES = re.compile(r"\be\.g\.?|\bfor example\b")


def _example_spans(text: str) -> list[tuple[int, int]]:
    """Where a descriptor lists examples: from 'e.g.' or 'for example' to the closing bracket
    (or the end): 'Documentation of medical reason(s) ... (e.g., cystic fibrosis, ...)'."""
    spans = []
    for found in _EXAMPLES.finditer(text):
        ends = [i for i in (text.find(")", found.end()), text.find("]", found.end())) if i >= 0]
        spans.append((found.end(), min(ends) if ends else len(text)))
    return spans


def query_terms(text: str) -> list[str]:
    """A query's words, read like a descriptor: a word after 'without', 'not' or 'no' is marked
    ('!barrier'), so that it matches what a descriptor negates and never what it affirms."""
    return [f"!{t.term}" if t.negated else t.term for t in analyze(text)[0]]


class Roles(NamedTuple):
    """What a descriptor's first clause says the code is: its head noun, the other words of its
    head phrase, and the words of the phrase the item is for, part of or used with.

    'Infusion set for external insulin pump, needle type' -> head 'set', modifiers {'infusion'},
    objects {'external', 'insulin', 'pump'}: a query for an insulin pump names the object, not
    the item.
    """

    head: str
    modifiers: tuple[str, ...]  # in the descriptor's order: with the head, its head phrase
    objects: frozenset[str]


_AUXILIARIES = frozenset("is are was were be been being has have had".split())


def _is_verb(word: str) -> bool:
    """A past participle, an auxiliary or a small word: what ends a head phrase before its
    preposition rather than naming the item."""
    return word in _AUXILIARIES or word in STOPWORDS or (len(word) > 5 and word.endswith("ed"))


def _terms(words: list[str]) -> list[str]:
    out: list[str] = []
    for compound in words:
        joined, parts = _split(compound)
        if len(parts) > 1 and parts[0] in BOUND_PREFIXES:
            out.append(stem(joined))
        else:
            out.extend(stem(p) for p in parts if p not in STOPWORDS)
    return out


def opens_family(text: str) -> bool:
    """Whether a descriptor's first clause only names the family its item belongs to: 'All lower
    extremity prostheses, foot, external keel' is a foot."""
    first_break = _BREAK.search(text)
    if first_break is None or first_break.group() != ",":
        return False
    return text.lower().lstrip().startswith("all ")


# A first clause ending in one of these only names the family of the item the next clause names.
_FAMILY_WORDS = frozenset(
    "accessory accessories component components supply supplies replacement addition additions".split()
)


_NOT_AN_ITEM = re.compile(r"^\s*(?:for|e\.g|i\.e|includ|not|any|each|misc|with)\b|not otherwise")


def _names_a_family(clause: str, following: str, rest: str) -> bool:
    """Whether ``clause`` only names a family ('Wheelchair accessory') and ``following`` the item
    ('elevating leg rest'), not what it is for, an example or a catch-all. After a semicolon,
    supplies are for a service ('Als ... disposable supplies; defibrillation')."""
    words = _WORD.findall(clause)
    if not words or words[-1] not in _FAMILY_WORDS or _NOT_AN_ITEM.search(following):
        return False
    return not (rest.startswith(";") and words[-1].startswith("suppl"))


def roles(text: str) -> Roles:
    lower = _WITH_OR_WITHOUT.sub("with", read_alike(text.lower()))
    # The first clause that says what the item is ('For diabetics only, ...' says whom for).
    clauses = [c for c in _BREAK.split(lower) if _WORD.search(c)]
    if opens_family(lower):
        clauses = clauses[1:]
    at = next((i for i, c in enumerate(clauses) if not c.lstrip().startswith("for ")), None)
    clause = "" if at is None else clauses[at]
    family: list[str] = []
    if (
        at is not None
        and at + 1 < len(clauses)
        and _names_a_family(clause, clauses[at + 1], lower[lower.find(clause) + len(clause) :])
    ):
        # 'Power wheelchair accessory, sip and puff interface, ...' is an interface, for a power
        # wheelchair; 'Replacement, tip, cane, crutch, walker' a tip.
        family = _terms(_WORD.findall(clause)[:-1])
        clause = clauses[at + 1]
    negation = _NEGATION.search(clause)
    if negation:
        clause = clause[: negation.start()]
    words = _WORD.findall(clause)
    cut = next((i for i, w in enumerate(words) if i and w in _HEAD_END), len(words))
    named = words[:cut]
    # A verb before the preposition ends the head: 'Hospice care provided in ...' is care,
    # 'Patient has been treated with ...' a patient.
    while cut < len(words) and len(named) > 1 and _is_verb(named[-1]):
        named = named[:-1]
    head_terms = _terms(named)
    objects = _terms(words[cut + 1 :]) if cut < len(words) and words[cut] in _OBJECT_START else []
    objects += family
    if not head_terms:
        return Roles("", (), frozenset(objects))
    return Roles(head_terms[-1], tuple(head_terms[:-1]), frozenset(objects))


def head_noun(tokens: list[Token]) -> str | None:
    """The last word of a descriptor's head: what the code is ('Commode chair, ...' -> chair)."""
    heads = [t.term for t in tokens if t.head and not t.negated]
    return heads[-1] if heads else None
