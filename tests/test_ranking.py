"""Ranking mechanisms, each shown on made-up descriptors (invented words, so neither the lexicon
nor the benchmark queries play a part): the index is built by the real ``gather`` and ``write``
from a synthetic release, and searched by the real ``search``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import pytest

from hcpcs_cli import lexicon
from hcpcs_cli.index import Doc, Index, gather, item_type, write
from hcpcs_cli.search import _idf, _score_concept, search, without_request
from hcpcs_cli.tokens import analyze, roles


class _Release:
    """What ``gather`` reads of a release: its rows and its effective date."""

    effective = "2020-01-01"

    def __init__(self, descriptors: dict[str, str] | dict[str, tuple[str, str]]) -> None:
        self.descriptors = descriptors

    def rows(self) -> Iterable[Doc]:
        for code, text in self.descriptors.items():
            # A descriptor alone, or (long, short) where the short one matters to the test.
            long, short = text if isinstance(text, tuple) else (text, text[:28])
            yield Doc(code, "procedure", long, short, "2000-01-01", None)


def index_of(descriptors: dict[str, str] | dict[str, tuple[str, str]]) -> Index:
    built = gather(_Release(descriptors), {})  # type: ignore[arg-type]
    return Index(write(sqlite3.connect(":memory:"), built, "test"))


def codes(index: Index, query: str) -> list[str]:
    return [h.code for h in search(index, query, limit=10).hits]


def test_examples_in_a_descriptor_count_less_than_what_it_names() -> None:
    index = index_of(
        {
            "G9001": "Counseling documented about home hazards (e.g., zorblat repair, stove safety)",
            "E9001": "Zorblat repair kit, each",
        }
    )
    tokens, _ = analyze("Counseling about hazards (e.g., zorblat repair), done")
    assert [t.term for t in tokens if t.example] == ["zorblat", "repair"]
    posting = {p.code: p for p in index.postings(["zorblat"])["zorblat"]}
    assert posting["G9001"].field == "e" and posting["E9001"].field == "l"
    assert codes(index, "zorblat repair")[0] == "E9001"
    why = next(h for h in search(index, "zorblat", explain=True).hits if h.code == "G9001").why
    assert any("examples (e.g.)" in reason for reason in why)


def test_a_query_that_names_the_kind_of_code_gets_it_first() -> None:
    index = index_of(
        {
            "E9101": "Quenbar pump, stationary, electric",
            "E9102": "Replacement motor for quenbar pump, each",
        }
    )
    assert codes(index, "quenbar pump")[0] == "E9101"
    assert codes(index, "quenbar pump replacement")[0] == "E9102"
    why = search(index, "replacement quenbar", explain=True).hits[0].why
    assert any("asks for this kind of code" in reason for reason in why)


def test_a_catch_all_code_is_asked_for_by_other_or_unlisted() -> None:
    index = index_of(
        {
            "J9201": "Injection, velmorab, 10 mg",
            "J9202": "Velmorab-like drug, not otherwise classified",
        }
    )
    assert codes(index, "velmorab")[0] == "J9201"
    assert codes(index, "velmorab other")[0] == "J9202"
    assert item_type("Drobble vest, replacement for use with patient owned equipment, each") == (
        "replacement part"
    )
    assert item_type("Upper extremity addition, drobble socket, each") == "accessory"
    assert item_type("Orthopedic shoe addition, drobble insole") == "accessory"
    # A prosthetic knee is an 'Addition, ... knee-shin system': the item itself, not a part.
    assert item_type("Addition, endoskeletal drobble-shin system, single axis") == ""
    assert item_type("Tubing, used with drobble pump, each") == "accessory"
    assert item_type("Drobble lens, other type") == "not otherwise classified"
    assert item_type("Drobble supply; miscellaneous") == "not otherwise classified"
    assert item_type("Drobble lens, bifocal, other than glass") == ""
    # 'For diabetics only' says whom an item is for; ', for replacement only' says what it is.
    assert item_type("Drobble pump for trelvine pad, for replacement only") == "replacement part"
    assert item_type("For diabetics only, drobble insert, each") == ""
    # A trailing 'X and Y only' names the part of a service the code covers.
    assert item_type("Drobble care, room and board only; per diem") == "component only"
    assert item_type("Drobble orthosis, inclusive of furnishing initial orthosis only") == ""
    assert codes(index, "unlisted velmorab")[0] == "J9202"


def test_quality_reports_rank_after_the_service_unless_asked_for() -> None:
    descriptor = "Patient received trelvine infusion, documented in the medical record"
    assert item_type(descriptor) == "quality report"
    assert item_type("Trelvine infusion, per hour") == ""
    # What was ordered or prescribed for a patient is reported, not given, by the code.
    assert item_type("Drobble-immunoglobulin (trelvine) ordered") == "quality report"
    assert item_type("Drobble therapy prescribed at discharge") == "quality report"
    assert item_type("Trelvine vaccine administered or previously received") == "quality report"
    # ... but a prescribed amount or rate describes equipment.
    assert item_type("Portable drobble contents, prescribed amount at rest exceeds 4 lpm") != (
        "quality report"
    )
    assert item_type("Trelvine vaccine, for children who have not previously received it") == ""
    index = index_of({"G9301": descriptor, "J9301": "Trelvine infusion, per hour"})
    assert codes(index, "trelvine infusion")[0] == "J9301"
    assert codes(index, "trelvine infusion documented")[0] == "G9301"


def test_an_initialism_in_the_lexicon_stands_for_its_words_anywhere() -> None:
    assert lexicon.initialism("bk", "below knee")
    assert lexicon.initialism("sgd", "speech generating device")
    assert not lexicon.initialism("tpa", "alteplase")
    assert not lexicon.initialism("bk prosthesis", "below knee")
    texts = {
        "L9001": [lexicon.match_words("Below knee, molded socket"), []],
        "L9002": [lexicon.match_words("Replacement, socket, below knee"), []],
    }
    items = {c: lexicon.item_words(t) for c, t in (("L9001", "Below knee, molded socket"),)}
    compiled = lexicon.compile_lexicon(
        [lexicon.Entry("bk", ("below knee",), "test")], lexicon.Matcher(texts, items)
    )
    # Attached to the codes it names, and a query-side synonym for every code that prints it.
    assert compiled.synonyms["bk"] == [("below", "knee")]
    assert "L9001" in compiled.attached


def test_a_concept_found_only_through_its_synonym_keeps_its_weight() -> None:
    index = index_of({f"E9{n:03d}": f"Plovix stander, model {n}" for n in range(40)})
    postings = index.postings(["plovix", "stander"])
    from hcpcs_cli.search import _Concept

    concept = _Concept("glimmet", [("glimmet",), ("plovix", "stander")], "synonym")
    expansions = {
        "glimmet": {},
        "plovix": {"plovix": (1.0, "")},
        "stander": {"stander": (1.0, "")},
    }
    best, weight = _score_concept(concept, expansions, postings, 6000)
    # The weight is how telling the words are among all 6,000 codes, not among two.
    assert weight == pytest.approx(_idf(40, 6000)) and weight > 4
    assert len(best) == 40


def test_a_query_that_is_the_head_phrase_names_the_item_whichever_word_is_the_head() -> None:
    # 'Drolly frame/table system': the head noun is 'system', yet 'drolly frame' names the item;
    # the frame that only holds weights ('..., drolly') is another item.
    index = index_of(
        {
            "E9401": "Drolly frame/table system, mobile, any size",
            "E9402": "Traction frame, drolly, includes weights",
        }
    )
    from hcpcs_cli.tokens import roles

    assert roles("Drolly frame/table system, mobile").modifiers == ("drolly", "frame", "table")
    assert codes(index, "drolly frame")[0] == "E9401"
    why = search(index, "drolly frame", explain=True).hits[0].why
    assert any("head phrase" in reason for reason in why)
    assert codes(index, "traction frame")[0] == "E9402"


def index_with_lexicon(
    descriptors: dict[str, str], entries: list[lexicon.Entry], monkeypatch: pytest.MonkeyPatch
) -> Index:
    """An index of made-up descriptors whose lexicon is ``entries`` alone."""
    monkeypatch.setattr(lexicon, "prepared", lambda cache: entries)
    return index_of(descriptors)


def test_a_name_in_parentheses_is_part_of_the_head_but_examples_are_not() -> None:
    assert lexicon.head_words("Injection, plovimab (zentrofa), 10 mg") == [
        "injection",
        "plovimab",
        "zentrofa",
    ]
    assert lexicon.head_words("Injection, plovimab (e.g., zentrofa), 10 mg") == [
        "injection",
        "plovimab",
    ]


def test_a_lay_name_reaches_a_drug_by_the_brand_printed_in_parentheses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = lexicon.Entry("zfx", ("zentrofa",), "drugs.toml")
    index = index_with_lexicon(
        {
            "J9501": "Injection, plovimab (zentrofa), 10 mg",
            "S9501": "Home infusion of zentrofa-like agents, per diem",
        },
        [entry],
        monkeypatch,
    )
    posting = {p.code: p for p in index.postings(["zfx"])["zfx"]}
    assert posting["J9501"].field == "x"  # named by the head, not 'past the head'
    assert codes(index, "zfx")[0] == "J9501"


def test_a_term_that_names_the_item_is_filed_once_under_the_stronger_field(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'zorb' reaches E9601 through its head ('trellis stander') and past it ('glide base'):
    # it is the item's name, filed under the lexicon's full field only.
    entry = lexicon.Entry("zorb", ("trellis stander", "glide base"), "dme.toml")
    index = index_with_lexicon(
        {
            "E9601": "Trellis stander, adjustable, with glide base",
            "A9601": "Strap, glide base, used with trellis stander, each",
        },
        [entry],
        monkeypatch,
    )
    fields = [p.field for p in index.postings(["zorb"])["zorb"] if p.code == "E9601"]
    assert fields == ["x"]
    assert codes(index, "zorb")[0] == "E9601"


def test_the_descriptor_is_the_field_kept_when_a_curated_field_also_holds_the_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A long descriptor gives 'quillet' a lower raw BM25 weight than a short lexicon field; the
    # search still values the official wording more, so that is the field kept.
    long_text = "Quillet orthosis, " + ", ".join(f"feature {w}" for w in "abcdefghijklmnop")
    entry = lexicon.Entry("quillet brace", ("quillet orthosis",), "op.toml")
    index = index_with_lexicon({"L9701": long_text, "L9702": "Quillet pad"}, [entry], monkeypatch)
    posting = {p.code: p for p in index.postings(["quillet"])["quillet"]}
    assert posting["L9701"].field == "l"


def test_a_one_word_query_that_is_a_name_of_the_item_beats_names_that_contain_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = [
        lexicon.Entry("vemp", ("vemplar pressure device",), "dme.toml"),
        lexicon.Entry("vemp mask", ("mask, used with vemplar",), "supplies.toml"),
    ]
    index = index_with_lexicon(
        {
            "E9801": "Vemplar pressure device, bi-level, used with noninvasive interface (e.g., mask)",
            "A9801": "Mask, used with vemplar pressure device",
        },
        entries,
        monkeypatch,
    )
    assert codes(index, "vemp")[0] == "E9801"
    why = search(index, "vemp", explain=True).hits[0].why
    assert any("a name of this item" in reason for reason in why)


def test_equal_scores_are_ordered_by_code_whatever_was_asked_before() -> None:
    # 120 codes that match alike: the leaders rescored and the results shown must not depend
    # on the order in which the index's caches hand the codes back.
    descriptors = {
        f"E9{n:03d}": f"Trovel seat, model {n % 7}, with crannet" for n in range(120, 0, -1)
    }
    index = index_of(descriptors)
    first = codes(index, "trovel crannet")
    assert first == sorted(first) and first[0] == "E9001"
    codes(index, "crannet")  # fills the caches in another order
    codes(index, "model trovel")
    assert codes(index, "trovel crannet") == first


def test_the_clause_after_a_semicolon_names_the_code_within_its_family(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert lexicon.head_words("Frobnic screening; glimmet scope, each") == [
        "frobnic",
        "screening",
        "glimmet",
        "scope",
    ]
    entry = lexicon.Entry("glim", ("glimmet scope",), "g-codes.toml")
    index = index_with_lexicon(
        {
            "G9901": "Frobnic screening; glimmet scope",
            "G9902": "Frobnic screening; alternative to g9901, tarvel scope, glimmet scope",
        },
        [entry],
        monkeypatch,
    )
    posting = {p.code: p for p in index.postings(["glim"])["glim"]}
    assert posting["G9901"].field == "x" and posting["G9902"].field == "y"
    assert codes(index, "glim screening")[0] == "G9901"


def test_a_lay_name_names_the_item_in_any_section_its_wording_heads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A file about H codes may name a drug: its brand still names the drug's J and Q codes.
    entry = lexicon.Entry("quozal", ("dravonine/melox",), "behavioral-health.toml")
    index = index_with_lexicon(
        {
            "J9611": "Dravonine/melox, oral, up to 3 mg",
            "Q9611": "Dravonine/melox 1 mg, oral, for use as a complete replacement",
            "G9611": "Medication program; includes dravonine/melox, weekly",
        },
        [entry],
        monkeypatch,
    )
    fields = {p.code: p.field for p in index.postings(["quozal"])["quozal"]}
    assert fields == {"J9611": "x", "Q9611": "x", "G9611": "y"}
    assert codes(index, "quozal")[:2] == ["J9611", "Q9611"]


def test_a_negated_word_in_a_lay_name_earns_no_credit(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [
        lexicon.Entry("frell list not checked", ("frell list not documented",), "q.toml"),
        lexicon.Entry("frell list checked", ("frell list documented",), "q.toml"),
    ]
    index = index_with_lexicon(
        {
            "G9701": "Frell list documented by the clinician",
            "G9702": "Frell list not documented, reason not given",
        },
        entries,
        monkeypatch,
    )
    assert {p.code for p in index.postings(["!checked"])["!checked"]} == {"G9702"}
    assert codes(index, "frell list checked")[0] == "G9701"
    assert codes(index, "frell list not checked")[0] == "G9702"


def test_curated_record_text_never_outranks_the_official_wording_of_another_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hcpcs_cli import bundle
    from hcpcs_cli import search as search_module

    base = bundle.get_record("H0038")
    assert base is not None
    # A record that names 'flonk' only in its curated names (where the service is given).
    record = base._replace(
        code="G9811",
        descriptor="Brivel treatment, weekly bundle",
        short_descriptor="Brivel weekly bundle",
        common_names=("brivel at a flonk clinic", "weekly flonk clinic brivel"),
        abbreviations=(),
        keywords=("flonk clinic",),
    )
    descriptors = {
        "G9811": "Brivel treatment, weekly bundle",
        "G9812": "Flonk treatment, weekly bundle",
        **{f"G98{n:02d}": f"Other treatment {n}, weekly bundle" for n in range(20, 60)},
    }
    # The other code's record says where its service is given too.
    other = record._replace(
        code="G9812",
        descriptor=descriptors["G9812"],
        short_descriptor="Flonk weekly bundle",
        common_names=("weekly flonk clinic treatment",),
        keywords=("flonk clinic",),
    )
    monkeypatch.setattr(lexicon, "prepared", lambda cache: [])
    built = gather(_Release(descriptors), {"G9811": record, "G9812": other})  # type: ignore[arg-type]
    index = Index(write(sqlite3.connect(":memory:"), built, "test"))
    assert codes(index, "flonk clinic weekly")[0] == "G9812"
    why = next(
        h for h in search(index, "flonk clinic weekly", explain=True).hits if h.code == "G9811"
    )
    assert any("curated text" in reason for reason in why.why)

    # The discount is what widens the gap: the curated-only code loses more than the other.
    def gap() -> float:
        scores = {h.code: h.score for h in search(index, "flonk clinic weekly").hits}
        return scores["G9811"] / scores["G9812"]

    with_discount = gap()
    monkeypatch.setattr(search_module, "CURATED_DISCOUNT", 0.0)
    assert with_discount < gap() * 0.9


def test_a_query_that_is_a_descriptor_word_for_word_finds_that_code() -> None:
    # Coders paste descriptors: the code whose descriptor the query is comes before the longer
    # siblings that contain it.
    index = index_of(
        {
            "A9901": "Trindle wrap, elastic, per yard, with clasp, sterile",
            "A9902": "Trindle wrap, elastic, per yard",
            "A9903": "Trindle wrap, elastic, per yard, with clasp",
        }
    )
    assert codes(index, "Trindle wrap, elastic, per yard")[0] == "A9902"
    assert codes(index, "trindle wrap elastic per yard with clasp")[0] == "A9903"
    why = search(index, "Trindle wrap, elastic, per yard", explain=True).hits[0].why
    assert any("official descriptor, word for word" in reason for reason in why)


def test_a_query_that_is_a_short_descriptor_beats_a_shorter_code_with_a_lay_name_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The short descriptor typed word for word names its code, though the words are spread over
    # a long descriptor, and a shorter one reaches the last word through a lay name.
    entry = lexicon.Entry("gliff transport", ("rotary zorble gliff",), "transport.toml")
    index = index_with_lexicon(
        {
            "A9921": (
                "Zorble service, conventional gliff services, transport, one way (rotary zorble)",
                "Rotary zorble gliff transport",
            ),
            "A9922": ("Rotary zorble gliff mileage, per statute mile", "Rotary zorble gliff mile"),
        },
        [entry],
        monkeypatch,
    )
    assert codes(index, "rotary zorble gliff transport")[0] == "A9921"
    assert codes(index, "rotary zorble gliff mileage")[0] == "A9922"


def test_the_word_after_to_says_what_the_item_does_not_what_it_serves() -> None:
    # In 'flurb to zimmer squeems' the item is a flurb, the squeems are what it serves, but
    # 'zimmer' (what the item does) tells which flurb as much as the item's own name.
    index = index_of(
        {
            "A9941": "Bicarbonate concentrate, flurb, for hemodialysis, per packet",
            "A9942": "Ostomy absorbent material for use in pouch to zimmer squeem output, each",
            "A9943": "Skin barrier, flurb, per oz",
            "A9944": "Injection, cisplatin, flurb or solution, 10 mg",
            "A9945": "Zimmer agent for squeems, flurb, per ounce",
        }
        | {f"A99{n}": f"Squeem collection pouch, type {n}, each" for n in range(50, 56)}
    )
    assert codes(index, "flurb to zimmer squeems")[0] == "A9945"
    assert codes(index, "flurb to zimmer squeems")[1] == "A9942"


def test_two_slips_are_corrected_only_when_the_first_letter_is_right() -> None:
    index = index_of({"E9951": "Flamboxide pump, portable", "E9952": "Trellisoft cushion, each"})
    assert codes(index, "flambixode pump") == ["E9951"]  # two slips after a right first letter
    assert codes(index, "glamboxide pump")[:1] == ["E9951"]  # one slip, even the first letter
    # Two edits away with another first letter is another word, not a slip.
    assert codes(index, "plamboxida") == []


def test_the_query_head_is_the_word_before_with_or_for() -> None:
    # 'drobble pad with pump' asks for a pad that has a pump, not for a pump.
    index = index_of(
        {
            "E9101": "Pump for drobble pad, each",
            "E9102": "Powered drobble pad, alternating, with pump",
        }
    )
    assert codes(index, "drobble pad with pump")[0] == "E9102"
    assert codes(index, "pump for drobble pad")[0] == "E9101"


def test_a_code_whose_head_is_the_query_beats_a_head_phrase_that_only_holds_its_words() -> None:
    # 'drobble tube collar/holder' holds 'drobble tube' but is a holder; a tube is asked for.
    index = index_of(
        {
            "A9201": "Drobble tube collar/holder, each",
            "A9202": "Drobble tube, cuffed, polyvinylchloride (pvc), silicone or equal, each",
        }
    )
    assert codes(index, "drobble tube")[0] == "A9202"
    assert codes(index, "drobble tube holder")[0] == "A9201"


def test_a_typo_keeps_the_phrase_bonus_of_the_word_it_stands_for() -> None:
    index = index_of(
        {
            "G9211": "Zorblatic trelvine, including exercise (includes monitoring), one hour, per session",
            "G9212": "Trelvine, zorblatic, per day",
        }
    )
    assert codes(index, "zorblatic trelvine")[0] == "G9211"
    typed = search(index, "zorblatik trelvine", explain=True).hits[0]
    assert typed.code == "G9211"
    assert "whole phrase found together" in typed.why


def test_an_amount_typed_lands_in_the_range_the_descriptor_states() -> None:
    index = index_of(
        {
            "A9301": "Vostrel hose, below knee, 30-40 mmhg, each",
            "A9302": "Vostrel hose, below knee, 18-30 mmhg, each",
            "E9303": "Klemmer chair, weight capacity up to 250 pounds",
            "E9304": "Klemmer chair, weight capacity greater than 250 pounds",
            "A9305": "Plinth pad, size 16 sq. in. or less, each",
            "A9306": "Plinth pad, size more than 16 sq. in. but less than or equal to 48 sq. in., each",
            "A9307": "Plinth pad, size more than 48 sq. in., each",
        }
    )
    # '30' is a word of both hoses; only one range holds 20-30.
    assert codes(index, "vostrel hose 20-30")[0] == "A9302"
    assert codes(index, "vostrel hose 35")[0] == "A9301"
    assert codes(index, "klemmer chair 300 lbs")[0] == "E9304"
    assert codes(index, "klemmer chair 200 lbs")[0] == "E9303"
    assert codes(index, "plinth pad 20 sq in")[0] == "A9306"
    assert codes(index, "plinth pad 60 sq in")[0] == "A9307"
    why = search(index, "klemmer chair 300 lbs", explain=True).hits[0].why
    assert any("stated range" in reason for reason in why)


def test_sides_and_litres_typed_are_compared_with_areas_and_cc_stated() -> None:
    index = index_of(
        {
            "A9305": ("Plinth pad, size 16 sq. in. or less, each", "Plinth pad small"),
            "A9306": (
                "Plinth pad, size more than 16 sq. in. but less than or equal to 48 sq. in., each",
                "Plinth pad medium",
            ),
            "A9307": ("Plinth pad, size more than 48 sq. in., each", "Plinth pad large"),
            "A9311": (
                "Trevan solution, volume greater than 249cc, but less than or equal to 999cc",
                "Trevan solution small",
            ),
            "A9312": (
                "Trevan solution, volume greater than 999cc, but less than or equal to 1999cc",
                "Trevan solution medium",
            ),
            "A9313": (
                "Trevan solution, volume greater than 1999cc, but less than or equal to 2999cc",
                "Trevan solution large",
            ),
        }
        # (words elsewhere, as in a release: the digits and the 'x' typed are common words)
        | {f"A99{n}": f"Other item {n} x {n}, 4 or 6 each, 1.5 or 2 l" for n in range(20, 30)}
    )
    assert codes(index, "plinth pad 4x4")[0] == "A9305"  # 16 sq in: the end of 'or less'
    assert codes(index, 'plinth pad 4" x 6"')[0] == "A9306"
    assert codes(index, "plinth pad 6 in x 10 in")[0] == "A9307"
    assert codes(index, "plinth pad 10 x 10 cm")[0] == "A9305"  # 15.5 sq in
    assert codes(index, "trevan solution 2 liter bag")[0] == "A9313"
    assert codes(index, "trevan solution 1.5 l")[0] == "A9312"


def test_a_query_whose_head_is_a_part_gets_the_part_not_the_item_it_serves() -> None:
    index = index_of(
        {
            "E9501": "Home trelbin monitor",
            "E9502": "Trelbin monitor with integrated voice unit",
            "A9503": "Replacement battery, lithium, for use with home trelbin monitor, each",
            "A9504": "Replacement lid, for use with home trelbin monitor, each",
            # 'battery' is a common word, 'trelbin' a rare one: the monitors match the query's
            # rarer words
            **{f"L95{i:02}": f"Battery, type {i}, for use with limb prosthesis" for i in range(12)},
        }
    )
    # the monitor is the item when the query names it ...
    assert codes(index, "trelbin monitor")[0] in {"E9501", "E9502"}
    # ... and the battery when the query's head word is 'battery': the monitors, which match
    # every other word, lack the one that says what is asked for.
    assert codes(index, "trelbin monitor battery")[0] == "A9503"
    why = dict((h.code, h.why) for h in search(index, "trelbin monitor battery", explain=True).hits)
    assert any("not the item asked for" in reason for reason in why["E9501"])
    assert not any("ranked below the item itself" in reason for reason in why["A9503"])


def test_a_lay_name_of_the_item_held_by_a_parts_head_phrase_still_asks_for_the_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = lexicon.Entry("rising footrest", ("rising footrest",), "dme.toml")
    index = index_with_lexicon(
        {
            "K9601": "Rising footrest, lower extension tube, replacement only, each",
            "K9602": "Rising footrests, pair, for use with rental wheelchair base",
        },
        [entry],
        monkeypatch,
    )
    assert codes(index, "rising footrest")[0] == "K9602"


def test_the_item_after_a_family_clause_is_what_the_code_is() -> None:
    index = index_of(
        {
            "E9701": "Power zorvan accessory, blent interface, nonproportional, each",
            "E9702": "Power zorvan accessory, breath tube kit for blent interface",
        }
    )
    assert codes(index, "blent interface")[0] == "E9701"
    assert codes(index, "blent interface tube kit")[0] == "E9702"


def test_a_lay_name_of_the_whole_item_does_not_name_its_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = lexicon.Entry("shaker vest", ("quorn wall oscillation system",), "dme.toml")
    index = index_with_lexicon(
        {
            "E9801": "Quorn wall oscillation system, includes all accessories and supplies, each",
            "A9802": "Quorn wall oscillation system vest, replacement for use with owned equipment",
            "A9803": "Quorn wall oscillation system hose, replacement for use with owned equipment",
        },
        [entry],
        monkeypatch,
    )
    reached = {p.code for p in index.postings(["shaker"])["shaker"]}
    assert reached == {"E9801"}
    assert codes(index, "shaker vest")[0] == "E9801"


def test_a_word_of_another_items_lay_name_is_weaker_than_a_name_of_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'torvic' is a whole lay name of E9902 but only a word of E9901's 'torvic relief unit':
    # the query does not name E9901.
    entries = [
        lexicon.Entry("torvic relief unit", ("quanto device, type one",), "dme.toml"),
        lexicon.Entry("torvic", ("quanto device, type two",), "dme.toml"),
    ]
    index = index_with_lexicon(
        {"E9901": "Quanto device, type one", "E9902": "Quanto device, type two"},
        entries,
        monkeypatch,
    )
    assert codes(index, "torvic quanto")[:2] == ["E9902", "E9901"]
    why = {h.code: h.why for h in search(index, "torvic quanto", limit=5, explain=True).hits}
    assert "'torvic' only as part of the lay name 'torvic relief unit'" in why["E9901"]
    # The whole name typed, or its last word (what it names), is a name of the item again.
    assert codes(index, "torvic relief unit quanto")[0] == "E9901"
    assert not any("only as part" in w for w in why["E9902"])


def test_another_form_of_a_word_matches_but_less_than_the_word_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = index_with_lexicon(  # (no lexicon: word forms alone)
        {
            "G9901": "Quarmish visit, home torvic care, per period",
            "G9902": "Quarmish certification of home torvic care, per period",
            "G9903": "Quarmish certifying review of torvic care",
        },
        [],
        monkeypatch,
    )
    # 'certifying' is no typo of 'certification', nor its beginning: it is the same word.
    assert codes(index, "doctor certifying home torvic care")[0] == "G9902"
    assert codes(index, "certification of torvic care")[:2] == ["G9902", "G9903"]
    why = search(index, "certification quarmish", limit=5, explain=True).hits
    notes = {h.code: " ".join(h.why) for h in why}
    assert "'certification' as 'certifying'" in notes["G9903"]
    assert "another form of the word" in notes["G9903"]


def test_a_stage_typed_in_digits_finds_the_stage_printed_in_roman_numerals() -> None:
    index = index_of(
        {
            "G9951": "Home drobble test with type II portable monitor, unattended",
            "G9952": "Home drobble test with type III portable monitor, unattended",
            "G9953": "Home drobble test with type IV portable monitor, unattended",
        }
    )
    assert codes(index, "drobble test type 3 portable monitor")[0] == "G9952"
    assert codes(index, "drobble type 4")[0] == "G9953"
    assert codes(index, "drobble type ii")[0] == "G9951"


def test_litres_typed_find_the_package_stated_in_cc() -> None:
    index = index_of(
        {
            "J9961": "Infusion, plessic solution, 1000 cc",
            "J9962": "Infusion, plessic solution, sterile (500 ml = 1 unit)",
            "J9963": "Infusion, plessic solution, 250 cc",
            "J9964": "Plessic 1 unit kit, 1 each",
        }
    )
    assert codes(index, "1 liter bag of plessic")[0] == "J9961"
    assert codes(index, "plessic 1 l")[0] == "J9961"
    why = search(index, "1 liter plessic", explain=True).hits[0].why
    assert any("'1 liter' means '1000 cc' (the same amount)" in reason for reason in why)


def test_slashed_shorthand_is_read_as_its_words() -> None:
    index = index_of(
        {
            "A9971": ("Drobble dressing, pad, with any size adhesive border", "Drobble pad w/bdr"),
            "A9972": ("Drobble dressing, pad, without adhesive border", "Drobble pad w/o bdr"),
            "G9973": ("Quarmish consult, initial, via telehealth", "Quarmish tele initial"),
            "G9974": ("Follow-up quarmish consult, via telehealth", "Quarmish tele f/u"),
        }
    )
    assert codes(index, "drobble dressing w/o border")[0] == "A9972"
    assert codes(index, "drobble dressing w/ border")[0] == "A9971"
    assert codes(index, "quarmish f/u consult")[0] == "G9974"


def test_a_negated_query_word_reaches_the_negated_wording_its_synonym_stands_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'glorp' means 'zint' wherever it is printed (a wording too broad to name an item): so
    # 'without glorp' asks for what the descriptors negate as 'without zint', and a lay key
    # that itself negates ('no excuse') is read as the query reads it.
    descriptors = {f"L9{n:03d}": f"Drobble brace, model {n}, with zint" for n in range(80)}
    descriptors["L9500"] = (
        "Drobble brace, custom fabricated, includes fitting and adjustment, without zint"
    )
    descriptors.update({f"G9{n:03d}": f"Plum test {n}, reason not given" for n in range(80)})
    descriptors["G9500"] = "Plum test, reason documented"
    entries = [
        lexicon.Entry("glorp", ("zint",), "q.toml"),
        lexicon.Entry("no excuse", ("reason not given",), "q.toml"),
    ]
    index = index_with_lexicon(descriptors, entries, monkeypatch)
    assert codes(index, "drobble brace without glorp")[0] == "L9500"
    assert codes(index, "drobble brace with glorp")[0] != "L9500"
    assert codes(index, "plum test no excuse")[0] != "G9500"
    why = search(index, "plum test 7 no excuse", explain=True).hits[0].why
    assert any("'!excuse' means 'reason !given'" in reason for reason in why)
    why = search(index, "custom drobble brace without glorp", explain=True).hits[0].why
    assert any("'!glorp' means '!zint'" in reason for reason in why)


def test_what_a_reason_for_not_doing_concerns_is_what_the_code_is_about() -> None:
    # Negated ('for not performing a zorp exam'), yet the zorp exam is the code's subject: a query
    # for the patient's reason about the zorp exam finds it, though less than the words as such.
    index = index_of(
        {
            "G9801": "Zorp exam performed",
            "G9802": "Documentation of patient reason(s) for not performing a zorp exam",
            "G9803": "Documentation of patient reason(s) for not performing a blick test",
            "G9804": "Zorp exam not performed, reason not given",
        }
    )
    tokens, _ = analyze("Documentation of patient reason(s) for not performing a zorp exam")
    assert [t.term for t in tokens if t.topic] == ["performing", "zorp", "exam"]
    assert not any(t.topic for t in analyze("Zorp exam not performed, reason not given")[0])
    assert codes(index, "patient reason zorp exam")[0] == "G9802"
    assert codes(index, "zorp exam not performed")[0] == "G9804"
    why = search(index, "patient reason zorp exam", explain=True).hits[0].why
    assert any("after 'reason(s) for not'" in reason for reason in why)


def test_a_lay_name_of_what_a_part_serves_reaches_the_part_through_its_wording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'blorp machine' names the zintron generator; a query for its lead names the lead and says,
    # in lay words, which item it serves: the lead's descriptor prints the item's official wording.
    entries = [lexicon.Entry("blorp machine", ("zintron generator",), "q.toml")]
    index = index_with_lexicon(
        {
            "E9001": "Zintron generator, implantable, rechargeable",
            "C9001": "Lead, for use with zintron generator, each",
            "A9001": "Lead wires, any type, per pair",
            "A9002": "Plinth machine lead, each",
        },
        entries,
        monkeypatch,
    )
    assert codes(index, "blorp machine")[0] == "E9001"
    assert "C9001" not in codes(index, "blorp machine")  # not a name of the lead
    assert codes(index, "lead for blorp machine")[0] == "C9001"
    why = search(index, "lead for blorp machine", explain=True).hits[0].why
    assert any("'blorp machine' means 'zintron generator' (lexicon)" in r for r in why)


def test_a_lay_name_reaches_what_a_quality_code_reports_was_not_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'zed virus' names the zorbic infection; in the reason code the infection is negated ('for
    # not receiving screening for zorbic infection'), yet it is what the code reports on. A
    # patient who declined or refused asks for the reason code, not for the screening done.
    entries = [
        lexicon.Entry("zed virus", ("zorbic",), "q.toml"),
        lexicon.Entry("patient declined", ("patient declined",), "q.toml"),
    ]
    index = index_with_lexicon(
        {
            "G9811": "Patient received screening for zorbic infection",
            "G9812": "Documentation of patient reason(s) for not receiving screening for zorbic "
            "infection (e.g., patient declined, other patient reasons)",
            "G9813": "Documentation of patient reason(s) for not receiving blick counseling",
        },
        entries,
        monkeypatch,
    )
    assert codes(index, "zed virus screening")[0] == "G9811"
    assert codes(index, "zed virus screening declined")[0] == "G9812"
    why = search(index, "zed virus screening declined", explain=True).hits[0].why
    assert any("'zed' in lexicon, after 'reason(s) for not'" in reason for reason in why)


def test_non_before_a_word_negates_it_on_both_sides() -> None:
    # 'non-sterile' says what 'without sterile packing' says; a query that negates the word
    # finds either wording, and a query for the word itself finds neither.
    index = index_of(
        {
            "A9101": "Zorb glove, non-sterile, per 100",
            "A9102": "Zorb glove, sterile, per pair",
            "A9103": "Blick pad, without latex, each",
            "A9104": "Blick pad, latex, each",
        }
    )
    assert codes(index, "zorb glove not sterile")[0] == "A9101"
    assert codes(index, "zorb glove sterile")[0] == "A9102"
    assert codes(index, "non latex blick pad")[0] == "A9103"
    assert codes(index, "nonlatex blick pad")[0] == "A9103"
    assert codes(index, "blick pad latex")[0] == "A9104"


def test_a_longer_stretch_of_the_query_found_word_for_word_counts_more() -> None:
    # Both print 'within 30 days' and 'after zorb'; only the second prints 'within 30 days after
    # zorb' as typed. 'within' ends the query's head: 'days' is not the item asked for.
    index = index_of(
        {
            "G9701": "Death occurring after zorb from the plinth but within 30 days post procedure",
            "G9702": "Patient received blick-up on the date of zorb or within 30 days after zorb",
        }
    )
    assert roles("seen within 30 days after zorb").head == "seen"
    assert codes(index, "seen within 30 days after zorb")[0] == "G9702"
    why = search(index, "seen within 30 days after zorb", explain=True).hits[0].why
    assert "5 query words found together" in why


def test_a_slip_in_a_word_typed_apart_from_the_word_it_is_joined_to() -> None:
    # Descriptors print 'non-zorbate' (filed joined); the query types the two apart with a slip
    # in the second word, which alone is a near miss of the plain 'zorbate' of the other code.
    index = index_of(
        {
            "A9111": "Blick solution, non-zorbate containing, 500 ml",
            "A9112": "Blick solution, any concentration of zorbate, 1000 ml",
        }
    )
    assert codes(index, "blick non zorbtae")[0] == "A9111"
    assert codes(index, "blick zorbtae")[0] == "A9112"


def test_with_or_without_a_part_answers_a_query_for_the_item_without_it() -> None:
    # The rails are optional on the first: a query for it without rails finds it first, and so
    # does a query for it with rails; a query for another item without rails is not drawn to it.
    index = index_of(
        {
            "E9121": "Zorb bed with or without side rails",
            "E9122": "Blick bed, fixed height, without side rails, with mattress",
            "E9123": "Blick bed, fixed height, with side rails, with mattress",
        }
    )
    assert codes(index, "zorb bed without side rails")[0] == "E9121"
    assert codes(index, "zorb bed with side rails")[0] == "E9121"
    assert codes(index, "blick bed without side rails")[0] == "E9122"
    assert codes(index, "blick bed with side rails")[0] == "E9123"


@pytest.mark.parametrize(
    ("query", "searched"),
    [
        ("what is the code for a zorb walker", "zorb walker"),
        ("billing code for zorb crutches", "zorb crutches"),
        ("how do i bill zorb support?", "zorb support?"),
        ("zorb cane hcpcs code", "zorb cane"),
        ("which code is used for zorbadone", "zorbadone"),
        ("code H9999", "h9999"),
        ("is there a code for zorb support", "zorb support"),
        ("i need a zorb wheelchair", "zorb wheelchair"),
        ("my dad needs zorb oxygen at home", "zorb oxygen at home"),
        # Nothing else to search for, or the word is part of what is asked for: kept as typed.
        ("hcpcs code", "code"),
        ("procedure code change", "procedure code change"),
        ("use with zorb walker", "use with zorb walker"),
    ],
)
def test_a_request_for_a_code_around_the_query_is_left_out(query: str, searched: str) -> None:
    assert without_request(query) == searched


def test_a_question_for_a_code_finds_what_it_asks_about() -> None:
    # 'need' and 'code' are words of other descriptors: asked for, the cane still wins.
    index = index_of(
        {
            "E9131": "Zorb cane, adjustable or fixed, with tip",
            "G9132": "Patients in special needs plans with a zorb code documented",
        }
    )
    assert codes(index, "need code for a zorb cane")[0] == "E9131"
    assert codes(index, "zorb cane billing code")[0] == "E9131"
    assert codes(index, "i need a zorb cane")[0] == "E9131"
    assert codes(index, "code E9131")[0] == "E9131"


def test_a_placeholder_for_what_the_asker_cannot_name_is_not_searched() -> None:
    # 'thing' is a slip away from 'thin' and 'sling' and in no descriptor: it must neither find
    # the thin dressing nor drown the words that name the item.
    descriptors = {f"A9{150 + i}": f"Zorb test supply, model {i}, each" for i in range(30)}
    descriptors["A9141"] = "Zorb test strips for home zorb monitoring, per 50"
    descriptors["A9142"] = "Blick dressing, thin, sterile, each"
    descriptors["A9143"] = "Arm sling, any size, each"
    index = index_of(descriptors)
    for query in ("thing for zorb test", "a thing for zorb strips", "thing to check zorb"):
        found = codes(index, query)
        assert found[0] == "A9141"
        assert not {"A9142", "A9143"} & set(found)
