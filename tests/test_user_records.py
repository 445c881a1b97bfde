"""The user's own records: local notes and section overrides, validated, never breaking the bundle."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import invoke


def _write(home: Path, code: str, text: str) -> Path:
    folder = home / "records"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{code}.toml"
    path.write_text(text)
    return path


def test_local_notes_and_overrides_are_shown(home) -> None:
    _write(
        home,
        "H2028",
        'code = "H2028"\nlocal_notes = ["Our state caps this at 8 units a day"]\n'
        'duration = "Our contract: sessions of 60 minutes"\n',
    )
    r = invoke(["show", "H2028"])
    assert r.exit_code == 0 and r.stderr == ""
    assert "Local notes (your records)" in r.stdout and "caps this at 8 units" in r.stdout
    assert "Our contract: sessions of 60 minutes" in r.stdout
    data = json.loads(invoke(["show", "H2028", "--json"]).stdout)
    assert data["record"]["local_notes"] == ["Our state caps this at 8 units a day"]
    assert data["record"]["summary"].startswith("Treatment aimed at people")  # the rest is bundled


def test_user_keywords_become_searchable(home) -> None:
    _write(home, "H2028", 'code = "H2028"\nkeywords = ["zebraprogram"]\n')
    data = json.loads(invoke(["search", "zebraprogram", "--json"]).stdout)
    assert data[0]["code"] == "H2028"


def test_broken_user_record_warns_with_file_and_line_and_bundle_still_works(home) -> None:
    path = _write(home, "H2028", 'code = "H2028"\n\nunit = 15\n')
    r = invoke(["show", "H2028"])
    assert r.exit_code == 0
    assert r.stderr.strip() == (
        f"hcpcs: warning: {path}:3: 'unit' must be a string, not int (your record file is ignored)"
    )
    assert "per 15 minutes" in r.stdout
    check = invoke(["data", "check"])
    assert check.exit_code == 3 and f"{path}:3: 'unit' must be a string" in check.stdout


def test_unknown_key_and_bad_toml(home) -> None:
    path = _write(home, "H2029", 'code = "H2029"\ncolour = "red"\n')
    assert f"{path}:2: unknown key 'colour'" in invoke(["show", "H2029"]).stderr
    path = _write(home, "H2029", 'code = "H2029\n')
    r = invoke(["show", "H2029"])
    assert r.exit_code == 0 and "invalid TOML" in r.stderr and "per diem" in r.stdout


def test_partial_record_for_a_code_without_bundle_must_be_complete(home) -> None:
    path = _write(home, "A0021", 'code = "A0021"\nsummary = "Mileage"\n')
    r = invoke(["show", "A0021"])
    assert r.exit_code == 3  # the only source for this code is the broken user file
    assert f"{path}" in r.stderr and "must be complete" in r.stderr


def test_complete_user_record_for_a_new_code(home) -> None:
    from hcpcs_cli import bundle

    text = (bundle.records_dir() / "H2029.toml").read_text().replace("H2029", "H2039")
    _write(home, "H2039", text)
    r = invoke(["show", "H2039", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["code"] == "H2039"
