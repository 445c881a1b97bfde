"""hcpcs validate: claim batches and fee schedules, on a date of service."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import invoke, results


def _rows(args: list[str], input: str | None = None) -> list[dict]:
    return results(invoke(["validate", *args, "--json"], input=input))


def test_mixed_codes_report_each_and_exit_1(imported) -> None:
    r = invoke(["validate", "H2028", "G0164", "ZZ999", "--json"])
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["release"] == "2020" and report["total"] == 3 and report["ok"] is False
    assert report["counts"]["active"] == 1 and report["counts"]["invalid"] == 1
    data = {d["input"]: d for d in report["results"]}
    assert data["H2028"]["status"] == "active" and data["H2028"]["release"] == "release 2020"
    assert data["H2028"]["descriptor"] == "Sexual offender treatment service, per 15 minutes"
    assert data["G0164"]["status"] == "terminated"
    assert data["G0164"]["termination_date"] == "2016-12-31"
    assert data["ZZ999"]["status"] == "invalid"


def test_unknown_well_formed_code(imported) -> None:
    assert _rows(["Z9999"])[0]["status"] == "unknown"


def test_all_active_exits_0_with_table(imported) -> None:
    r = invoke(["validate", "h-2028", "E0601", "J2405"])
    assert r.exit_code == 0, r.stderr
    assert "active" in r.stdout and "E0601" in r.stdout
    assert r.stderr.strip() == "hcpcs: 3 active of 3"


def test_code_with_modifier(imported) -> None:
    data = _rows(["H2028-HF", "H2028-ZZ"])
    assert data[0]["status"] == "active" and data[0]["modifiers"] == ["HF"]
    assert data[1]["status"] == "unknown" and "ZZ" in data[1]["message"]


def test_stdin_lines_with_crlf_cr_and_blanks(imported) -> None:
    data = _rows([], input="H2028\r\n\r\nE0601\r\n# comment\r\nG0164\rH2034\n")
    assert [d["code"] for d in data] == ["H2028", "E0601", "G0164", "H2034"]


def test_csv_column_with_bom(imported, tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes("\ufeffclaim,Code,units\r\n1,H2028,4\r\n2,E0601,1\r\n3,,1\r\n".encode())
    data = _rows(["--file", str(path), "--column", "code"])
    assert [d["input"] for d in data] == ["H2028", "E0601", ""]
    assert [d["status"] for d in data] == ["active", "active", "invalid"]
    by_number = _rows(["--file", str(path), "--column", "2"])
    assert [d["input"] for d in by_number] == ["H2028", "E0601", ""]


def test_missing_column_is_a_usage_error(imported, tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text("claim,units\n1,4\n")
    r = invoke(["validate", "--file", str(path), "--column", "code"])
    assert r.exit_code == 2 and "no column named 'code' (columns: claim, units)" in r.stderr


def test_csv_output_is_valid_csv(imported) -> None:
    r = invoke(["validate", "H2028", "G0164", "--csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[1]["status"] == "terminated" and rows[1]["termination_date"] == "2016-12-31"


def test_ten_thousand_codes(imported) -> None:
    codes = ["H2028", "E0601", "G0164", "J2405"] * 2500
    report = json.loads(invoke(["validate", "--json"], input="\n".join(codes)).stdout)
    assert report["total"] == 10000 and report["counts"]["terminated"] == 2500
    assert len(report["results"]) == 10000


def test_missing_file(imported, tmp_path: Path) -> None:
    r = invoke(["validate", "--file", str(tmp_path / "nope.txt")])
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_without_release_the_status_is_not_claimed(home) -> None:
    r = invoke(["validate", "H2028", "E0601", "--json"])
    data = results(r)
    assert data[0]["status"] == "no-release" and data[1]["status"] == "unknown"
    assert r.exit_code == 1


def test_code_newer_than_the_release_says_so(imported) -> None:
    (row,) = _rows(["H0051"])
    assert row["status"] == "not-in-release" and row["descriptor"] == "Traditional healing service"
    assert row["status_text"] == "not in release 2020 (added 2024-04-01)"


def test_date_of_service_for_the_whole_list(imported) -> None:
    data = _rows(["G0164", "H2028", "--date", "2016-06-30"])
    assert [d["status"] for d in data] == ["active", "active"]
    assert all(d["date"] == "2016-06-30" for d in data)
    late = _rows(["G0164", "--date", "2017-01-01"])
    assert late[0]["status"] == "terminated"


def test_date_column_judges_each_row(imported, tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text(
        "code,dos\n"
        "G0164,2016-12-31\n"  # its last day of use
        "G0164,01/02/2017\n"  # after its termination
        "H2028,20200115\n"
        "H2038,2021-06-30\n"  # added 2022-04-01 (bundled record)
        "H2028,2021-02-30\n"  # not a date
    )
    r = invoke(
        ["validate", "--file", str(path), "--column", "code", "--date-column", "dos", "--json"]
    )
    data = results(r)
    assert [d["status"] for d in data] == [
        "active",
        "terminated",
        "active",
        "not-yet-valid",
        "invalid",
    ]
    assert data[1]["status_text"] == "terminated 2016-12-31" and data[1]["date"] == "2017-01-02"
    assert data[3]["status_text"] == "not yet valid (added 2022-04-01)"
    assert "not a date" in data[4]["message"]


def test_the_table_wraps_long_notes_instead_of_cutting_them(imported) -> None:
    r = invoke(["validate", "H0015", "G0164"], env={"COLUMNS": "60"})
    words = set(r.stdout.split())
    for word in ("intensive", "outpatient", "individualized", "2016-12-31"):
        assert any(word in w for w in words), word
    assert all(len(line) <= 60 for line in r.stdout.splitlines())


def test_a_modifier_newer_than_the_release_is_not_in_it_rather_than_unknown(imported) -> None:
    """FQ (audio-only, 2022) is absent from the 2020 release but named by bundled records that
    were checked against 2026: show and validate both say it is not in that release."""
    shown = json.loads(invoke(["show", "FQ", "--json"]).stdout)[0]
    assert shown["status"] == "not-in-release"
    assert shown["status_text"] == "not in release 2020 (added later)"
    assert "audio-only" in shown["descriptor"]
    r = invoke(["validate", "G0396-FQ", "FQ", "ZQ", "--json"])
    statuses = [x["status"] for x in json.loads(r.stdout)["results"]]
    assert statuses == ["not-in-release", "not-in-release", "unknown"]
    assert r.exit_code == 1


def test_validate_gives_the_wording_in_force_on_the_date(imported) -> None:
    def descriptor(*extra: str) -> str:
        r = invoke(["validate", "G0396", "--json", *extra])
        return str(json.loads(r.stdout)["results"][0]["descriptor"])

    assert "misuse" in descriptor()  # today: the 2026 wording the bundled record carries
    assert "misuse" in descriptor("--date", "2026-02-01")
    assert " abuse " in descriptor("--date", "2021-01-01")  # the 2020 release's wording
