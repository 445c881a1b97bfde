"""The local HTTP API, started for real (``hcpcs serve --port 0``) and driven with an HTTP client:
every endpoint, its errors, the token, the Host check, CORS, limits and the NLM Clinical Tables
shape. Answers are checked against the CLI's own ``--json`` for the same question."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import invoke

httpx = pytest.importorskip("httpx", reason="the serve tests need httpx (pip install '.[test]')")
pytest.importorskip("starlette", reason="needs the serve extra (pip install '.[serve]')")

TOKEN = "test-token-0123456789abcdef"


class Server(NamedTuple):
    url: str
    proc: subprocess.Popen[bytes]
    home: Path


def start(home: Path, *args: str) -> Server:
    """``hcpcs serve`` on a free port; returns once it says where it listens."""
    env = {**os.environ, "HCPCS_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("HCPCS_RELEASE", None)
    env.pop("HCPCS_SERVE_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hcpcs_cli", "serve", "--port", "0", "--no-access-log", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    line = b""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        found = re.search(rb"on (http://\S+) ", line)
        if found:
            return Server(found.group(1).decode(), proc, home)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the server did not start: {line!r} {proc.stderr.read()!r}")


def stop(server: Server) -> str:
    server.proc.terminate()
    _, err = server.proc.communicate(timeout=30)
    assert server.proc.returncode == 0, err
    return err.decode()


@pytest.fixture(scope="module")
def api(excerpt_root: Path) -> Iterator[Server]:
    server = start(excerpt_root)
    yield server
    assert "stopped" in stop(server)


@pytest.fixture
def client(api: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=30) as c:
        yield c


def cli_json(home: Path, *args: str) -> object:
    r = invoke([*args, "--json"], env={"HCPCS_HOME": str(home)})
    assert r.exit_code in (0, 1), r.stderr
    return json.loads(r.stdout)


def error_of(response: httpx.Response, status: int, kind: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["type"] == kind
    return error


# -- endpoints ----------------------------------------------------------------------------------
def test_a_code_is_the_same_entry_as_hcpcs_show(client: httpx.Client, api: Server) -> None:
    r = client.get("/v1/codes/H2028")
    assert r.status_code == 200
    entry = r.json()
    assert entry["descriptor"] == "Sexual offender treatment service, per 15 minutes"
    assert entry["record"]["unit"] == "per 15 minutes"
    assert entry["official"]["coverage"] == "I"
    assert [entry] == cli_json(api.home, "show", "H2028")


def test_a_code_with_a_modifier_and_one_section(client: httpx.Client) -> None:
    entry = client.get("/v1/codes/h2028-hf", params={"section": "billing"}).json()
    assert entry["code"] == "H2028"
    assert entry["modifiers"] == [
        {"code": "HF", "descriptor": "Substance abuse program", "source": "release 2020"}
    ]
    assert list(entry["record"]) == ["billing"]


def test_a_code_on_a_date_of_service(client: httpx.Client) -> None:
    entry = client.get("/v1/codes/G0164", params={"date": "2016-06-30"}).json()
    assert entry["status"] == "active" and entry["status_date"] == "2016-06-30"
    later = client.get("/v1/codes/G0164", params={"date": "2017-01-01"}).json()
    assert later["status"] == "terminated" and later["termination_date"] == "2016-12-31"
    error_of(client.get("/v1/codes/G0164", params={"date": "31/31/2020"}), 400, "bad_request")


def test_an_unknown_code_is_404_with_suggestions_and_the_cli_message(
    client: httpx.Client, api: Server
) -> None:
    error = error_of(client.get("/v1/codes/H2029x"), 400, "bad_request")
    assert error["exit_code"] == 2
    error = error_of(client.get("/v1/codes/H2099"), 404, "not_found")
    assert error["exit_code"] == 1 and error["suggestions"]
    assert all(isinstance(s, str) and len(s) == 5 for s in error["suggestions"])  # type: ignore[union-attr]
    cli = invoke(["show", "H2099"], env={"HCPCS_HOME": str(api.home)})
    assert cli.exit_code == 1 and str(error["message"]) in cli.stderr


def test_search_matches_the_cli(client: httpx.Client, api: Server) -> None:
    r = client.get("/v1/search", params={"q": "cpap machine", "limit": 3})
    assert r.status_code == 200
    data = r.json()
    assert data["results"][0]["code"] == "E0601"
    assert data == cli_json(api.home, "search", "cpap machine", "--limit", "3")
    explained = client.get("/v1/search", params={"q": "cpap", "explain": "true"}).json()
    assert explained["results"][0]["why"]
    nothing = client.get("/v1/search", params={"q": "zzzqqq"}).json()
    assert nothing["results"] == [] and nothing["total"] == 0


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "missing parameter 'q'"),
        ({"q": " "}, "missing parameter 'q'"),
        ({"q": "cpap", "limit": "0"}, "between 1 and 100"),
        ({"q": "cpap", "limit": "lots"}, "whole number"),
        ({"q": "cpap", "active": "maybe"}, "true or false"),
        ({"q": "cpap", "kind": "drug"}, "--kind must be"),
        ({"q": "cpap", "prefix": "12"}, "prefix"),
        ({"q": "x" * 501}, "too long"),
    ],
)
def test_bad_search_parameters_are_400(client: httpx.Client, params, message: str) -> None:
    error = error_of(client.get("/v1/search", params=params), 400, "bad_request")
    assert message in str(error["message"]) + str(error.get("hint", ""))


def test_active_only_and_prefix(client: httpx.Client) -> None:
    hits = client.get("/v1/search", params={"q": "nurse", "active": "1", "limit": 20}).json()
    assert hits["results"] and all(h["active"] for h in hits["results"])
    only_g = client.get("/v1/search", params={"q": "nurse", "prefix": "G"}).json()
    assert only_g["results"] and all(h["code"].startswith("G") for h in only_g["results"])


def test_compare(client: httpx.Client, api: Server) -> None:
    joined = client.get("/v1/compare", params={"codes": "H2028,H2029"}).json()
    repeated = client.get("/v1/compare", params=[("codes", "H2028"), ("codes", "H2029")]).json()
    assert joined == repeated == cli_json(api.home, "compare", "H2028", "H2029")
    assert joined["codes"] == ["H2028", "H2029"] and "per diem" in joined["key_difference"]
    error_of(client.get("/v1/compare"), 400, "bad_request")
    many = ",".join(["H2028"] * 9)
    error_of(client.get("/v1/compare", params={"codes": many}), 400, "bad_request")
    error_of(client.get("/v1/compare", params={"codes": "H2028,H2099"}), 404, "not_found")


def test_validate_takes_json_objects_lists_and_plain_text(client: httpx.Client) -> None:
    body = {"codes": ["H2028", "G0164", "not a code"], "date": "2021-01-01"}
    report = client.post("/v1/validate", json=body).json()
    assert [r["status"] for r in report["results"]] == ["active", "terminated", "invalid"]
    assert report["date"] == "2021-01-01" and report["ok"] is False
    assert report["counts"]["active"] == 1 and report["total"] == 3
    per_item = client.post(
        "/v1/validate", json=[{"code": "G0164", "date": "2016-01-01"}, "H2028"]
    ).json()
    assert [r["status"] for r in per_item["results"]] == ["active", "active"]
    text = client.post(
        "/v1/validate",
        content="H2028\r\n# a comment\nE0601\n",
        headers={"content-type": "text/plain"},
    ).json()
    assert [r["code"] for r in text["results"]] == ["H2028", "E0601"] and text["ok"] is True


@pytest.mark.parametrize(
    "content, kind, status, message",
    [
        (b"{not json", "application/json", 400, "not JSON"),
        (b'{"codes": "H2028"}', "application/json", 400, "must be"),
        (b'{"codes": [1, 2]}', "application/json", 400, "each code"),
        (b'{"codes": []}', "application/json", 400, "no codes"),
        (json.dumps(["H2028"] * 10_001).encode(), "application/json", 400, "too many"),
        (b"H2028\n" * 200_000, "text/plain", 413, "over 1024 KiB"),
    ],
)
def test_bad_validation_requests(
    client: httpx.Client, content: bytes, kind: str, status: int, message: str
) -> None:
    r = client.post("/v1/validate", content=content, headers={"content-type": kind})
    assert r.status_code == status and message in r.json()["error"]["message"]


def test_browse_history_changes_releases_and_health(client: httpx.Client, api: Server) -> None:
    sections = client.get("/v1/browse").json()["sections"]
    assert {s["letter"] for s in sections} >= {"E", "G", "H"}
    listing = client.get("/v1/browse", params={"prefix": "H20"}).json()
    assert listing["codes"] and all(c["code"].startswith("H20") for c in listing["codes"])
    assert listing == cli_json(api.home, "browse", "H20")
    history = client.get("/v1/codes/H2028/history").json()
    assert history["code"] == "H2028" and history["releases"][0]["present"] is True
    changes = client.get("/v1/changes", params={"action": "added"}).json()
    assert changes == cli_json(api.home, "changes", "--action", "added")
    error_of(client.get("/v1/changes", params={"action": "eaten"}), 400, "bad_request")
    held = client.get("/v1/releases").json()
    assert "home" not in held and held["in_use"] == "2020"
    assert [r["label"] for r in held["releases"]] == ["2020"]
    health = client.get("/v1/health").json()
    assert health["status"] == "ok" and health["release"] == "2020"
    assert health["bundled_records"] > 100


def test_modifier_explained_against_a_code(client: httpx.Client) -> None:
    data = client.get("/v1/modifiers/HF", params={"code": "H0015"}).json()
    assert data["descriptor"] == "Substance abuse program"
    assert data["with_code"]["code"] == "H0015" and data["with_code"]["has_record"] is True
    assert isinstance(data["with_code"]["listed_in_record"], bool)
    error_of(client.get("/v1/modifiers/H2028"), 400, "bad_request")


def test_openapi_describes_every_route(client: httpx.Client) -> None:
    from hcpcs_cli.serve.api import ROUTES

    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1") and doc["info"]["title"]
    served = {path for path, _, _ in ROUTES} - {"/", "/v1/openapi.json"}
    assert served == set(doc["paths"])
    for path, _, methods in ROUTES:
        if path in doc["paths"]:
            assert {m.lower() for m in methods} == set(doc["paths"][path])
    assert client.get("/v1/openapi.json").json() == doc
    assert "/v1/search?q=..." in client.get("/").json()["endpoints"]


def test_unknown_paths_and_write_methods_are_json_errors(client: httpx.Client) -> None:
    error_of(client.get("/v2/codes/H2028"), 404, "not_found")
    for method in ("PUT", "DELETE", "PATCH"):
        error_of(client.request(method, "/v1/codes/H2028"), 405, "method_not_allowed")
    error_of(client.post("/v1/search", data={"q": "x"}), 405, "method_not_allowed")
    assert client.head("/v1/health").status_code == 200


def test_nothing_is_written_by_requests(client: httpx.Client, api: Server) -> None:
    before = {p: p.stat().st_mtime_ns for p in api.home.rglob("*") if p.is_file()}
    for path in ("/v1/codes/E0601", "/v1/search?q=walker", "/v1/browse?prefix=E0"):
        assert client.get(path).status_code == 200
    assert client.post("/v1/validate", json=["E0601"]).status_code == 200
    after = {p: p.stat().st_mtime_ns for p in api.home.rglob("*") if p.is_file()}
    assert after == before


def test_security_headers(client: httpx.Client) -> None:
    r = client.get("/v1/health")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "server" not in r.headers
    assert (
        "access-control-allow-origin"
        not in client.get("/v1/health", headers={"Origin": "https://forms.example.org"}).headers
    )


# -- the NLM Clinical Tables shape --------------------------------------------------------------
def test_clinical_tables_default_shape(client: httpx.Client) -> None:
    answer = client.get("/api/hcpcs/v3/search", params={"terms": "wheelchair"}).json()
    assert isinstance(answer, list) and len(answer) == 4
    total, codes, extra, display = answer
    assert isinstance(total, int) and total >= len(codes) and 0 < len(codes) <= 7
    assert extra is None
    assert all(re.fullmatch(r"[A-V]\d{4}", c) for c in codes)
    assert [d[0] for d in display] == codes  # default df: code,display
    assert all(len(d) == 2 and isinstance(d[1], str) and d[1] for d in display)


def test_clinical_tables_fields_paging_and_code_search(client: httpx.Client) -> None:
    url = "/api/hcpcs/v3/search"
    answer = client.get(
        url,
        params={
            "terms": "wheelchair",
            "maxList": "3",
            "df": "short_desc,code",
            "ef": "long_desc,term_dt:ends,obsolete,is_noc",
        },
    ).json()
    total, codes, extra, display = answer
    assert len(codes) == 3 and [d[1] for d in display] == codes
    assert set(extra) == {"long_desc", "ends", "obsolete", "is_noc"}
    assert all(len(v) == 3 for v in extra.values())
    assert all(isinstance(v, bool) for v in extra["obsolete"] + extra["is_noc"])
    whole = client.get(url, params={"terms": "wheelchair", "count": 6}).json()[1]
    page2 = client.get(url, params={"terms": "wheelchair", "count": 3, "offset": 3}).json()[1]
    assert whole[3:6] == page2
    by_code = client.get(url, params={"terms": "e06", "sf": "code", "maxList": 50}).json()
    assert by_code[1] and all(c.startswith("E06") for c in by_code[1])
    assert by_code[0] == len(by_code[1])
    assert client.get(url, params={"terms": "walker", "sf": "code"}).json()[:2] == [0, []]
    short = client.get(url, params={"terms": "cpap", "cf": "short_desc"}).json()
    assert short[1] and all(not re.fullmatch(r"[A-V]\d{4}", c) for c in short[1])


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "missing parameter 'terms'"),
        ({"terms": "cpap", "q": "code:E*"}, "'q'"),
        ({"terms": "cpap", "df": "code,price"}, "unknown field 'price'"),
        ({"terms": "cpap", "count": 400, "offset": 200}, "at most 500"),
        ({"terms": "cpap", "maxList": 501}, "between 1 and 500"),
    ],
)
def test_clinical_tables_refusals(client: httpx.Client, params, message: str) -> None:
    error = error_of(client.get("/api/hcpcs/v3/search", params=params), 400, "bad_request")
    assert message in str(error["message"])


def test_clinical_tables_with_the_full_release(imported_full: Path) -> None:
    server = start(imported_full)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            answer = c.get("/api/hcpcs/v3/search", params={"terms": "halfway"}).json()
            assert answer[1][0] == "H2034"
            assert "halfway house" in answer[3][0][1]
            record = c.get("/v1/codes/H2028").json()["record"]
            assert record["unit"] == "per 15 minutes"
            hits = c.get("/v1/search", params={"q": "knee scooter"}).json()["results"]
            assert hits and hits[0]["code"].startswith("E")
    finally:
        stop(server)


# -- safety -------------------------------------------------------------------------------------
def test_a_loopback_server_refuses_other_host_names(client: httpx.Client) -> None:
    error = error_of(
        client.get("/v1/health", headers={"Host": "attacker.example:8765"}), 400, "bad_host"
    )
    assert "localhost" in str(error["message"])
    assert client.get("/v1/health", headers={"Host": "localhost"}).status_code == 200


def test_beyond_loopback_every_request_needs_the_token(excerpt_root: Path) -> None:
    server = start(excerpt_root, "--host", "0.0.0.0", "--token", TOKEN)
    port = server.url.rsplit(":", 1)[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            r = c.get("/v1/codes/H2028")
            error_of(r, 401, "unauthorized")
            assert r.headers["www-authenticate"].startswith("Bearer")
            error_of(
                c.get("/v1/health", headers={"Authorization": "Bearer wrong-token-123456"}),
                401,
                "unauthorized",
            )
            error_of(c.get("/v1/health", headers={"Authorization": TOKEN}), 401, "unauthorized")
            ok = c.get("/v1/codes/H2028", headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200 and ok.json()["code"] == "H2028"
            # Any Host header is accepted beyond loopback: the token is the check.
            named = c.get(
                "/v1/health",
                headers={"Authorization": f"Bearer {TOKEN}", "Host": "clinic-server:1"},
            )
            assert named.status_code == 200
    finally:
        stop(server)


def test_cors_only_for_named_origins(excerpt_root: Path) -> None:
    server = start(excerpt_root, "--cors-origin", "https://forms.example.org")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            allowed = c.get("/v1/health", headers={"Origin": "https://forms.example.org"})
            assert allowed.headers["access-control-allow-origin"] == "https://forms.example.org"
            other = c.get("/v1/health", headers={"Origin": "https://elsewhere.example"})
            assert "access-control-allow-origin" not in other.headers
            preflight = c.options(
                "/v1/validate",
                headers={
                    "Origin": "https://forms.example.org",
                    "Access-Control-Request-Method": "POST",
                },
            )
            assert preflight.status_code == 200
    finally:
        stop(server)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--host", "0.0.0.0"], "needs a token"),
        (["--host", "192.0.2.10", "--token", "short"], "too short"),
        (["--cors-origin", "forms.example.org"], "not an origin"),
        (["--port", "70000"], "70000"),
    ],
)
def test_serve_refuses_unsafe_or_bad_options(home: Path, args: list[str], message: str) -> None:
    r = invoke(["serve", *args])
    assert r.exit_code == 2 and message in r.stderr
    assert r.stderr.startswith("hcpcs: error:") and r.stderr.count("\n") == 1


def test_a_port_in_use_is_a_one_line_error(api: Server) -> None:
    port = api.url.rsplit(":", 1)[1]
    r = invoke(["serve", "--port", port], env={"HCPCS_HOME": str(api.home)})
    assert r.exit_code == 2 and "cannot listen on 127.0.0.1:" in r.stderr
    assert "choose another --port" in r.stderr


def test_a_missing_extra_names_what_to_install(home: Path, monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    r = invoke(["serve"])
    assert r.exit_code == 2
    assert "pip install 'hcpcs-cli[serve]'" in r.stderr and "uvicorn" in r.stderr


def test_several_worker_processes_answer_alike(excerpt_root: Path, api: Server) -> None:
    server = start(excerpt_root, "--workers", "2")
    try:
        with (
            httpx.Client(base_url=server.url, timeout=30) as many,
            httpx.Client(base_url=api.url, timeout=30) as one,
        ):
            for path in (
                "/v1/codes/H2028",
                "/v1/search?q=cpap",
                "/api/hcpcs/v3/search?terms=walker",
            ):
                for _ in range(3):  # the workers share the socket: several answer in turn
                    assert many.get(path).json() == one.get(path).json()
            error_of(many.get("/v1/codes/H2099"), 404, "not_found")
    finally:
        stop(server)
