"""The lay-language lexicon: well formed, one key once, and every wording found in the official
descriptors; and how it is compiled into the index."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import ADDITIONS, EXCERPT_2026, require_shared

from hcpcs_cli import lexicon
from hcpcs_cli.tokens import tokenize

KEY = re.compile(r"^[a-z0-9][a-z0-9 '&/.+-]*$")


@pytest.fixture(scope="module")
def entries() -> list[lexicon.Entry]:
    found, problems = lexicon.load()
    assert problems == []
    return found


def test_every_file_is_well_formed() -> None:
    import tomllib

    files = lexicon.files()
    assert len(files) >= 10
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data.get("title"), str) and data.get("section"), path.name
        assert isinstance(data["terms"], dict) and data["terms"], path.name


def test_thousands_of_entries_across_level_ii(entries) -> None:
    assert len(entries) >= 5000
    assert len({e.file for e in entries}) >= 10


def test_keys_are_lower_case_short_and_never_a_modifier_code(entries) -> None:
    for e in entries:
        assert KEY.match(e.term), e.term
        assert len(e.term.replace(" ", "")) >= 3, e.term
        assert 1 <= len(re.findall(r"[a-z0-9]+", e.term)) <= 5, e.term
        assert e.wordings and all(w.strip() for w in e.wordings), e.term


def test_each_key_appears_once_across_all_files(entries) -> None:
    seen: dict[str, str] = {}
    for e in entries:
        key = " ".join(tokenize(e.term))
        assert key not in seen, f"{e.term!r} in {e.file} and {seen[key]}"
        seen[key] = e.file


def _official_matcher() -> lexicon.Matcher:
    from conftest import RELEASE_ZIP

    from hcpcs_cli.release import read_release

    texts: dict[str, list[list[str]]] = {}
    items: dict[str, list[str]] = {}

    def add(code: str, long: str, short: str) -> None:
        texts[code] = [lexicon.match_words(long), lexicon.match_words(short)]
        items[code] = lexicon.item_words(long)

    for e in read_release(RELEASE_ZIP).entries:
        if e.kind == "procedure":
            add(e.code, e.descriptor, e.short_descriptor)
    for path in (ADDITIONS, EXCERPT_2026 / "codes.tsv"):
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                add(row["code"], row["long_descriptor"], row["short_descriptor"])
    return lexicon.Matcher(texts, items)


def test_every_wording_is_found_in_the_official_descriptors(entries) -> None:
    # Found as the item itself: not only inside a negation ('without ...') or inside what an
    # accessory serves ('used with ...'), unless the wording says so itself.
    require_shared()
    matcher = _official_matcher()
    missing = [(e.file, e.term, w) for e in entries for w in e.wordings if not matcher.reach(w)]
    assert missing == [], missing[:10]


def test_specific_wordings_attach_and_broad_ones_become_synonyms() -> None:
    texts = {
        "E0163": [["commode", "chair", "mobile", "stationary"], ["commode", "chair"]],
        "E0165": [["commode", "chair", "detachable", "arm"], []],
        **{f"J{n:04d}": [["injection", f"drug{n}"], []] for n in range(100)},
    }
    matcher = lexicon.Matcher(texts)
    compiled = lexicon.compile_lexicon(
        [
            lexicon.Entry("potty chair", ("commode chair",), "test"),
            lexicon.Entry("shot", ("injection",), "test"),
            lexicon.Entry("made up", ("no such words",), "test"),
        ],
        matcher,
    )
    assert compiled.attached == {"E0163": [("potty chair", True)], "E0165": [("potty chair", True)]}
    # A specific wording is also kept as '~key', for a query that names what a part serves.
    assert compiled.synonyms == {"shot": [("injection",)], "~potty chair": [("commode", "chair")]}
    assert [w for _, w in compiled.unmatched] == ["no such words"]


def test_a_wording_matches_a_negation_only_as_a_negation() -> None:
    words = lexicon.match_words("Ostomy pouch, drainable, without barrier attached")
    matcher = lexicon.Matcher({"A5061": [words, []]})
    assert matcher.reach("pouch + barrier") == []
    assert matcher.reach("drainable") == ["A5061"]
    assert matcher.reach("drainable + without barrier") == ["A5061"]


def test_a_lay_name_of_an_item_never_lands_on_its_accessories() -> None:
    texts = {
        code: [lexicon.match_words(text), []]
        for code, text in {
            "E0600": "Respiratory suction pump, home model, portable or stationary, electric",
            "A7002": "Tubing, used with suction pump, each",
        }.items()
    }
    items = {
        "E0600": lexicon.item_words("Respiratory suction pump, home model"),
        "A7002": lexicon.item_words("Tubing, used with suction pump, each"),
    }
    matcher = lexicon.Matcher(texts, items)
    assert matcher.reach("suction pump") == ["E0600"]
    assert matcher.reach("tubing, used with suction pump") == ["A7002"]
