"""Hostile input and hostile environments: nothing from outside reaches the terminal raw, nothing
grows without bound, and no fault of the environment is an "internal error".

Table-driven: each case is an input, the message it must produce, its exit status, and the rule
that stdout and stderr hold nothing outside the printable set (tab and newline aside)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXCERPT, Result, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\"
CSI = "\x1b[2J\x1b[31m"
EVIL = f"Continuous {OSC52}positive {OSC8} airway {CSI}pressure"


def _clean(r: Result) -> None:
    for name, text in (("stdout", r.stdout), ("stderr", r.stderr)):
        found = CONTROL.search(text)
        assert not found, f"control character {found.group()!r} reached {name}: {text[:200]!r}"


def _replace_descriptor(lines: list[str], code: str, text: str) -> list[str]:
    out = []
    for line in lines:
        if line.startswith(f"{code}001003") or line.startswith(f"   {code}001007"):
            line = line[:11] + text[:80].ljust(80) + line[91:]
        out.append(line)
    return out


@pytest.fixture(scope="module")
def evil_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding two releases whose texts carry escape sequences: in descriptors,
    a short descriptor, and a modifier's meaning."""
    from hcpcs_cli.release import read_release
    from hcpcs_cli.store import Store

    root = tmp_path_factory.mktemp("evil")
    lines = EXCERPT.read_bytes().decode("cp1252").split("\r\n")
    lines = _replace_descriptor(lines, "E0601", EVIL)
    lines = _replace_descriptor(lines, "HF", f"Substance {CSI}abuse{OSC52} program")
    lines = [
        line[:91] + "Cpap\x1b[8m hidden\x07"[:28].ljust(28) + line[119:]
        if line.startswith("E0100001003")
        else line
        for line in lines
    ]
    first = root / "HCPC2020_ANWEB.txt"
    first.write_bytes("\r\n".join(lines).encode("cp1252"))
    Store(root).import_release(read_release(first))
    second = root / "HCPC2021_ANWEB.txt"
    second.write_bytes(
        "\r\n".join(_replace_descriptor(lines, "K0001", f"Wheel{OSC8}chair")).encode("cp1252")
    )
    Store(root).import_release(read_release(second, "2021"))
    return root


VIEWS = [
    ["show", "E0601"],
    ["show", "E0100", "HF", "H2028-HF"],
    ["search", "airway pressure"],
    ["search", "cpap"],
    ["search", "substance program", "--kind", "modifier"],
    ["compare", "E0601", "E0100"],
    ["browse", "E0"],
    ["browse"],
    ["validate", "E0601", "E0100-HF", "Z9999"],
    ["history", "E0601"],
    ["diff", "2020", "2021"],
    ["changes"],
    ["show", "E0601", "--links"],
    ["data", "status"],
]


@pytest.mark.parametrize("fmt", ["table", "plain", "csv", "markdown"])
@pytest.mark.parametrize("args", VIEWS, ids=lambda a: " ".join(a))
def test_no_escape_sequence_from_a_release_reaches_the_output(
    evil_home: Path, monkeypatch, args: list[str], fmt: str
) -> None:
    monkeypatch.setenv("HCPCS_HOME", str(evil_home))
    extra = {"plain": ["--plain"], "table": []}.get(fmt, ["--format", fmt])
    r = invoke([*args, *extra])
    assert r.exit_code in (0, 1), r.stderr
    _clean(r)


def test_json_escapes_what_it_carries(evil_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("HCPCS_HOME", str(evil_home))
    r = invoke(["show", "E0601", "--json"])
    _clean(r)
    assert json.loads(r.stdout)[0]["descriptor"].startswith("Continuous \x1b]52;c;")
    assert "\\u001b" in r.stdout


def test_any_byte_in_a_descriptor_round_trips(home, tmp_path: Path) -> None:
    lines = EXCERPT.read_bytes().decode("cp1252").split("\r\n")
    path = tmp_path / "HCPC2020_ANWEB.txt"
    path.write_bytes(
        "\r\n".join(_replace_descriptor(lines, "E0601", "Unit\x1fsep\x1erec;|tab\there")).encode(
            "cp1252"
        )
    )
    assert invoke(["data", "import", str(path)]).exit_code == 0
    (entry,) = json.loads(invoke(["show", "E0601", "--json"]).stdout)
    assert entry["descriptor"] == "Unit\x1fsep\x1erec;|tab\there"
    _clean(invoke(["show", "E0601"]))


# -- inputs that must be refused fast ----------------------------------------------------------
def _zip_bomb(folder: Path) -> Path:
    path = folder / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("HCPC2020_ANWEB.txt", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(200):
            member.write(block)
    return path


def _flag_zip(folder: Path, name: str, flags: int = 0, method: int | None = None) -> Path:
    """A release zip whose member claims encryption (flag bit 0) or an unknown compression."""
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.write(EXCERPT, "HCPC2020_ANWEB.txt")
    data = bytearray(path.read_bytes())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        if flags:
            data[at + flag_at : at + flag_at + 2] = struct.pack("<H", flags)
        if method is not None:
            data[at + method_at : at + method_at + 2] = struct.pack("<H", method)
    path.write_bytes(bytes(data))
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "release.fifo"
    os.mkfifo(path)
    return path


REFUSED: list[tuple[str, Callable[[Path], str], str]] = [
    ("zip bomb", lambda d: str(_zip_bomb(d)), "larger than any release"),
    ("/dev/zero", lambda d: "/dev/zero", "not a regular file"),
    ("fifo", lambda d: str(_fifo(d)), "not a regular file"),
    ("directory", lambda d: str(d), "is a directory"),
    ("encrypted zip", lambda d: str(_flag_zip(d, "enc.zip", flags=1)), "encrypted"),
    ("unknown compression", lambda d: str(_flag_zip(d, "odd.zip", method=98)), "unsupported"),
    ("escape in the name", lambda d: str(d / "x\x1b]52;c;aGk=\x07.zip"), "no such file"),
]


@pytest.mark.parametrize("name, make, message", REFUSED, ids=[c[0] for c in REFUSED])
def test_hostile_release_files_are_refused_fast(
    home: Path, tmp_path: Path, name: str, make: Callable[[Path], str], message: str
) -> None:
    target = make(tmp_path)
    started = time.monotonic()
    r = invoke(["data", "import", target])
    assert time.monotonic() - started < 5, "refused too slowly"
    assert r.exit_code == 3, (r.exit_code, r.stderr)
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    _clean(r)
    assert not (home / "releases").exists() or not list((home / "releases").iterdir())


BAD_ARGS = [
    (["data", "import", str(EXCERPT), "--label", "evil\x1b[2J"], 3, "bad release label"),
    (["data", "import", str(EXCERPT), "--label", "x" * 500], 3, "bad release label"),
    (["search", "x", "--limit", "100000"], 2, "--limit"),
    (["show", "H2028\x1b]52;c;aGk=\x07"], 2, "is not a HCPCS Level II code"),
    (["validate", "--file", "/nonexistent/\x1b[31mred.csv"], 2, "no such file"),
    (["data", "update", "--url", "ftp://example.test/x.zip"], 2, "not a download URL"),
    (["data", "update", "--url", "http://[::1"], 2, "malformed URL"),
    (["data", "update", "--url", "http://example.test:99999/x.zip"], 2, "malformed URL"),
    (["show", "H2028", "--release", "../../etc/passwd"], 3, "no release labelled"),
]


@pytest.mark.parametrize(
    "args, status, message", BAD_ARGS, ids=[str(i) for i in range(len(BAD_ARGS))]
)
def test_bad_arguments(home, args: list[str], status: int, message: str) -> None:
    r = invoke(args)
    assert r.exit_code == status, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    _clean(r)


def test_csv_headers_and_cells_are_neutralised(imported, tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text("cl\x1b[2Jaim,co\x9bde\n1,H2028\n", encoding="utf-8")
    r = invoke(["validate", "--file", str(path), "--column", "code"])
    assert r.exit_code == 2 and "no column named 'code'" in r.stderr
    _clean(r)
    path.write_text('code\n=HYPERLINK("x")\n+1\n', encoding="utf-8")
    text = invoke(["validate", "--file", str(path), "--column", "code", "--csv"]).stdout
    assert "'=HYPERLINK" in text and "\n'+1," in text


def test_widths_and_limits_are_bounded(imported) -> None:
    for columns in ("0", "5", "999999999"):
        r = invoke(["search", "crisis"], env={"COLUMNS": columns})
        assert r.exit_code == 0 and max(len(line) for line in r.stdout.splitlines()) <= 1000


# -- user records --------------------------------------------------------------------------------
USER_RECORDS: list[tuple[str, str | bytes, str]] = [
    (
        "official field",
        'code = "H2028"\ndescriptor = "Anything, per diem"\n',
        "is an official field",
    ),
    (
        "escape sequence",
        'code = "H2028"\nlocal_notes = ["a \\u001b]52;c;aGk=\\u0007 b"]\n',
        "control character",
    ),
    ("C1 control", 'code = "H2028"\nlocal_notes = ["a \\u009b31m b"]\n', "control character"),
    (
        "deep nesting",
        'code = "H2028"\nlocal_notes = ' + "[" * 3000 + "]" * 3000 + "\n",
        "invalid TOML",
    ),
    ("huge", 'code = "H2028"\nlocal_notes = ["' + "x" * 300_000 + '"]\n', "larger than"),
    ("not utf-8", b'code = "H2028"\nlocal_notes = ["\xff\xfe"]\n', "not valid UTF-8"),
]


@pytest.mark.parametrize("name, text, message", USER_RECORDS, ids=[c[0] for c in USER_RECORDS])
def test_hostile_user_records_are_refused_with_a_warning(
    home, name: str, text, message: str
) -> None:
    folder = home / "records"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "H2028.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    r = invoke(["show", "H2028", "--plain"])
    assert r.exit_code == 0 and message in r.stderr and str(path) in r.stderr
    assert "Sexual offender treatment service, per 15 minutes" in r.stdout
    _clean(r)
    check = invoke(["data", "check"])
    assert check.exit_code == 3 and message in check.stdout
    _clean(check)


def test_user_records_follow_the_bundled_rules_in_data_check(home) -> None:
    folder = home / "records"
    folder.mkdir(parents=True)
    (folder / "H2028.toml").write_text(
        'code = "H2028"\nlocal_notes = ["Our payer pays $40 a unit and denies 30% of claims"]\n'
    )
    report = json.loads(invoke(["data", "check", "--json"]).stdout)
    assert any("H2028.toml" in p["path"] and p["check"] == "figures" for p in report["errors"])


# -- the environment ---------------------------------------------------------------------------
def test_a_lock_held_by_another_import(home: Path) -> None:
    import fcntl

    home.mkdir(parents=True, exist_ok=True)
    with open(home / "import.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        r = invoke(["data", "import", str(EXCERPT), "--no-wait"])
        assert r.exit_code == 5 and "another hcpcs import" in r.stderr
        proc = subprocess.Popen(
            [sys.executable, "-m", "hcpcs_cli", "data", "import", str(EXCERPT)],
            env={**os.environ, "HCPCS_HOME": str(home)},
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "waiting for another hcpcs import" in first and time.monotonic() < deadline
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        assert proc.wait(timeout=120) == 0


def test_a_read_only_data_directory_is_an_io_error(home: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes (the read-only mount case is in test_robustness)")
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        r = invoke(["data", "import", str(EXCERPT)])
        assert r.exit_code == 74 and "cannot write" in r.stderr
    finally:
        home.chmod(0o755)


class _Raw(threading.Thread):
    """A TCP server that answers every connection with ``reply`` and closes."""

    def __init__(self, reply: bytes) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.reply = reply
        self.port = self.sock.getsockname()[1]

    def run(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(self.reply)


NETWORK = [
    ("not HTTP", b"SSH-2.0-OpenSSH_9.0\r\n", "not a valid HTTP answer"),
    (
        "truncated body",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"PK" * 10,
        "ended early",
    ),
    (
        "huge header",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
        "not a valid HTTP answer",
    ),
    ("too large", b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n", "larger than any"),
]


@pytest.mark.parametrize("name, reply, message", NETWORK, ids=[c[0] for c in NETWORK])
def test_network_faults_are_network_errors(
    home: Path, name: str, reply: bytes, message: str
) -> None:
    server = _Raw(reply)
    server.start()
    url = f"http://127.0.0.1:{server.port}/january-2026-alpha-numeric-hcpcs-file.zip"
    r = invoke(["data", "update", "--url", url])
    server.sock.close()
    assert r.exit_code == 4, r.stderr
    assert message in r.stderr and url in r.stderr
    assert not list(home.glob(".download-*"))


def test_credentials_in_a_url_are_never_printed(home: Path) -> None:
    server = _Raw(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    server.start()
    r = invoke(["data", "update", "--url", f"http://alice:s3cret@127.0.0.1:{server.port}/x.zip"])
    server.sock.close()
    assert r.exit_code == 4 and "s3cret" not in r.stderr and "alice" not in r.stderr


# -- fuzzing -----------------------------------------------------------------------------------
_LINES = EXCERPT.read_bytes().decode("cp1252").split("\r\n")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(_LINES) - 1),
            st.integers(0, 330),
            st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=12),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_release_files_never_end_in_an_internal_error(
    home: Path, tmp_path_factory, edits
) -> None:
    lines = list(_LINES)
    for row, column, junk in edits:
        line = lines[row]
        lines[row] = line[:column] + junk + line[column + len(junk) :]
    path = tmp_path_factory.mktemp("fuzz") / "HCPC2020_ANWEB.txt"
    path.write_bytes("\r\n".join(lines).encode("cp1252", errors="replace"))
    r = invoke(["data", "import", str(path), "--label", "fuzz", "--replace"])
    assert r.exit_code in (0, 3), r.stderr
    _clean(r)
    if r.exit_code == 0:
        for args in (
            ["show", "E0601", "--release", "fuzz"],
            ["search", "cpap", "--release", "fuzz"],
        ):
            shown = invoke(args)
            assert shown.exit_code in (0, 1), shown.stderr
            _clean(shown)
    # Next example from scratch, but with the parsed lexicon and records kept in cache/ (parsing
    # them again for each example would be most of this test's time).
    shutil.rmtree(home / "releases", ignore_errors=True)
    for index in (home / "cache").glob("index-*"):
        index.unlink()
