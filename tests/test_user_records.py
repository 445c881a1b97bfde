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
    (data,) = json.loads(invoke(["show", "H2028", "--json"]).stdout)
    assert data["record"]["local_notes"] == ["Our state caps this at 8 units a day"]
    assert data["record"]["summary"].startswith("Treatment aimed at people")  # the rest is bundled


def test_user_keywords_become_searchable(home) -> None:
    _write(home, "H2028", 'code = "H2028"\nkeywords = ["zebraprogram"]\n')
    data = json.loads(invoke(["search", "zebraprogram", "--json"]).stdout)
    assert data["results"][0]["code"] == "H2028"


def test_broken_user_record_warns_with_file_and_line_and_bundle_still_works(home) -> None:
    path = _write(home, "H2028", 'code = "H2028"\n\nunit = 15\n')
    r = invoke(["show", "H2028"])
    assert r.exit_code == 0
    assert r.stderr.strip() == (
        f"hcpcs: warning: {path}:3: 'unit' must be a string, not int (your record file is ignored)"
    )
    assert "per 15 minutes" in r.stdout
    check = invoke(["data", "check"])
    assert check.exit_code == 3 and f"{path}:3: error: 'unit' must be a string" in check.stdout


def test_unknown_key_and_bad_toml(home) -> None:
    path = _write(home, "H2029", 'code = "H2029"\ncolour = "red"\n')
    assert f"{path}:2: unknown key 'colour'" in invoke(["show", "H2029"]).stderr
    path = _write(home, "H2029", 'code = "H2029\n')
    r = invoke(["show", "H2029"])
    assert r.exit_code == 0 and "invalid TOML" in r.stderr and "per diem" in r.stdout


def test_partial_record_for_a_code_without_bundle_must_be_complete(writable) -> None:
    path = _write(writable, "E0100", 'code = "E0100"\nsummary = "A cane"\n')
    r = invoke(["show", "E0100"])
    assert r.exit_code == 0 and f"{path}" in r.stderr and "must be complete" in r.stderr
    assert "Cane, includes canes of all materials" in r.stdout  # the release's fields stay


def _written_part(code: str) -> str:
    """H2029's written sections, as a user would write them for another code."""
    from hcpcs_cli import bundle

    text = (bundle.records_dir() / "H2029.toml").read_text()
    official = ("descriptor", "short_descriptor", "checked_against", "add_date", "coverage")
    lines = [line for line in text.splitlines() if not line.startswith(official)]
    return "\n".join(lines).replace("H2029", code)


def test_complete_user_record_for_a_release_code(writable) -> None:
    _write(writable, "E0100", _written_part("E0100"))
    r = invoke(["show", "E0100", "--json"])
    assert r.exit_code == 0, r.stderr
    (entry,) = json.loads(r.stdout)
    assert entry["descriptor"].startswith("Cane, includes canes of all materials")
    assert entry["record"]["descriptor"] == entry["descriptor"]  # from the release, not the user


def test_a_user_record_cannot_change_official_fields(home) -> None:
    path = _write(home, "H2028", 'code = "H2028"\ndescriptor = "Something else, per diem"\n')
    r = invoke(["show", "H2028", "--json"])
    assert f"{path}:2: 'descriptor' is an official field" in r.stderr
    assert json.loads(r.stdout)[0]["descriptor"].endswith("per 15 minutes")
    _write(
        home,
        "H2028",
        'code = "H2028"\n[billing]\nmodifiers = [{code = "HQ", meaning = "Anything", use = "x"}]\n'
        'documentation = ["a"]\ndenials = ["b"]\npayer_notes = ["c"]\n',
    )
    r = invoke(["show", "H2028"])
    assert "modifier HQ means 'Group setting'" in r.stderr


def test_a_user_record_for_a_code_no_release_holds_is_refused(home) -> None:
    path = _write(home, "H2039", _written_part("H2039"))
    r = invoke(["show", "H2039"])
    assert r.exit_code == 3 and str(path) in r.stderr and "not in the release in use" in r.stderr


def test_user_record_files_are_read_with_limits(home, tmp_path: Path) -> None:
    folder = home / "records"
    folder.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('code = "H2028"\nlocal_notes = ["from elsewhere"]\n')
    (folder / "H2028.toml").symlink_to(outside)
    r = invoke(["show", "H2028"])
    assert "outside the records folder" in r.stderr and "from elsewhere" not in r.stdout
    (folder / "H2028.toml").unlink()
    (folder / "H2028.toml").write_text('code = "H2028"\nlocal_notes = ["' + "x" * 300_000 + '"]\n')
    assert "larger than" in invoke(["show", "H2028"]).stderr
