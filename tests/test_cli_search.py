"""hcpcs search: words, abbreviations, typos, codes."""

from __future__ import annotations

import json

import pytest
from conftest import invoke


def _codes(args: list[str]) -> list[str]:
    r = invoke(["search", *args, "--json"])
    assert r.exit_code == 0, r.stderr
    return [hit["code"] for hit in json.loads(r.stdout)]


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
    assert 0 < len(data) <= 5
    assert {"code", "descriptor", "score"} <= set(data[0])
    scores = [d["score"] for d in data]
    assert scores == sorted(scores, reverse=True)


def test_code_and_prefix_queries(home) -> None:
    assert _codes(["h2028"])[0] == "H2028"
    prefixed = _codes(["H20", "--limit", "50"])
    assert prefixed and all(c.startswith("H20") for c in prefixed)
    assert _codes(["H2027-H2030"]) == ["H2027", "H2028", "H2029", "H2030"]


def test_table_output(home) -> None:
    r = invoke(["search", "halfway", "house"])
    assert r.exit_code == 0
    first = next(line for line in r.stdout.splitlines() if "H2034" in line)
    assert "halfway house" in first.lower()


def test_full_release_search(imported) -> None:
    codes = _codes(["wheelchair", "--limit", "10"])
    assert len(codes) == 10
    r = json.loads(invoke(["search", "wheelchair", "--json"]).stdout)
    assert all(
        "wheelchair" in h["descriptor"].lower()
        or "whlchr" in h["short_descriptor"].lower()
        or "wheelchr" in h["short_descriptor"].lower()
        for h in r
    )
    assert _codes(["zofran"])[0] in {"J2405", "Q0162", "S0119"}
    assert _codes(["cpap"])[0] == "E0601"


def test_terminated_codes_rank_below_active_and_can_be_hidden(imported) -> None:
    data = json.loads(
        invoke(["search", "home health nurse training", "--json", "--limit", "30"]).stdout
    )
    status = [h["active"] for h in data]
    assert status == sorted(status, reverse=True)
    hidden = json.loads(
        invoke(["search", "home health nurse training", "--json", "--active-only"]).stdout
    )
    assert all(h["active"] for h in hidden)


def test_modifiers_on_request(imported) -> None:
    data = json.loads(
        invoke(["search", "substance abuse program", "--kind", "modifier", "--json"]).stdout
    )
    assert data[0]["code"] == "HF" and data[0]["kind"] == "modifier"
    assert all(
        h["kind"] == "procedure"
        for h in json.loads(invoke(["search", "substance abuse program", "--json"]).stdout)
    )


def test_explain_says_why(home) -> None:
    data = json.loads(invoke(["search", "iop", "--explain", "--json"]).stdout)
    top = next(h for h in data if h["code"] == "H0015")
    assert any("iop" in w.lower() for w in top["why"])


def test_empty_query_is_a_usage_error(home) -> None:
    r = invoke(["search", "   "])
    assert r.exit_code == 2 and r.stderr.startswith("hcpcs: error: empty search query")


def test_no_match_exits_1(home) -> None:
    r = invoke(["search", "qqqqzzzz"])
    assert r.exit_code == 1 and "no codes match" in r.stderr


def test_section_filter(imported) -> None:
    data = json.loads(invoke(["search", "oxygen", "--section", "E", "--json"]).stdout)
    assert data and all(h["code"].startswith("E") for h in data)
    data = json.loads(invoke(["search", "crisis", "--prefix", "h20", "--json"]).stdout)
    assert [h["code"] for h in data][:1] == ["H2011"]


def test_noise_below_the_best_is_dropped(imported) -> None:
    data = json.loads(invoke(["search", "sober living", "--json"]).stdout)
    assert data[0]["code"] == "H2034"
    assert all(h["score"] >= data[0]["score"] * 0.15 for h in data)


def test_modifier_code_as_query(imported) -> None:
    data = json.loads(invoke(["search", "hf", "--kind", "modifier", "--json"]).stdout)
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
        ("crutches", {"E0110", "E0112", "E0114"}),
    ],
)
def test_the_thing_itself_before_its_parts(imported, query: str, first: set[str]) -> None:
    # Off the benchmark: lay queries for equipment put the device before its accessories.
    assert _codes([query])[0] in first
