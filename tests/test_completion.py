"""Shell completion: the shipped scripts are current, and codes complete with their descriptors."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _complete(home: Path, env: dict[str, str]) -> list[str]:
    full = {**os.environ, "HCPCS_HOME": str(home), **env}
    out = subprocess.run(
        [sys.executable, "-m", "hcpcs_cli"], env=full, capture_output=True, text=True, timeout=60
    )
    return out.stdout.splitlines()


def test_shipped_scripts_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "completions.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "complete -o default -F _hcpcs_completion hcpcs"
        in (REPO / "completions" / "hcpcs.bash").read_text()
    )


def test_bash_completes_commands_and_codes_in_the_case_typed(home: Path) -> None:
    assert _complete(
        home, {"_HCPCS_COMPLETE": "complete_bash", "COMP_WORDS": "hcpcs sea", "COMP_CWORD": "1"}
    ) == ["search"]
    assert _complete(
        home, {"_HCPCS_COMPLETE": "complete_bash", "COMP_WORDS": "hcpcs se", "COMP_CWORD": "1"}
    ) == ["search", "serve"]
    upper = _complete(
        home,
        {"_HCPCS_COMPLETE": "complete_bash", "COMP_WORDS": "hcpcs show H202", "COMP_CWORD": "2"},
    )
    assert {"H2027", "H2028", "H2029"} <= set(upper) and all(c.startswith("H202") for c in upper)
    lower = _complete(
        home,
        {
            "_HCPCS_COMPLETE": "complete_bash",
            "COMP_WORDS": "hcpcs compare h2028 h202",
            "COMP_CWORD": "3",
        },
    )
    assert "h2029" in lower


def test_zsh_and_fish_show_short_descriptors(home: Path) -> None:
    zsh = "\n".join(
        _complete(
            home, {"_HCPCS_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "hcpcs show H203"}
        )
    )
    assert '"H2034":"A/d halfway house, per diem"' in zsh
    fish = _complete(
        home,
        {
            "_HCPCS_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": "hcpcs show --section bil",
        },
    )
    assert fish == ["billing\tBilling notes"]


def test_release_codes_complete_after_import(imported: Path) -> None:
    codes = _complete(
        imported,
        {"_HCPCS_COMPLETE": "complete_bash", "COMP_WORDS": "hcpcs show E060", "COMP_CWORD": "2"},
    )
    assert "E0601" in codes


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash")
def test_tab_completes_codes_in_a_real_bash(home: Path) -> None:
    env = {
        **os.environ,
        "HCPCS_HOME": str(home),
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "PS1": "$ ",
        "TERM": "dumb",
        "INPUTRC": "/dev/null",
        "HISTFILE": "/dev/null",
    }
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes bash
        os.execve("/bin/bash", ["bash", "--norc", "--noprofile", "-i"], env)
    output = b""

    def read_until(marker: bytes, timeout: float = 20.0) -> bytes:
        nonlocal output
        deadline = time.monotonic() + timeout
        while marker not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 4096)
                except OSError:
                    break
        return output

    try:
        os.write(fd, f"source {REPO / 'completions' / 'hcpcs.bash'}\n".encode())
        read_until(b"$ ")
        os.write(fd, b"hcpcs show H202\t\t")
        text = read_until(b"H2029").decode(errors="replace")
        assert "H2027" in text and "H2028" in text and "H2029" in text
    finally:
        os.write(fd, b"\x15exit\n")
        os.close(fd)
        os.waitpid(pid, 0)
