"""hcpcs data import / status / remove / update / check, and diff and history across releases."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    ADDITIONS,
    EXCERPT,
    EXCERPT_2026,
    FIXTURES,
    RELEASE_ZIP,
    invoke,
    require_shared,
    reworded_release,
)


def _counts() -> tuple[int, int]:
    from hcpcs_cli.release import read_release

    parsed = read_release(EXCERPT)
    return parsed.procedures, parsed.modifiers


def _zip(folder: Path, name: str = "january-2020-alpha-numeric-hcpcs-file.zip") -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(EXCERPT, "HCPC2020_ANWEB_excerpt.txt")
        archive.writestr("README.txt", "not the data")
    return path


def test_import_zip_then_lookups_work(home, tmp_path: Path) -> None:
    procedures, modifiers = _counts()
    archive = _zip(tmp_path)
    r = invoke(["data", "import", str(archive)])
    assert r.exit_code == 0, r.stderr
    assert (
        f"imported: release 2020: {procedures} procedure codes, {modifiers} modifiers" in r.stderr
    )
    assert "CPAP" in invoke(["show", "E0601"]).stdout.upper()
    assert "Substance abuse program" in invoke(["show", "HF"]).stdout
    again = invoke(["data", "import", str(archive)])
    assert again.exit_code == 0 and "already imported (nothing changed)" in again.stderr


def test_import_the_full_release(home) -> None:
    require_shared()
    r = invoke(["data", "import", str(RELEASE_ZIP)])
    assert r.exit_code == 0, r.stderr
    assert "imported: release 2020: 6710 procedure codes, 369 modifiers" in r.stderr


def test_status_json(imported) -> None:
    procedures, modifiers = _counts()
    data = json.loads(invoke(["data", "status", "--json"]).stdout)
    assert data["default"] == "2020" and data["damaged"] == []
    (release,) = data["releases"]
    assert release["label"] == "2020" and release["procedures"] == procedures
    assert release["modifiers"] == modifiers and release["damaged"] is False
    assert release["source"] == EXCERPT.name and len(release["sha256"]) == 64
    assert data["bundled_records"] >= 140


def test_status_without_release(home) -> None:
    r = invoke(["data", "status"])
    assert r.exit_code == 0 and "No CMS release imported" in r.stdout


def test_bad_imports_fail_and_keep_the_earlier_release(writable, tmp_path: Path) -> None:
    cut = tmp_path / "HCPC2021_ANWEB.txt"
    data = EXCERPT.read_bytes()
    cut.write_bytes(data[: len(data) // 2 + 11])
    r = invoke(["data", "import", str(cut)])
    assert r.exit_code == 3 and r.stderr.startswith("hcpcs: error:") and "truncated" in r.stderr
    junk = tmp_path / "photo.zip"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    r = invoke(["data", "import", str(junk)])
    assert r.exit_code == 3 and "not a readable zip" in r.stderr
    assert invoke(["show", "E0601", "--json"]).exit_code == 0
    labels = [
        x["label"] for x in json.loads(invoke(["data", "status", "--json"]).stdout)["releases"]
    ]
    assert labels == ["2020"]


def _edited_copy(tmp_path: Path) -> Path:
    """The excerpt with one descriptor edited, one code terminated and one code added."""
    lines = EXCERPT.read_bytes().decode("cp1252").split("\r\n")
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


def test_diff_and_history_of_an_edited_release(writable, tmp_path: Path) -> None:
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
    assert invoke(["diff", "2020", "edited", "--format", "csv"]).stdout.startswith("change,code")


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
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", folder
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_update_downloads_and_records_the_url(home, server) -> None:
    url, folder = server
    _zip(folder)
    r = invoke(["data", "update", "--url", f"{url}/january-2020-alpha-numeric-hcpcs-file.zip"])
    assert r.exit_code == 0, r.stderr
    assert "imported: release 2020-01" in r.stderr
    status = json.loads(invoke(["data", "status", "--json"]).stdout)
    assert status["default"] == "2020-01"
    assert status["releases"][0]["source"] == f"{url}/january-2020-alpha-numeric-hcpcs-file.zip"
    assert not list(home.glob(".download-*")), "the download must not be left behind"


def test_update_failures_name_the_url_and_change_nothing(home, server) -> None:
    url, folder = server
    (folder / "README.txt").write_text("hello")
    r = invoke(["data", "update", "--url", f"{url}/no-such-file.zip"])
    assert r.exit_code == 4 and "404" in r.stderr and f"{url}/no-such-file.zip" in r.stderr
    r = invoke(["data", "update", "--url", "http://127.0.0.1:9/release.zip"])
    assert r.exit_code == 4 and "cannot reach http://127.0.0.1:9/release.zip" in r.stderr
    r = invoke(["data", "update", "--url", f"{url}/README.txt"])
    assert r.exit_code == 3 and "not a HCPCS Level II release" in r.stderr
    r = invoke(["data", "update", "--url", "http://user:secret@127.0.0.1:9/x.zip"])
    assert "secret" not in r.stderr and "***@127.0.0.1" in r.stderr
    assert json.loads(invoke(["data", "status", "--json"]).stdout)["releases"] == []


def test_data_check_with_the_excerpt(imported) -> None:
    r = invoke(["data", "check", "--file", str(EXCERPT)])
    assert r.exit_code == 0, r.stdout
    assert "records OK" in r.stderr


def test_data_check_against_the_official_sources(home) -> None:
    require_shared()
    r = invoke(
        [
            "data",
            "check",
            "--file",
            str(RELEASE_ZIP),
            "--file",
            str(ADDITIONS),
            "--file",
            str(EXCERPT_2026),
            "--json",
        ]
    )
    report = json.loads(r.stdout)
    assert r.exit_code == 0 and report["ok"], report["errors"][:3]
    assert report["errors"] == [] and report["warnings"] == [], report["warnings"][:5]
    used = report["checked_against"]
    assert (
        used["G0396"] == "codes.tsv (2026)" and used["H0051"] == "2026-h-code-additions.tsv (2026)"
    )
    assert used["H2028"].startswith("2020-Alpha-Numeric-HCPCS-File.zip")


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
        # Official lines of the January 2026 release (its H codes are the 2020 ones).
        r = invoke(["data", "check", "--file", str(FIXTURES / "h-codes-2026-01.tsv")])
    finally:
        bundle.data_dir.cache_clear()
        bundle.bundled_codes.cache_clear()
    assert r.exit_code == 3
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("descriptor"))
    assert f"H2028.toml:{line}: error: descriptor differs from" in r.stdout
    assert "data check: 4 records 1 errors" in r.stderr


def test_data_check_without_release_notes_what_it_cannot_verify(home) -> None:
    r = invoke(["data", "check"])
    assert r.exit_code == 0
    assert "records OK" in r.stderr and "could not be verified" in r.stderr


def test_data_check_takes_a_release_label(imported) -> None:
    r = invoke(["data", "check", "--release", "2020", "--json"])
    report = json.loads(r.stdout)
    assert r.exit_code == 0 and report["sources"] == ["release 2020 (imported)"]
    missing = invoke(["data", "check", "--release", "1999"])
    assert missing.exit_code == 3 and "no release labelled '1999'" in missing.stderr


def test_data_remove(writable) -> None:
    invoke(["data", "import", str(EXCERPT), "--label", "copy"])
    r = invoke(["data", "remove", "copy"])
    assert r.exit_code == 0 and r.stderr.startswith("hcpcs: removed release copy")
    labels = [
        x["label"] for x in json.loads(invoke(["data", "status", "--json"]).stdout)["releases"]
    ]
    assert labels == ["2020"]
    assert not (writable / "cache" / "index-copy.sqlite").exists()
    missing = invoke(["data", "remove", "copy"])
    assert missing.exit_code == 3 and "no release labelled 'copy' (held: 2020)" in missing.stderr


def test_show_flags_a_record_written_for_other_wording(home, tmp_path: Path) -> None:
    path = reworded_release(tmp_path, "HCPC2027_ANWEB_reworded.txt")
    assert invoke(["data", "import", str(path)]).exit_code == 0
    (entry,) = json.loads(invoke(["show", "H2028", "--json"]).stdout)
    assert entry["descriptor"] == "Sexual offender treatment service, each 15 minutes"
    assert entry["notes"] == [
        "the record below was written for the 2026-01 wording: Sexual offender treatment"
        " service, per 15 minutes"
    ]
    assert "each 15 minutes" in invoke(["show", "H2028"]).stdout
