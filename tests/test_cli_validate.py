"""hcpcs validate: claim batches and fee schedules."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import invoke


def test_mixed_codes_report_each_and_exit_1(imported) -> None:
    r = invoke(["validate", "H2028", "G0164", "ZZ999", "--json"])
    assert r.exit_code == 1
    data = {d["input"]: d for d in json.loads(r.stdout)}
    assert data["H2028"]["status"] == "active"
    assert data["H2028"]["descriptor"] == "Sexual offender treatment service, per 15 minutes"
    assert (
        data["G0164"]["status"] == "terminated"
        and data["G0164"]["termination_date"] == "2016-12-31"
    )
    assert data["ZZ999"]["status"] == "invalid"


def test_unknown_well_formed_code(imported) -> None:
    data = json.loads(invoke(["validate", "Z9999", "--json"]).stdout)
    assert data[0]["status"] == "unknown"


def test_all_active_exits_0_with_table(imported) -> None:
    r = invoke(["validate", "h-2028", "E0601", "J1100"])
    assert r.exit_code == 0
    assert "active" in r.stdout and "E0601" in r.stdout
    assert r.stderr.strip() == "hcpcs: 3 active of 3"


def test_code_with_modifier(imported) -> None:
    data = json.loads(invoke(["validate", "H2028-HF", "H2028-ZZ", "--json"]).stdout)
    assert data[0]["status"] == "active" and data[0]["modifiers"] == ["HF"]
    assert data[1]["status"] == "unknown" and "ZZ" in data[1]["message"]


def test_stdin_lines_with_crlf_and_blanks(imported) -> None:
    r = invoke(["validate", "--json"], input="H2028\r\n\r\nE0601\r\n# comment\r\nG0164\r\n")
    assert [d["code"] for d in json.loads(r.stdout)] == ["H2028", "E0601", "G0164"]
    assert r.exit_code == 1


def test_csv_column_with_bom(imported, tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes("\ufeffclaim,Code,units\r\n1,H2028,4\r\n2,E0601,1\r\n3,,1\r\n".encode())
    data = json.loads(
        invoke(["validate", "--file", str(path), "--column", "code", "--json"]).stdout
    )
    assert [d["input"] for d in data] == ["H2028", "E0601", ""]
    assert [d["status"] for d in data] == ["active", "active", "invalid"]
    by_number = json.loads(
        invoke(["validate", "--file", str(path), "--column", "2", "--json"]).stdout
    )
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
    codes = ["H2028", "E0601", "G0164", "A0021"] * 2500
    r = invoke(["validate", "--json"], input="\n".join(codes))
    data = json.loads(r.stdout)
    assert len(data) == 10000 and sum(d["status"] == "terminated" for d in data) == 2500


def test_missing_file(imported, tmp_path: Path) -> None:
    r = invoke(["validate", "--file", str(tmp_path / "nope.txt")])
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_without_release_bundled_codes_validate(home) -> None:
    data = json.loads(invoke(["validate", "H2028", "E0601", "--json"]).stdout)
    assert data[0]["status"] == "active" and data[1]["status"] == "unknown"


def test_code_newer_than_the_release_says_so(imported) -> None:
    (row,) = json.loads(invoke(["validate", "H0051", "--json"]).stdout)
    assert row["status"] == "unknown" and row["descriptor"] == "Traditional healing service"
    assert "not in CMS release 2020" in row["message"] and "2026-01" in row["message"]
