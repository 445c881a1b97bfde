"""hcpcs show: the official descriptor, one status, and the plain-language record."""

from __future__ import annotations

import json

import pytest
from conftest import invoke


def _show(*args: str) -> list[dict]:
    r = invoke(["show", *args, "--json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_show_h2028_per_15_minutes_with_indications_setting_personnel(home) -> None:
    r = invoke(["show", "H2028"])
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "Sexual offender treatment service, per 15 minutes" in out
    for title in (
        "Indications",
        "Setting",
        "Personnel",
        "Billing notes",
        "Similar codes",
        "Alternatives",
    ):
        assert title in out
    assert "per diem" not in out.split("Similar codes")[0].split("Summary")[0]
    assert "\x1b[" not in out  # piped output carries no colour codes


@pytest.mark.parametrize("spelling", ["h2028", "h-2028", "H 2028", "H2028 "])
def test_show_accepts_any_spelling(home, spelling: str) -> None:
    assert _show(spelling)[0]["code"] == "H2028"


def test_show_json_is_always_an_array(home) -> None:
    (entry,) = _show("H0015")
    assert entry["descriptor"].startswith("Alcohol and/or drug services; intensive outpatient")
    record = entry["record"]
    assert "IOP" in record["abbreviations"]
    assert record["billing"]["modifiers"][0].keys() == {"code", "meaning", "use"}
    assert all(len(s["difference"]) > 10 for s in record["similar"])
    assert [d["code"] for d in _show("H2028", "H2029")] == ["H2028", "H2029"]


def test_jsonl_streams_one_object_per_line(home) -> None:
    lines = invoke(["show", "H2028", "H2029", "--jsonl"]).stdout.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["H2028", "H2029"]


def test_show_one_section(home) -> None:
    r = invoke(["show", "H2028", "--section", "billing"])
    assert "Billing notes" in r.stdout and "HQ" in r.stdout and "Group setting" in r.stdout
    assert "Summary" not in r.stdout and "Indications" not in r.stdout
    (entry,) = _show("H2028", "--section", "similar")
    assert list(entry["record"]) == ["similar"]


def test_unknown_section_is_a_usage_error(home) -> None:
    r = invoke(["show", "H2028", "--section", "colour"])
    assert r.exit_code == 2
    assert r.stderr.strip().startswith("hcpcs: error: unknown section 'colour'")
    assert "billing" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_unknown_code_exits_1_with_suggestions(home) -> None:
    r = invoke(["show", "Z9999"])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("hcpcs: error: unknown code Z9999")
    assert len(r.stderr.strip().splitlines()) == 1


def test_near_miss_suggests_the_neighbour(imported) -> None:
    r = invoke(["show", "H2093"])
    assert r.exit_code == 1
    assert "did you mean" in r.stderr and "H2033" in r.stderr


def test_malformed_code_is_a_usage_error(home) -> None:
    r = invoke(["show", "hello world"])
    assert r.exit_code == 2
    assert "is not a HCPCS Level II code" in r.stderr


def test_without_a_release_the_status_says_so(home) -> None:
    (entry,) = _show("H2028")
    assert entry["status"] == "no-release" and entry["status_text"] == "no release imported"
    assert "no release imported" in invoke(["show", "H2028"]).stdout


def test_show_with_release_merges_official_fields(imported) -> None:
    r = invoke(["show", "H2028"])
    assert "Medicare fields (CMS release 2020)" in r.stdout
    assert "I: not payable by Medicare" in r.stdout
    assert "Summary" in r.stdout
    (entry,) = _show("H2028")
    assert entry["status"] == "active" and entry["release"] == "2020"
    assert entry["official"]["coverage"] == "I" and entry["coverage"] == "I"


def test_show_release_only_code_spells_out_fields(imported) -> None:
    r = invoke(["show", "E0601"])
    assert r.exit_code == 0
    out = r.stdout
    assert "Continuous positive airway pressure (cpap) device" in out
    assert "D: special coverage instructions apply" in out
    assert "36: DME, capped rental" in out
    assert "D1E: DME: other durable medical equipment" in out
    assert "active" in out and "1988-01-01" in out


def test_show_terminated_code(imported) -> None:
    r = invoke(["show", "G0164"])
    assert "terminated 2016-12-31" in r.stdout
    (entry,) = _show("G0164")
    assert entry["status"] == "terminated" and entry["termination_date"] == "2016-12-31"


def test_a_code_added_after_the_release_is_not_in_it(imported) -> None:
    (entry,) = _show("H2038")
    assert entry["status"] == "not-in-release"
    assert entry["status_text"] == "not in release 2020 (added 2022-04-01)"
    assert "not in release 2020 (added 2022-04-01)" in invoke(["show", "H2038"]).stdout


def test_show_modifier(imported) -> None:
    r = invoke(["show", "HF"])
    assert r.exit_code == 0
    assert "Substance abuse program" in r.stdout and "modifier" in r.stdout


def test_code_with_modifier_shows_the_modifier_meaning(imported) -> None:
    (entry,) = _show("H2028-HF")
    assert entry["code"] == "H2028"
    assert entry["modifiers"] == [
        {"code": "HF", "descriptor": "Substance abuse program", "source": "release 2020"}
    ]
    assert "Modifier           HF: Substance abuse program" in invoke(["show", "h2028 hf"]).stdout


def test_modifier_lists_the_records_that_report_it(imported) -> None:
    (entry,) = _show("HQ")
    codes = [u["code"] for u in entry["used_with"]]
    assert "H2028" in codes and "H0038" in codes
    assert all(u["use"] for u in entry["used_with"])
    assert "Reported with (bundled records)" in invoke(["show", "HF"]).stdout


def test_a_modifier_known_only_from_the_records(home) -> None:
    (entry,) = _show("HQ")
    assert entry["kind"] == "modifier" and entry["descriptor"] == "Group setting"
    assert any("import a release" in n for n in entry["notes"])


def test_also_called_parts_names_by_semicolons_and_repeats_none(home) -> None:
    # G0396 has a common name with a comma in it ("SBIRT, 15 to 30 minutes") and an abbreviation
    # that begins that name: each name must read whole, and none twice.
    r = invoke(["show", "G0396", "--plain"], env={"COLUMNS": "400"})
    assert r.exit_code == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("Also called"))
    names = [n.strip() for n in line.removeprefix("Also called").split(";")]
    assert "SBIRT, 15 to 30 minutes" in names
    assert names.count("SBIRT") == 1
    assert len(names) == len(set(names))
