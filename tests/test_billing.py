"""The questions billers and auditors ask: valid on the date of service, what changed in a
release, where the official source is, and whether a newer release is out."""

from __future__ import annotations

import datetime
import functools
import http.server
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXCERPT, RELEASE_ZIP, invoke, require_shared, reworded_release

from hcpcs_cli import update


def test_changes_added_matches_the_release_counts(imported) -> None:
    from hcpcs_cli.release import read_release

    marked = [e.code for e in read_release(EXCERPT).entries if e.action_code == "A"]
    data = json.loads(invoke(["changes", "--action", "added", "--json"]).stdout)
    assert data["source"] == "release 2020" and data["total"] == len(marked) > 0
    assert sorted(c["code"] for c in data["changes"]) == sorted(marked)
    assert all(c["action"] == "added" for c in data["changes"])


def test_changes_in_the_full_2020_release(imported_full) -> None:
    data = json.loads(invoke(["changes", "--action", "added", "--json"]).stdout)
    assert data["total"] == 250  # the 2020 file marks 242 procedure codes and 8 modifiers A
    assert data["counts"] == {"added": 250}
    discontinued = json.loads(invoke(["changes", "--action", "discontinued", "--json"]).stdout)
    assert discontinued["total"] == 99


def test_changes_filtered_by_date_prefix_and_the_users_list(imported, tmp_path: Path) -> None:
    every = json.loads(invoke(["changes", "--json"]).stdout)["changes"]
    assert every and all(c["action_code"] != "N" for c in every)
    late = json.loads(invoke(["changes", "--since", "2020-01-01", "--json"]).stdout)["changes"]
    assert all(c["action_effective_date"] >= "2020-01-01" for c in late)
    g = json.loads(invoke(["changes", "--prefix", "G", "--json"]).stdout)["changes"]
    assert g and all(c["code"].startswith("G") for c in g)
    mine = tmp_path / "fee-schedule.csv"
    pick = every[0]["code"]
    mine.write_text(f"code,rate\n{pick},10\nH2028,12\n")
    limited = json.loads(
        invoke(["changes", "--codes-from", str(mine), "--column", "code", "--json"]).stdout
    )
    assert [c["code"] for c in limited["changes"]] == [pick] and limited["limited_to"] == 2
    as_csv = invoke(["changes", "--format", "csv"]).stdout.splitlines()
    assert as_csv[0].startswith("code,kind,action_code,action")


def test_changes_without_a_release_name_the_bundled_codes_added_since_2020(home) -> None:
    data = json.loads(invoke(["changes", "--json"]).stdout)
    added = {c["code"]: c["add_date"] for c in data["changes"] if c["action"] == "added"}
    assert added["H2038"] == "2022-04-01" and "H0051" in added
    ended = {c["code"] for c in data["changes"] if c["action"] == "discontinued"}
    assert ended == {"G2070", "G2071", "G2072"}


def test_unknown_action_is_a_usage_error(imported) -> None:
    r = invoke(["changes", "--action", "exploded"])
    assert r.exit_code == 2 and "unknown action 'exploded'" in r.stderr


def test_links_are_built_from_the_code(home) -> None:
    r = invoke(["show", "H2028", "--links"])
    assert r.exit_code == 0
    assert (
        "https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system" in r.stdout
    )
    assert "keyword=H2028" in r.stdout
    data = json.loads(invoke(["show", "G2067", "--links", "--json"]).stdout)
    kinds = [link["kind"] for link in data["links"]]
    assert kinds[:2] == ["cms", "coverage"] and "source" in kinds
    assert all(link["url"].startswith("https://") for link in data["links"])


def test_links_name_the_manual_sections_of_the_release(imported) -> None:
    data = json.loads(invoke(["show", "E0601", "--links", "--json"]).stdout)
    manual = [link for link in data["links"] if link["kind"] == "manual"]
    assert manual and "60-17" in manual[0]["title"]


def test_open_uses_the_browser_or_prints_the_address(home, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    r = invoke(["open", "G2067"], env={"BROWSER": str(browser)})
    assert r.exit_code == 0
    assert opened.read_text().strip().startswith("https://www.ecfr.gov/")


def test_show_on_a_date_uses_the_release_in_force(writable, tmp_path: Path) -> None:
    path = reworded_release(tmp_path)
    assert invoke(["data", "import", str(path)]).exit_code == 0
    (now,) = json.loads(invoke(["show", "H2028", "--json"]).stdout)
    assert now["descriptor"].endswith("each 15 minutes") and now["release"] == "2027"
    (then,) = json.loads(invoke(["show", "H2028", "--date", "2021-06-30", "--json"]).stdout)
    assert then["release"] == "2020" and then["descriptor"].endswith("per 15 minutes")
    assert any("as in force on 2021-06-30: release 2020" in n for n in then["notes"])


def test_validate_names_the_release_that_decided(imported) -> None:
    report = json.loads(
        invoke(["validate", "G0164", "H2038", "--date", "2016-01-01", "--json"]).stdout
    )
    g0164, h2038 = report["results"]
    assert g0164["status"] == "active" and g0164["release"] == "release 2020"
    assert h2038["status"] == "not-yet-valid" and "bundled record" in h2038["release"]


# -- data update: the current quarter, found by trying names newest first ----------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A stand-in for CMS's folder of release files, on the loopback address."""
    folder = tmp_path / "cms"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("HCPCS_UPDATE_BASE", f"http://127.0.0.1:{httpd.server_address[1]}/")
    monkeypatch.delenv("HCPCS_UPDATE_URL", raising=False)
    try:
        yield folder
    finally:
        httpd.shutdown()
        httpd.server_close()


def _publish(folder: Path, name: str) -> None:
    with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(EXCERPT, "HCPC2020_ANWEB_excerpt.txt")


def test_candidates_run_from_the_next_quarter_back() -> None:
    names = update.candidates(datetime.date(2026, 11, 23), base="https://example.test/")
    labels = [c.label for c in names]
    assert labels[0] == "2027-01" and labels[-1] == "2026-07" and "2026-10" in labels
    assert names[-1].url == "https://example.test/july-2026-alpha-numeric-hcpcs-file.zip"


def test_update_falls_back_to_the_previous_quarter(home, cms: Path) -> None:
    previous = update.candidates()[-1]  # the newest names answer 404; the previous quarter is there
    _publish(cms, previous.url.rsplit("/", 1)[-1])
    check = invoke(["data", "update", "--check", "--json"])
    assert check.exit_code == 1  # nothing held: a newer release is available
    found = json.loads(check.stdout)
    assert found["available"] == previous.label and found["newer"] is True
    r = invoke(["data", "update"])
    assert r.exit_code == 0, r.stderr
    status = json.loads(invoke(["data", "status", "--json"]).stdout)
    assert status["releases"][0]["label"] == previous.label
    assert status["releases"][0]["source"] == previous.url
    again = invoke(["data", "update", "--check"])
    assert again.exit_code == 0 and "up to date" in again.stderr


def test_update_says_which_names_it_tried_when_none_answers(home, cms: Path) -> None:
    r = invoke(["data", "update"])
    assert r.exit_code == 4
    assert "no quarterly release found (tried 9 names" in r.stderr and "--url" in r.stderr


def test_update_of_the_real_release_file(home, cms: Path) -> None:
    require_shared()
    previous = update.candidates()[-1]
    (cms / previous.url.rsplit("/", 1)[-1]).write_bytes(RELEASE_ZIP.read_bytes())
    r = invoke(["data", "update"])
    assert r.exit_code == 0 and "6710 procedure codes" in r.stderr
    assert os.listdir(home / "releases") == [f"{previous.label}.sqlite"]
