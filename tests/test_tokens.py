"""Text handling shared by the index and the query: stems, heads, roles."""

from __future__ import annotations

import pytest

from hcpcs_cli.lexicon import head_words
from hcpcs_cli.tokens import analyze, query_terms, roles, stem


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("services", "service"),
        ("therapies", "therapy"),
        ("boxes", "box"),
        ("dressings", "dressing"),
        ("glasses", "glass"),
        ("diagnosis", "diagnosis"),
        ("prostheses", "prosthesis"),
        ("orthoses", "orthosis"),
        ("doses", "dose"),
        ("feet", "foot"),
        ("lenses", "lens"),
        ("goes", "go"),
        ("toes", "toe"),
    ],
)
def test_one_stem_for_singular_and_plural(word: str, expected: str) -> None:
    assert stem(word) == expected
    assert stem(expected) == expected  # the singular is its own stem: query and index agree


def test_a_family_opened_by_all_is_not_the_item() -> None:
    text = "All lower extremity prostheses, foot, external keel, sach foot"
    assert roles(text).head == "foot"
    assert head_words(text)[-1] == "foot"
    # Only a family followed by a comma: a parenthesis inside the name does not open one.
    assert roles("All potassium hydroxide (koh) preparations").head == "hydroxide"


def test_query_words_after_a_negation_are_marked() -> None:
    assert query_terms("dressing without adhesive") == ["dressing", "!adhesive"]


def test_pronouns_and_relative_words_are_function_words() -> None:
    # Everyday queries are full of them; descriptors use them only as glue ('patients who ...').
    words = query_terms("a chair that lifts you up so he can stand by himself")
    assert {"chair", "lift", "stand"} <= set(words)
    assert not {"that", "you", "he"} & set(words)


def test_a_negation_reaches_the_rest_of_the_list_it_opens() -> None:
    def negated(text: str) -> list[str]:
        return [t for t in query_terms(text) if t.startswith("!")]

    text = "Record of zibbets not documented as obtained, updated, or reviewed by the clinician"
    assert negated(text) == ["!documented", "!obtained", "!updated", "!reviewed", "!clinician"]
    # A list of contents after the negated clause is not negated, nor a new clause.
    assert negated(
        "Heat lamp, without stand (table model), includes bulb, or infrared element"
    ) == ["!stand"]
    assert negated("Dressing, without adhesive border, each") == ["!adhesive", "!border"]


def test_a_negation_in_parentheses_ends_with_them() -> None:
    text = "Drug (other than tobacco) abuse assessment (e.g., audit, dast), and brief intervention"
    assert [t for t in query_terms(text) if t.startswith("!")] == ["!tobacco"]


def test_a_head_ends_before_a_verb_and_its_preposition() -> None:
    # 'provided in', 'has been treated with', 'under pressure': the item is what comes before.
    assert roles("Drobble care provided in a skilled facility, per diem").head == "care"
    assert roles("Patient has been treated with a drobble for at least 6 months").head == "patient"
    assert roles("Hyperbaric drobble under pressure, full body chamber").head == "drobble"
    assert roles("Services performed by a qualified drobbler, each 15 minutes").head == "service"
    # An adjective in -ed before the noun is not cut: the cut only comes before a preposition.
    assert roles("Powered drobble overlay, alternating").head == "overlay"


def test_ranges_and_bounds_read_from_descriptors_and_queries() -> None:
    from hcpcs_cli.quantities import Interval, amounts, intervals, judge, stated

    inf = float("inf")
    assert intervals("stocking, thigh length, 18-30 mmhg") == [Interval(18, 30)]
    assert intervals("pad size more than 16 sq. in. but less than or equal to 48 sq. in.") == [
        Interval(16, 48, True, False)
    ]
    assert intervals("weight capacity greater than 250 pounds") == [Interval(250, inf, True, True)]
    assert intervals("sterile 1 cc or less") == [Interval(-inf, 1, True, False)]
    assert intervals("lvef < 40%") == [Interval(-inf, 40, True, True)]
    assert intervals("level 7.0 to 9.0%") == [Interval(7, 9)]
    assert intervals("stage t1-t2c") == []  # a number inside a word is no amount
    assert amounts("a1c between 7 and 9") == [Interval(7, 9)]
    assert amounts("chair 300 lbs") == [Interval(300, 300)]
    assert amounts("power chair group 3") == []  # a number without a unit names a kind
    assert intervals("pad 16 sq. in. or less") == [Interval(-inf, 16, True, False)]
    assert intervals("aged 65 years and over") == [Interval(65, inf, False, True)]
    assert judge(amounts("ejection fraction under 40"), intervals("lvef < 40%")) == 1
    assert judge(amounts("ejection fraction under 40"), intervals("lvef >= 40%")) == -1
    assert judge(amounts("20-30"), intervals("18-30 mmhg")) == 1
    assert judge(amounts("20-30"), intervals("30-40 mmhg")) == -1
    assert judge(amounts("20-30"), intervals("per 30 days")) == 0
    # a number at a range's end is matched by the words already, not again as an amount
    assert judge(amounts("15 minutes"), intervals("up to 15 minutes")) == 0
    assert judge(amounts("15 minutes"), intervals("greater than 15 minutes")) == -1
    assert judge(amounts("10 minutes"), intervals("up to 15 minutes")) == 1
    # sides typed are an area, litres are cc; worked out, so a range's end counts
    assert amounts("4x4 gauze") == [Interval(16, 16, derived=True)]
    assert amounts('2" x 3" pad') == [Interval(6, 6, derived=True)]
    assert amounts("2 liter bag") == [Interval(2, 2), Interval(2000, 2000, derived=True)]
    assert judge(amounts("4x4 gauze"), intervals("pad 16 sq. in. or less")) == 1
    assert judge(amounts("4x4 gauze"), intervals("more than 16 sq. in.")) == -1
    # a package's volume is stated too (a billing unit, 'per 10 ml', is not)
    assert stated("Infusion, saline solution, 1000 cc") == [Interval(1000, 1000)]
    assert stated("Injection, saline, per 10 ml") == []
    assert judge(amounts("1 liter"), stated("Saline solution, sterile (500 ml = 1 unit)")) == -1


def test_a_first_clause_naming_only_a_family_gives_way_to_the_item_after_it() -> None:
    parts = roles("Power drobble accessory, sip and puff interface, nonproportional, each")
    assert parts.head == "interface" and {"power", "drobble"} <= parts.objects
    assert roles("Replacement, tip, cane, crutch, walker, each").head == "tip"
    assert roles("Contraceptive supply, drobble, male, each").head == "drobble"
    assert roles("Upper drobble additions, polycentric zinge, pair").head == "zinge"
    # what the family is for, a catch-all or an example is not an item
    assert roles("Shunt accessory, for hemodialysis, any type, each").head == "accessory"
    assert roles("Drobble supplies/accessories, not otherwise specified").head == "accessory"
    # after a semicolon, supplies serve a service: they are still supplies
    assert roles("Als disposable supplies; defibrillation").head == "supply"


def test_the_forms_of_a_word_share_its_root_and_unrelated_words_do_not() -> None:
    from hcpcs_cli.tokens import root

    assert root("certifying") == root("certification") == root("certify")
    assert root("removed") == root("removal")
    assert root("scanner") == root("scan")
    assert root("observation") == root("observed")
    assert root("continuous") != root("continence")
    assert root("medicine") != root("medical")
    assert root("cast") == "cast"  # short words keep their letters


def test_roman_numerals_are_read_as_digits_where_they_count_kinds() -> None:
    from hcpcs_cli.tokens import read_alike

    assert query_terms("Sleep test, type III portable monitor")[-4:-1] == ["type", "3", "portable"]
    assert query_terms("drobble stage 3") == query_terms("Drobble, stage III")
    assert read_alike("factor viii, per i.u.") == "factor 8, per i.u."
    assert read_alike("trellis ii system") == "trellis 2 system"  # two letters or more: a numeral
    # 'iv' alone is intravenous, 'i' alone a letter or an element ('iodine i-131')
    assert read_alike("an iv pole; iodine i-131; class iv") == "an iv pole; iodine i-131; class 4"
    # a unit typed against its number is a word of its own, as descriptors print it
    assert query_terms("drobline 10mg") == query_terms("Drobline, 10 mg")
    assert read_alike("over 249cc; 20min; 1000units; 3d; 1a; 2nd") == (
        "over 249 cc; 20 min; 1000 units; 3d; 1a; 2nd"
    )
    # slashed shorthand, as short descriptors and coders write it
    assert read_alike("foam drg w/o bdr; gauze w/bdr; w/c cushion; f/u w/in 30 days") == (
        "foam drg without bdr; gauze with bdr; w/c cushion; follow-up within 30 days"
    )
    assert query_terms("drobble dressing w/o border")[-1] == "!border"


def test_what_comes_with_or_without_is_filed_both_ways() -> None:
    tokens, extra = analyze("Zorb pad, with or without blick backing (plain or coated), each")
    assert {t.term for t in tokens if not t.negated} >= {"blick", "backing"}
    assert set(extra) == {"!blick", "!backing"}  # the clause ends at the parenthesis
    assert analyze("Zorb pad, without blick backing")[1] == ()
