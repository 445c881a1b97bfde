"""hcpcs data import / status / update / check, and diff and history across releases."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADDITIONS, RELEASE_TXT, RELEASE_ZIP, invoke


def test_import_zip_then_lookups_work(home) -> None:
    r = invoke(["data", "import", str(RELEASE_ZIP)])
    assert r.exit_code == 0, r.stderr
    assert "imported: release 2020: 6710 procedure codes, 369 modifiers" in r.stderr
    assert "CPAP" in invoke(["show", "E0601"]).stdout.upper()
    assert "Substance abuse program" in invoke(["show", "HF"]).stdout
    again = invoke(["data", "import", str(RELEASE_ZIP)])
    assert again.exit_code == 0 and "already imported (nothing changed)" in again.stderr


def test_status_json(imported) -> None:
    data = json.loads(invoke(["data", "status", "--json"]).stdout)
    assert data["default"] == "2020"
    (release,) = data["releases"]
    assert (
        release["label"] == "2020" and release["procedures"] == 6710 and release["modifiers"] == 369
    )
    assert release["source"] == RELEASE_ZIP.name and len(release["sha256"]) == 64
    assert data["bundled_records"] >= 139


def test_status_without_release(home) -> None:
    r = invoke(["data", "status"])
    assert r.exit_code == 0 and "No CMS release imported" in r.stdout


def test_bad_imports_fail_and_keep_the_earlier_release(home, tmp_path: Path) -> None:
    assert invoke(["data", "import", str(RELEASE_ZIP)]).exit_code == 0
    cut = tmp_path / "HCPC2021_ANWEB.txt"
    data = RELEASE_TXT.read_bytes()
    cut.write_bytes(data[: len(data) // 3 + 11])
    r = invoke(["data", "import", str(cut)])
    assert r.exit_code == 3 and r.stderr.startswith("hcpcs: error:") and "truncated" in r.stderr
    junk = tmp_path / "photo.zip"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    r = invoke(["data", "import", str(junk)])
    assert r.exit_code == 3 and "not a readable zip" in r.stderr
    assert invoke(["show", "E0601", "--json"]).exit_code == 0
    assert [
        x["label"] for x in json.loads(invoke(["data", "status", "--json"]).stdout)["releases"]
    ] == ["2020"]


def _edited_copy(tmp_path: Path) -> Path:
    """The 2020 text file with one descriptor edited, one code terminated and one code added."""
    lines = RELEASE_TXT.read_bytes().decode("cp1252").split("\r\n")
    out = []
    for line in lines:
        if line.startswith("K0001001003"):
            line = line[:11] + "Standard wheelchair, edited for the test".ljust(80) + line[91:]
        if line.startswith("E0100001003"):
            line = line[:284] + "20201231" + line[292:]
        if line.startswith("H2037001003"):
            out.append(
                "H2099" + line[5:11] + "Invented code for the diff test".ljust(80) + line[91:]
            )
        out.append(line)
    path = tmp_path / "HCPC2021_ANWEB_edited.txt"
    path.write_bytes("\r\n".join(out).encode("cp1252"))
    return path


def test_diff_shows_an_edited_release(home, tmp_path: Path) -> None:
    invoke(["data", "import", str(RELEASE_ZIP)])
    r = invoke(["data", "import", str(_edited_copy(tmp_path)), "--label", "edited"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(invoke(["diff", "2020", "edited", "--json"]).stdout)
    assert [c["code"] for c in data["added"]] == ["H2099"]
    assert [c["code"] for c in data["terminated"]] == ["E0100"]
    changed = {c["code"]: c for c in data["changed"]}
    assert changed["K0001"]["new_descriptor"] == "Standard wheelchair, edited for the test"
    assert changed["K0001"]["old_descriptor"] == "Standard wheelchair"
    table = invoke(["diff", "2020", "edited"]).stdout
    assert "1 added, 1 terminated" in table and "H2099" in table
    history = json.loads(invoke(["history", "K0001", "--json"]).stdout)
    assert [h["descriptor"] for h in history["releases"]] == [
        "Standard wheelchair",
        "Standard wheelchair, edited for the test",
    ]
    absent = json.loads(invoke(["history", "H2099", "--json"]).stdout)
    assert [h["present"] for h in absent["releases"]] == [False, True]
    assert invoke(["show", "K0001", "--release", "2020", "--json"]).stdout.count("edited") == 0


def test_diff_with_unknown_release(imported) -> None:
    r = invoke(["diff", "2020", "1999"])
    assert r.exit_code == 3 and "no release labelled '1999' (held: 2020)" in r.stderr


def test_history_without_release(home) -> None:
    r = invoke(["history", "H2028"])
    assert r.exit_code == 3 and "no CMS release imported" in r.stderr


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(RELEASE_ZIP.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_update_downloads_and_imports(home, server: str) -> None:
    r = invoke(["data", "update", "--url", f"{server}/{RELEASE_ZIP.name}"])
    assert r.exit_code == 0, r.stderr
    assert "imported: release 2020: 6710 procedure codes" in r.stderr
    assert json.loads(invoke(["data", "status", "--json"]).stdout)["default"] == "2020"
    assert not list(home.glob("tmp*")), "the download must not be left behind"


def test_update_bad_url_changes_nothing(home, server: str) -> None:
    r = invoke(["data", "update", "--url", f"{server}/no-such-file.zip"])
    assert r.exit_code == 3 and "404" in r.stderr
    r = invoke(["data", "update", "--url", "http://127.0.0.1:9/release.zip"])
    assert r.exit_code == 3 and "cannot download" in r.stderr
    r = invoke(["data", "update", "--url", f"{server}/HCPC2020_README.txt"])
    assert r.exit_code == 3 and "not a HCPCS Level II release" in r.stderr
    assert json.loads(invoke(["data", "status", "--json"]).stdout)["releases"] == []


def test_data_check_against_the_official_release(home) -> None:
    r = invoke(["data", "check", "--release", str(RELEASE_ZIP), "--release", str(ADDITIONS)])
    assert r.exit_code == 0, r.stdout
    assert "records OK" in r.stderr and r.stdout == ""


def test_data_check_reports_a_wrong_descriptor(home, tmp_path: Path, monkeypatch) -> None:
    from hcpcs_cli import bundle

    records = tmp_path / "data" / "records"
    records.mkdir(parents=True)
    source = bundle.records_dir() / "H2028.toml"
    text = source.read_text().replace('per 15 minutes"', 'per diem"', 1)
    (records / "H2028.toml").write_text(text)
    for code in ("H2029", "H0004", "H2027"):
        (records / f"{code}.toml").write_text((bundle.records_dir() / f"{code}.toml").read_text())
    monkeypatch.setenv("HCPCS_BUNDLE_DIR", str(tmp_path / "data"))
    bundle.data_dir.cache_clear()
    bundle.bundled_codes.cache_clear()
    try:
        r = invoke(["data", "check", "--release", str(RELEASE_ZIP)])
    finally:
        bundle.data_dir.cache_clear()
        bundle.bundled_codes.cache_clear()
    assert r.exit_code == 3
    line = next(
        n for n, row in enumerate(text.splitlines(), 1) if row.startswith("long_descriptor")
    )
    assert f"H2028.toml:{line}: long_descriptor differs from 2020" in r.stdout
    assert "data check: 1 problems in 4 records" in r.stderr


def test_data_check_without_release_notes_what_it_cannot_verify(home) -> None:
    r = invoke(["data", "check"])
    assert r.exit_code == 0 and r.stdout == ""
    assert "records OK" in r.stderr and "could not be verified" in r.stderr


def test_data_check_against_the_imported_release(imported) -> None:
    r = invoke(["data", "check"])
    assert r.exit_code == 0, r.stdout
    # The six H codes added after 2020 cannot be checked against the 2020 release.
    assert "note: 6 codes could not be verified" in r.stderr


def test_data_remove(home) -> None:
    invoke(["data", "import", str(RELEASE_ZIP)])
    invoke(["data", "import", str(RELEASE_ZIP), "--label", "copy"])
    r = invoke(["data", "remove", "copy"])
    assert (
        r.exit_code == 0 and r.stderr.strip() == f"hcpcs: removed release copy ({RELEASE_ZIP.name})"
    )
    assert [
        x["label"] for x in json.loads(invoke(["data", "status", "--json"]).stdout)["releases"]
    ] == ["2020"]
    assert not (home / "cache" / "index-copy.sqlite").exists()
    missing = invoke(["data", "remove", "copy"])
    assert missing.exit_code == 3 and "no release labelled 'copy' (held: 2020)" in missing.stderr


def test_show_flags_a_record_written_for_older_wording(home, tmp_path: Path) -> None:
    lines = RELEASE_TXT.read_bytes().decode("cp1252").split("\r\n")
    edited = [
        line[:11] + "Sexual offender treatment service, each 15 minutes".ljust(80) + line[91:]
        if line.startswith("H2028001003")
        else line
        for line in lines
    ]
    path = tmp_path / "HCPC2021_ANWEB_reworded.txt"
    path.write_bytes("\r\n".join(edited).encode("cp1252"))
    assert invoke(["data", "import", str(path)]).exit_code == 0
    out = invoke(["show", "H2028"]).stdout
    assert "Sexual offender treatment service, each 15 minutes" in out
    assert "written for the 2020 wording: Sexual offender treatment service, per 15 minutes" in out
