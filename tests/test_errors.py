"""Every user mistake: a one-line message, a documented exit code, never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import invoke

BAD_INPUTS = [
    (["show", ""], 2, "empty code"),
    (["show", "   "], 2, "empty code"),
    (["show", "x" * 10000], 2, "too long to be a code"),
    (["show", "H20\x0728"], 2, "is not a HCPCS Level II code"),
    (["show", "💊"], 2, "is not a HCPCS Level II code"),
    (["show", "Н2028"], 2, "is not a HCPCS Level II code"),  # Cyrillic H
    (["show", "Z9999"], 1, "unknown code Z9999"),
    (["search", ""], 2, "empty search query"),
    (["search", "q" * 10000], 2, "search query is too long"),
    (["search", "x", "--limit", "0"], 2, "--limit"),
    (["search", "x", "--kind", "drug"], 2, "--kind"),
    (["compare", "H2028"], 0, ""),
    (["compare", "H2028", "nonsense!"], 2, "is not a HCPCS Level II code"),
    (["nosuchcommand"], 2, "No such command"),
    (["show"], 2, "Missing argument"),
    (["show", "H2028", "--bogus"], 2, "No such option"),
    (["data", "import", "/nonexistent/file.zip"], 3, "no such file"),
    (["data", "check", "--file", "/nonexistent.zip"], 3, "no such file"),
    (["data", "check", "--release", "1999"], 3, "no release labelled '1999'"),
    (["validate", "H2028", "--date", "2021-02-30"], 2, "is not a date"),
    (["search", "x", "--limit", "501"], 2, "--limit"),
    (["show", "H2028", "--json", "--jsonl"], 2, "choose one output format"),
]


@pytest.mark.parametrize("args, code, message", BAD_INPUTS)
def test_bad_input_gets_one_line_and_exit_code(
    home, args: list[str], code: int, message: str
) -> None:
    r = invoke(args)
    assert r.exit_code == code, (r.stdout, r.stderr)
    if code:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith("hcpcs: error: ")
        assert message in lines[0]
        assert "Traceback" not in r.stderr + r.stdout


def test_emoji_and_other_scripts_in_search_answer_cleanly(home) -> None:
    for query in ["🏠 house", "детокс", "ñandú", "\x00\x01"]:
        r = invoke(["search", query])
        assert r.exit_code in (0, 1)
        assert "Traceback" not in r.stderr


def test_invalid_utf8_on_stdin(imported) -> None:
    r = invoke(["validate", "--json"], input=b"H2028\n\xff\xfeE0601\n")
    assert r.exit_code == 1
    assert "Traceback" not in r.stderr


def test_unexpected_error_is_one_line_and_debug_shows_traceback(home, monkeypatch) -> None:
    import hcpcs_cli.catalog as catalog

    def boom(self, text, on=None):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(catalog.Catalog, "get", boom)
    r = invoke(["show", "H2028"])
    assert r.exit_code == 70
    assert (
        r.stderr.strip()
        == "hcpcs: internal error: RuntimeError: kaboom (run with --debug for details)"
    )
    r = invoke(["--debug", "show", "H2028"])
    assert "Traceback" in r.stderr and "kaboom" in r.stderr


def test_version(home) -> None:
    r = invoke(["--version"])
    assert r.exit_code == 0
    assert r.stdout.startswith("hcpcs 0.1.0 (bundled records: ")
    assert "CMS release: none imported" in r.stdout


def _hcpcs(*args: str) -> list[str]:
    return [sys.executable, "-m", "hcpcs_cli", *args]


def test_broken_pipe_exits_quietly(imported) -> None:
    proc = subprocess.run(
        f"{' '.join(_hcpcs('search', 'crisis', '--limit', '50'))} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert len(proc.stdout.splitlines()) == 1


def _wait_until_reading_stdin(pid: int, timeout: float = 120.0) -> None:
    """Block until the process sits in a read of its stdin pipe (ready), however loaded the
    machine is; Linux only (the kernel names the wait channel)."""
    wchan = Path(f"/proc/{pid}/wchan")
    if not wchan.exists():
        pytest.skip("needs /proc/PID/wchan (Linux) to know when the process is ready")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if "pipe_read" in wchan.read_text():
                return
        time.sleep(0.01)
    raise AssertionError("the process never started reading its input")


def test_ctrl_c_exits_130_without_traceback(home) -> None:
    # validate waits on stdin: once it reads, it is past start-up and idle.
    proc = subprocess.Popen(
        _hcpcs("validate"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_until_reading_stdin(proc.pid)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip() == "hcpcs: interrupted"


def test_ctrl_c_while_the_cli_is_loading_is_quiet(home) -> None:
    # Deterministic: Ctrl-C arrives exactly while typer is being imported (the slow part of
    # start-up), as a user pressing it in the first tenth of a second would cause.
    code = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'typer':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from hcpcs_cli.__main__ import main\n"
        "sys.exit(main(['show', 'H2028']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130
    assert proc.stderr == "" and proc.stdout == ""


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_termination_signals_end_cleanly(home, signum: int, status: int) -> None:
    proc = subprocess.Popen(
        _hcpcs("validate"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_until_reading_stdin(proc.pid)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == status and "Traceback" not in err


def test_no_arguments_prints_help(home) -> None:
    for args in ([], ["data"]):
        r = invoke(args)
        assert r.exit_code == 0 and r.stdout.startswith("Usage: hcpcs")
        assert "Commands:" in r.stdout and r.stderr == ""
