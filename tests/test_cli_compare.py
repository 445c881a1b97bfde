"""hcpcs compare: look-alike codes side by side."""

from __future__ import annotations

import json

from conftest import invoke

from hcpcs_cli.compare import key_difference


def test_h2028_vs_h2029_units_side_by_side(home) -> None:
    r = invoke(["compare", "H2028", "H2029"])
    assert r.exit_code == 0, r.stderr
    assert "Key difference: H2028: per 15 minutes · H2029: per diem" in r.stdout
    unit_line = next(line for line in r.stdout.splitlines() if "Unit" in line)
    assert "per 15 minutes" in unit_line and "per diem" in unit_line
    assert "(differs)" in r.stdout and "(shared)" in r.stdout


def test_compare_json(home) -> None:
    data = json.loads(invoke(["compare", "H2028", "H2029", "--json"]).stdout)
    assert data["codes"] == ["H2028", "H2029"]
    rows = {row["name"]: row for row in data["rows"]}
    assert rows["Unit"]["values"] == {"H2028": "per 15 minutes", "H2029": "per diem"}
    assert rows["Unit"]["shared"] is False
    assert {
        "Descriptor",
        "Setting",
        "Personnel",
        "Indications",
        "Duration",
        "Billing notes",
    } <= set(rows)
    assert any(d["code"] == "H2028" and d["similar"] == "H2029" for d in data["distinctions"])


def test_one_code_compares_with_its_similar_codes(home) -> None:
    data = json.loads(invoke(["compare", "H2028", "--json"]).stdout)
    assert data["codes"][0] == "H2028" and "H2029" in data["codes"] and len(data["codes"]) >= 3


def test_three_codes(home) -> None:
    data = json.loads(invoke(["compare", "H0036", "H0039", "H2015", "--json"]).stdout)
    assert len(data["codes"]) == 3
    assert "H0039: Assertive community treatment, face-to-face" in data["key_difference"]


def test_errors(home) -> None:
    assert invoke(["compare", "H2028", "H2028"]).exit_code == 2
    r = invoke(["compare", "H2028", "Z9999"])
    assert r.exit_code == 1 and "unknown code Z9999" in r.stderr


def test_key_difference_finds_the_qualifiers() -> None:
    assert (
        key_difference(
            {
                "A": "Supported housing, per diem",
                "B": "Supported housing, per month",
            }
        )
        == "A: per diem · B: per month"
    )
    assert key_difference({"A": "Same words", "B": "Same words"}) == "same official descriptor"
    assert key_difference(
        {
            "H0009": "Alcohol and/or drug services; acute detoxification (hospital inpatient)",
            "H0010": "Alcohol and/or drug services; sub-acute detoxification (residential addiction program inpatient)",
        }
    ) == (
        "H0009: acute detoxification (hospital inpatient) · "
        "H0010: sub-acute detoxification (residential addiction program inpatient)"
    )


def test_compare_with_release_adds_status_rows(imported) -> None:
    data = json.loads(invoke(["compare", "E0601", "E0100", "--json"]).stdout)
    rows = {row["name"]: row for row in data["rows"]}
    assert rows["Status"]["shared"] is True and rows["Status"]["values"]["E0601"] == "active"
    assert "cpap" in rows["Descriptor"]["values"]["E0601"].lower()


def test_status_row_agrees_with_show(imported) -> None:
    data = json.loads(invoke(["compare", "H2037", "H2038", "--json"]).stdout)
    status = {row["name"]: row for row in data["rows"]}["Status"]["values"]
    assert status["H2038"] == "not in release 2020 (added 2022-04-01)"
    shown = json.loads(invoke(["show", "H2038", "--json"]).stdout)[0]["status_text"]
    assert status["H2038"] == shown
