"""The data directory is never left broken: killed imports, concurrent imports, read-only homes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXCERPT, RELEASE_TXT, RELEASE_ZIP, invoke, require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hcpcs_cli.errors import UsageError
from hcpcs_cli.search import search


def _hcpcs(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "HCPCS_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "hcpcs_cli", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_during_import_leaves_the_previous_release_usable(
    home: Path, tmp_path: Path, full_root: Path
) -> None:
    # The whole release takes long enough to be killed mid-import. Start from the session's
    # import of it (a copy: this test changes the directory).
    shutil.copytree(full_root, home, dirs_exist_ok=True)
    before = json.loads(invoke(["data", "status", "--json"]).stdout)["releases"]
    edited = tmp_path / "HCPC2020_ANWEB_edited.txt"
    edited.write_bytes(
        RELEASE_TXT.read_bytes().replace(b"Standard wheelchair", b"Standard wheelchaiR")
    )
    proc = _hcpcs(home, "data", "import", str(edited), "--label", "2020", "--replace")
    deadline = time.monotonic() + 60
    while not list((home / "releases").glob(".import-*.tmp")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # The previous release answers, unchanged.
    assert json.loads(invoke(["data", "status", "--json"]).stdout)["releases"] == before
    assert json.loads(invoke(["show", "K0001", "--json"]).stdout)[0]["descriptor"] == (
        "Standard wheelchair"
    )
    assert invoke(["search", "wheelchair"]).exit_code == 0
    # The next import cleans the leftovers and succeeds.
    r = invoke(["data", "import", str(edited), "--label", "2020", "--replace"])
    assert r.exit_code == 0, r.stderr
    assert not list((home / "releases").glob(".import-*.tmp"))
    assert json.loads(invoke(["show", "K0001", "--json"]).stdout)[0]["descriptor"] == (
        "Standard wheelchaiR"
    )


def test_two_imports_at_once_do_not_corrupt(home: Path) -> None:
    require_shared()
    first = _hcpcs(home, "data", "import", str(RELEASE_ZIP), "--label", "a")
    second = _hcpcs(home, "data", "import", str(RELEASE_TXT), "--label", "b")
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    assert second.wait(timeout=120) == 0, second.stderr.read() if second.stderr else ""
    status = json.loads(invoke(["data", "status", "--json"]).stdout)
    assert sorted(r["label"] for r in status["releases"]) == ["a", "b"]
    assert all(r["procedures"] == 6710 for r in status["releases"])
    assert sorted(p.name for p in (home / "releases").iterdir()) == ["a.sqlite", "b.sqlite"]


def test_unwritable_data_directory_still_serves_lookups(
    imported: Path, tmp_path: Path, monkeypatch
) -> None:
    home = tmp_path / "ro"
    shutil.copytree(imported / "releases", home / "releases")
    (home / "cache").write_text("not a directory, so nothing can be written here")
    os.chmod(home / "releases", 0o555)
    monkeypatch.setenv("HCPCS_HOME", str(home))
    try:
        assert "cpap" in invoke(["show", "E0601"]).stdout.lower()
        data = json.loads(invoke(["search", "halfway house", "--json"]).stdout)
        assert data["results"][0]["code"] == "H2034"
        assert invoke(["validate", "H2028"]).exit_code == 0
    finally:
        os.chmod(home / "releases", 0o755)


def test_release_file_replaced_by_garbage_is_reported(home: Path) -> None:
    (home / "releases").mkdir(parents=True)
    (home / "releases" / "2020.sqlite").write_bytes(b"this is not a database at all" * 50)
    status = invoke(["data", "status", "--json"])
    assert status.exit_code == 0 and json.loads(status.stdout)["releases"] == []
    assert json.loads(status.stdout)["damaged"][0]["label"] == "2020"
    for args in (["show", "H2028", "--release", "2020"], ["show", "H2028"], ["search", "crisis"]):
        r = invoke(args)
        assert r.exit_code == 3, args
        assert "import it again with --replace, or hcpcs data remove 2020" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def _memory_index():
    """A real index, in memory, over three documents and one query-side synonym."""
    import sqlite3

    from hcpcs_cli.index import Built, Doc, Index, Source, write

    docs = [
        Doc(
            "H2034",
            "procedure",
            "Alcohol and/or drug abuse halfway house services, per diem",
            "A/d halfway house, per diem",
        ),
        Doc(
            "H2028",
            "procedure",
            "Sexual offender treatment service, per 15 minutes",
            "Sex offend tx svc, 15 min",
        ),
        Doc("HF", "modifier", "Substance abuse program", "Substance abuse program"),
    ]
    sources = [Source(d, {"l": d.descriptor, "s": d.short_descriptor}) for d in docs]
    built = Built(sources, {"sober living": [("halfway", "house")]}, [], 0)
    return Index(write(sqlite3.connect(":memory:"), built, "test"))


_INDEX = _memory_index()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(max_size=200),
    st.integers(min_value=-2, max_value=50),
    st.sampled_from(["procedure", "modifier", "all"]),
    st.booleans(),
)
def test_query_parsing_raises_only_usage_errors(
    query: str, limit: int, kind: str, explain: bool
) -> None:
    try:
        result = search(_INDEX, query, limit=limit, kind=kind, explain=explain)
    except UsageError:
        return
    assert len(result.hits) <= limit <= 500
    assert all(kind == "all" or h.kind == kind for h in result.hits)


def test_memory_index_ranks_synonyms() -> None:
    assert search(_INDEX, "sober living").hits[0].code == "H2034"


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.sampled_from(["show", "search", "compare", "validate"]),
    st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=3),
)
def test_no_input_reaches_a_traceback(home: Path, command: str, args: list[str]) -> None:
    r = invoke([command, *args], input="")
    assert r.exit_code in (0, 1, 2, 3), (r.exit_code, r.stderr)
    assert r.exit_code != 70
    assert "Traceback" not in r.stderr
    if r.exit_code:
        assert r.stderr.startswith("hcpcs: ")


def test_record_cache_is_used_and_a_damaged_entry_is_rebuilt(home: Path) -> None:
    first = invoke(["show", "H2028", "--json"])
    entries = list((home / "cache" / "records").glob("H2028-*.json"))
    assert len(entries) == 1
    entries[0].write_bytes(b"\x00garbage")
    again = invoke(["show", "H2028", "--json"])
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert entries[0].read_bytes() != b"\x00garbage"


@pytest.mark.parametrize(
    "planted",
    [b"\x00garbage", b'{"a": 1}', b'[["ok", "not a list", "f", []]]', b"[[1, [], 2, []]]"],
)
def test_a_damaged_or_planted_lexicon_cache_is_ignored(tmp_path: Path, planted: bytes) -> None:
    from hcpcs_cli import lexicon

    first = lexicon.prepared(tmp_path)
    (cached,) = tmp_path.glob("lexicon-*.json")
    cached.write_bytes(planted)
    assert lexicon.prepared(tmp_path) == first
    assert cached.read_bytes() != planted  # rewritten from the lexicon files


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcdeh", max_size=9), st.text(alphabet="abcdeh", max_size=9))
def test_osa_similarity_agrees_with_rapidfuzz(a: str, b: str) -> None:
    from rapidfuzz.distance import OSA

    from hcpcs_cli.search import osa_similarity

    assert abs(osa_similarity(a, b) - OSA.normalized_similarity(a, b)) < 1e-9


def test_truncated_search_index_is_rebuilt(writable: Path) -> None:
    index = writable / "cache" / "index-2020.sqlite"
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 3])
    r = invoke(["search", "wheelchair", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["results"][0]["descriptor"].lower().count("wheelchair")
    assert index.stat().st_size > len(data) // 2


def _read_only_runner(home: Path):
    """Run hcpcs against ``home`` made truly read-only: a read-only bind mount in a private mount
    namespace when we are root (root ignores file modes), file modes otherwise."""
    if os.geteuid() != 0:
        for path in [home, *home.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        prefix: list[str] = []
    elif (
        shutil.which("unshare")
        and shutil.which("mount")
        and subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0
    ):
        mount = f"mount --bind {home} {home} && mount -o remount,ro,bind {home} {home}"
        prefix = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$0" "$@"']
    else:  # pragma: no cover
        pytest.skip("needs a non-root user, or root allowed to make a mount namespace")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HCPCS_HOME": str(home)}
        return subprocess.run(
            [*prefix, sys.executable, "-m", "hcpcs_cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def test_truly_read_only_data_directory_still_serves_lookups(
    imported: Path, tmp_path: Path
) -> None:
    home = tmp_path / "ro-home"
    shutil.copytree(imported, home)
    run = _read_only_runner(home)
    probe = run("data", "import", str(EXCERPT), "--label", "other")
    assert probe.returncode == 74 and probe.stderr.startswith("hcpcs: error:"), probe.stderr
    assert "Traceback" not in probe.stderr
    shown = run("show", "E0601", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["official"]["betos"] == "D1E"
    found = run("search", "halfway house", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["results"][0]["code"] == "H2034"
    assert run("show", "H2028").returncode == 0  # the record cache cannot be written: parse instead
    for path in [home, *home.rglob("*")]:
        with contextlib.suppress(OSError):
            path.chmod(0o755 if path.is_dir() else 0o644)
