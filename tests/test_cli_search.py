"""hcpcs search: words, abbreviations, typos, codes; one status rule; honest cut-offs."""

from __future__ import annotations

import json

import pytest
from conftest import invoke, results


def _codes(args: list[str]) -> list[str]:
    r = invoke(["search", *args, "--json"])
    assert r.exit_code == 0, r.stderr
    return [hit["code"] for hit in results(r)]


def test_halfway_house_ranks_h2034_first(home) -> None:
    assert _codes(["halfway house"])[0] == "H2034"


def test_sex_offender_treatment_puts_h2028_and_h2029_on_top(home) -> None:
    assert set(_codes(["sex offender treatment"])[:2]) == {"H2028", "H2029"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("iop", "H0015"),
        ("sober living", "H2034"),
        ("methadon", "H0020"),
        ("psychoeducation", "H2027"),
        ("assertive community treatment per diem", "H0040"),
        ("first episode psychosis monthly", "H2040"),
        ("peer support", "H0038"),
        ("targeted case managment", "T1017"),
    ],
)
def test_bundled_records_answer_trade_and_lay_words(home, query: str, expected: str) -> None:
    assert expected in _codes([query])[:3]


def test_json_shape_best_first(home) -> None:
    data = json.loads(invoke(["search", "crisis", "--json", "--limit", "5"]).stdout)
    assert data["query"] == "crisis" and data["release"] is None
    hits = data["results"]
    assert 0 < len(hits) <= 5 and data["shown"] == len(hits) and data["total"] >= len(hits)
    assert {"code", "descriptor", "score", "status", "status_text"} <= set(hits[0])
    scores = [d["score"] for d in hits]
    assert scores == sorted(scores, reverse=True)


def test_code_and_prefix_queries(home) -> None:
    assert _codes(["h2028"])[0] == "H2028"
    prefixed = _codes(["H20", "--limit", "50"])
    assert prefixed and all(c.startswith("H20") for c in prefixed)
    assert _codes(["H2027-H2030"]) == ["H2027", "H2028", "H2029", "H2030"]


def test_table_output_and_the_cut_off_note(imported) -> None:
    r = invoke(["search", "halfway", "house"])
    assert r.exit_code == 0
    first = next(line for line in r.stdout.splitlines() if "H2034" in line)
    assert "halfway house" in first.lower()
    r = invoke(["search", "alcohol drug services", "--limit", "3"])
    assert "hcpcs: 3 of " in r.stderr and "shown" in r.stderr


def test_bundled_only_search_says_what_it_searched(home) -> None:
    r = invoke(["search", "crisis"])
    assert "searched the bundled records" in r.stderr or "bundled records; import" in r.stderr
    assert "hcpcs data update" in r.stderr


def test_weak_matches_are_not_answers(home) -> None:
    # No bundled record is about wheelchairs: a word in some summary is not an answer.
    r = invoke(["search", "power wheelchair battery"])
    assert r.exit_code == 1 and "no codes match" in r.stderr


def test_terminated_codes_rank_below_active_and_can_be_hidden(imported) -> None:
    data = results(invoke(["search", "opioid treatment weekly bundle", "--json", "--limit", "30"]))
    states = [h["status"] == "active" for h in data]
    assert states == sorted(states, reverse=True)
    hidden = results(
        invoke(["search", "opioid treatment weekly bundle", "--json", "--active-only"])
    )
    assert all(h["status"] == "active" for h in hidden)


def test_codes_newer_than_the_release_are_marked_and_ranked_after(imported) -> None:
    data = results(invoke(["search", "skills training development", "--json", "--limit", "20"]))
    h2038 = next(h for h in data if h["code"] == "H2038")
    assert h2038["status"] == "not-in-release" and "added 2022-04-01" in h2038["status_text"]
    first_outside = [h["status"] for h in data].index("not-in-release")
    assert all(h["status"] != "active" for h in data[first_outside:])


def test_modifiers_on_request(imported) -> None:
    data = results(invoke(["search", "substance abuse program", "--kind", "modifier", "--json"]))
    assert data[0]["code"] == "HF" and data[0]["kind"] == "modifier"
    procedures = results(invoke(["search", "substance abuse program", "--json"]))
    assert all(h["kind"] == "procedure" for h in procedures)


def test_explain_names_the_mechanism(home) -> None:
    data = results(invoke(["search", "iop", "--explain", "--json"]))
    top = next(h for h in data if h["code"] == "H0015")
    assert any("iop" in w.lower() for w in top["why"])


def test_empty_query_is_a_usage_error(home) -> None:
    r = invoke(["search", "   "])
    assert r.exit_code == 2 and r.stderr.startswith("hcpcs: error: empty search query")


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "markdown"])
def test_no_match_exits_1_in_every_format(home, fmt: str) -> None:
    r = invoke(["search", "qqqqzzzz", "--format", fmt])
    assert r.exit_code == 1 and "no codes match" in r.stderr


def test_prefix_filter(imported) -> None:
    data = results(invoke(["search", "crisis", "--prefix", "h20", "--json"]))
    assert [h["code"] for h in data][:1] == ["H2011"]
    r = invoke(["search", "crisis", "--section", "H"])
    assert r.exit_code == 2 and "--section" in r.stderr


def test_noise_below_the_best_is_dropped(imported) -> None:
    data = results(invoke(["search", "sober living", "--json"]))
    assert data[0]["code"] == "H2034"
    assert all(h["score"] >= data[0]["score"] * 0.15 for h in data)


def test_modifier_code_as_query(imported) -> None:
    data = results(invoke(["search", "hf", "--kind", "modifier", "--json"]))
    assert data[0]["code"] == "HF" and data[0]["descriptor"] == "Substance abuse program"


@pytest.mark.parametrize(
    "query, first",
    [
        ("wheelchair", {"K0001"}),
        ("walker", {"E0130", "E0135"}),
        ("cane", {"E0100"}),
        ("knee brace", {"L1810", "L1812", "L1820", "L1830", "L1850"}),
        ("nicotine gum", {"S4995"}),
        ("oxygen concentrator", {"E1390", "E1392"}),
        ("crutches", {"E0110", "E0111", "E0112", "E0113", "E0114", "E0116", "E0117"}),
        # Its replacement parts print the query as their head phrase; the device does not.
        ("cochlear implant", {"L8614"}),
    ],
)
def test_the_thing_itself_before_its_parts(imported_full, query: str, first: set[str]) -> None:
    # Off the benchmark: lay queries for equipment put the device before its accessories.
    assert _codes([query])[0] in first


@pytest.mark.parametrize(
    "query, first",
    [
        # Everyday words for the body reach the clinical words of the descriptors.
        ("tummy tube feeding", {"B4087", "B4088"}),
        ("belly binder", {"A4465"}),
        ("poop test", {"G0328"}),
    ],
)
def test_everyday_words_reach_the_clinical_wording(
    imported_full, query: str, first: set[str]
) -> None:
    assert _codes([query])[0] in first
