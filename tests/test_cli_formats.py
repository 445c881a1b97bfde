"""hcpcs browse, and the table/json/jsonl/csv/markdown formats of every listing command."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import invoke, results


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_browse_sections_with_counts(imported) -> None:
    r = invoke(["browse"])
    assert r.exit_code == 0
    h_line = next(line for line in r.stdout.splitlines() if line.split("│")[0].strip() == "H")
    assert "Behavioral health" in h_line
    data = {row["letter"]: row for row in results(invoke(["browse", "--json"]))}
    assert data["E"]["name"] == "Durable medical equipment (DME)"
    assert data["H"]["codes"] == 94 and data["H"]["active"] == 88  # 6 added after 2020
    assert data["G"]["active"] < data["G"]["codes"]


def test_browse_h_lists_the_behavioral_health_codes(imported) -> None:
    r = invoke(["browse", "H"])
    assert r.exit_code == 0
    assert "H2028  Sex offend tx svc, 15 min" in r.stdout
    assert "H2038  Skill train and dev/diem  [not in release 2020 (added 2022-04-01)]" in r.stdout
    codes = [row["code"] for row in _csv(invoke(["browse", "h", "--format", "csv"]).stdout)]
    assert len(codes) == 94 and codes[0] == "H0001" and "H2041" in codes


def test_browse_prefix_marks_terminated_and_filters(imported) -> None:
    rows = results(invoke(["browse", "G016", "--json"]))
    g0164 = next(r for r in rows if r["code"] == "G0164")
    assert g0164["status"] == "terminated" and g0164["termination_date"] == "2016-12-31"
    assert "terminated 2016-12-31" in invoke(["browse", "G016"]).stdout
    active = results(invoke(["browse", "G01", "--active-only", "--json"]))
    assert "G0164" not in {r["code"] for r in active}


def test_browse_errors(imported) -> None:
    r = invoke(["browse", "12"])
    assert r.exit_code == 2 and "not a section letter or code prefix" in r.stderr
    r = invoke(["browse", "W"])
    assert r.exit_code == 1 and "unknown code W" in r.stderr


def test_browse_without_release_lists_bundled_sections(home) -> None:
    r = invoke(["browse"])
    assert r.exit_code == 0 and "import a release" in r.stderr
    letters = [row["letter"] for row in results(invoke(["browse", "--json"]))]
    assert letters == ["G", "H", "S", "T"]


def test_search_as_csv_is_valid_csv(imported) -> None:
    r = invoke(["search", "alcohol drug services", "--format", "csv"])
    assert r.exit_code == 0
    rows = _csv(r.stdout)
    assert len(rows) == 10
    assert list(rows[0]) == [
        "rank",
        "code",
        "score",
        "kind",
        "active",
        "status",
        "termination_date",
        "short_descriptor",
        "descriptor",
    ]
    assert {row["active"] for row in rows} <= {"true", "false"}
    assert [row["rank"] for row in rows] == [str(n) for n in range(1, 11)]


def test_csv_cells_hold_no_newlines_and_formulas_are_defused(imported) -> None:
    text = invoke(["compare", "H2028", "H2029", "--format", "csv"]).stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert all("\n" not in cell for row in rows for cell in row)
    from hcpcs_cli.cli.output import _csv_cell

    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _csv_cell("-2") == "'-2"
    assert _csv_cell(True) == "true" and _csv_cell(["a", "b"]) == "a b"


def test_markdown_tables(imported) -> None:
    lines = invoke(
        ["search", "halfway house", "--format", "markdown", "--limit", "2"]
    ).stdout.splitlines()
    assert lines[0].startswith("| rank | code |") and lines[1].startswith("| --- |")
    assert "| H2034 |" in lines[2]
    compare = invoke(["compare", "H2028", "H2029", "--format", "markdown"]).stdout
    assert "| Unit | per 15 minutes | per diem | false |" in compare


@pytest.mark.parametrize(
    "command",
    [
        ["search", "crisis"],
        ["compare", "H2028", "H2029"],
        ["validate", "H2028", "G0164"],
        ["browse", "H20"],
        ["data", "status"],
    ],
)
def test_every_listing_speaks_every_format(imported, command: list[str]) -> None:
    as_json = invoke([*command, "--format", "json"])
    json.loads(as_json.stdout)
    assert json.loads(invoke([*command, "--json"]).stdout) == json.loads(as_json.stdout)
    assert all(
        json.loads(line) for line in invoke([*command, "--format", "jsonl"]).stdout.splitlines()
    )
    assert _csv(invoke([*command, "--format", "csv"]).stdout)
    assert invoke([*command, "--format", "markdown"]).stdout.startswith("| ")
    both = invoke([*command, "--json", "--format", "csv"])
    assert both.exit_code == 2 and "choose one output format" in both.stderr
