"""Terminal-only behaviour, driven in a pseudo-terminal: pager, colour, width; and piped output."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;[0-9;]+)m")
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_pty(args: list[str], env: dict[str, str], columns: int = 100, rows: int = 40) -> str:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child runs hcpcs
        os.execve(sys.executable, [sys.executable, "-m", "hcpcs_cli", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


FAKE_LESS = """#!/bin/sh
# A stand-in for less: records its environment and what it was sent.
printf '%s' "$LESS" > "$PAGED.less-env"
cat > "$PAGED"
"""


@pytest.fixture
def term_env(imported: Path, tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    less = bin_dir / "less"
    less.write_text(FAKE_LESS)
    less.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "HCPCS_NO_PAGER", "PAGER", "LESS")
    }
    env.update(
        {
            "HCPCS_HOME": str(imported),
            "TERM": "xterm-256color",
            "PAGER": "less",
            "PAGED": str(tmp_path / "paged.txt"),
            "PATH": f"{bin_dir}:{env.get('PATH', '')}",
        }
    )
    return env


def test_show_opens_the_pager_in_a_terminal_with_colours(term_env, tmp_path: Path) -> None:
    run_in_pty(["show", "H2028"], term_env)
    paged = (tmp_path / "paged.txt").read_text()
    assert "Sexual offender treatment service, per 15 minutes" in paged and "Similar codes" in paged
    assert COLOUR.search(paged), "less receives the colours"
    assert (tmp_path / "paged.txt.less-env").read_text() == "-FRX"


def test_a_users_less_without_r_gets_r(term_env, tmp_path: Path) -> None:
    run_in_pty(["show", "H2028"], {**term_env, "LESS": "-S"})
    assert (tmp_path / "paged.txt.less-env").read_text() == "-S -R"
    assert COLOUR.search((tmp_path / "paged.txt").read_text())
    run_in_pty(["show", "H2028"], {**term_env, "LESS": "-iR"})
    assert (tmp_path / "paged.txt.less-env").read_text() == "-iR"


def test_another_pager_gets_plain_text(term_env, tmp_path: Path) -> None:
    pager = tmp_path / "bin" / "mypager"
    pager.write_text('#!/bin/sh\ncat > "$PAGED"\n')
    pager.chmod(0o755)
    run_in_pty(["show", "H2028"], {**term_env, "PAGER": "mypager"})
    paged = (tmp_path / "paged.txt").read_text()
    assert "Similar codes" in paged and not ESCAPE.search(paged)


def test_a_pager_that_cannot_start_prints_directly(term_env, tmp_path: Path) -> None:
    out = run_in_pty(["browse", "H"], {**term_env, "PAGER": "nonexistent"}, rows=10)
    assert "H2028" in out and "H2041" in out
    assert "pager 'nonexistent' was not found; printing directly" in out
    out = run_in_pty(["show", "H2028"], {**term_env, "PAGER": "sh -c 'exit 127'"})
    assert "Similar codes" in out and "could not start" in out


def test_no_pager_when_asked_or_for_one_section(term_env, tmp_path: Path) -> None:
    out = run_in_pty(["--no-pager", "show", "H2028"], term_env)
    assert "Similar codes" in out and not (tmp_path / "paged.txt").exists()
    out = run_in_pty(["show", "H2028", "--no-pager"], term_env)
    assert "Similar codes" in out and not (tmp_path / "paged.txt").exists()
    out = run_in_pty(["show", "H2028"], {**term_env, "HCPCS_NO_PAGER": "1"})
    assert "Similar codes" in out and not (tmp_path / "paged.txt").exists()
    out = run_in_pty(["show", "H2028", "--section", "setting"], term_env)
    assert "Setting" in out and not (tmp_path / "paged.txt").exists()


def test_piped_output_is_plain_and_never_paged(term_env, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hcpcs_cli", "show", "H2028"],
        env=term_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "Similar codes" in proc.stdout
    assert not ESCAPE.search(proc.stdout)
    assert not (tmp_path / "paged.txt").exists()


def test_colour_in_a_terminal_and_no_colour_rules(term_env) -> None:
    assert COLOUR.search(run_in_pty(["search", "crisis"], term_env))
    assert not COLOUR.search(run_in_pty(["search", "crisis"], {**term_env, "NO_COLOR": "1"}))
    assert not ESCAPE.search(run_in_pty(["--plain", "search", "crisis"], term_env))
    assert not ESCAPE.search(run_in_pty(["search", "crisis", "--plain"], term_env))
    forced = subprocess.run(
        [sys.executable, "-m", "hcpcs_cli", "search", "crisis"],
        env={**term_env, "FORCE_COLOR": "1"},
        capture_output=True,
        text=True,
    )
    assert COLOUR.search(forced.stdout)


@pytest.mark.parametrize("columns", [40, 60, 120])
def test_output_fits_the_terminal_width(term_env, columns: int) -> None:
    out = run_in_pty(["--no-pager", "compare", "H2028", "H2029"], term_env, columns=columns)
    lines = [ESCAPE.sub("", line) for line in out.replace("\r", "").split("\n")]
    assert max(len(line) for line in lines) <= columns
    assert any("per diem" in line for line in lines)


@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "latin-1"])
def test_output_to_a_non_utf8_file_never_fails(imported, tmp_path: Path, encoding: str) -> None:
    out = tmp_path / "out.txt"
    for args, code in (
        (["show", "H2028"], "H2028"),
        (["compare", "H2028", "H2029"], "H2029"),
        (["search", "crisis"], "H2011"),
    ):
        with open(out, "wb") as handle:
            proc = subprocess.run(
                [sys.executable, "-m", "hcpcs_cli", *args],
                env={**os.environ, "HCPCS_HOME": str(imported), "PYTHONIOENCODING": encoding},
                stdout=handle,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
        assert proc.returncode == 0, proc.stderr
        text = out.read_bytes().decode(encoding)
        assert code in text and "Traceback" not in proc.stderr
        assert not set(text) & set("─│╭╮╰╯━┃•→")  # ASCII glyphs on a legacy encoding


def test_plain_mode_is_ascii(home) -> None:
    from conftest import invoke

    out = invoke(["--plain", "show", "H2028"]).stdout
    assert "Summary:" in out and "- " in out
    assert not set(out) & set("─│╭╮╰╯━┃•→")
    out = invoke(["compare", "H2028", "H2029", "--plain"]).stdout
    assert not set(out) & set("─│╭╮╰╯━┃•→·")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_an_io_error(imported) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "hcpcs_cli", "show", "H2028"],
            env={**os.environ, "HCPCS_HOME": str(imported)},
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 74, proc.stderr
    assert (
        proc.stderr.startswith("hcpcs: error: cannot write the output") or "No space" in proc.stderr
    )
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_closed_stdout_is_an_io_error(imported) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m hcpcs_cli show H2028 >&-",
        shell=True,
        env={**os.environ, "HCPCS_HOME": str(imported)},
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 74 and "Traceback" not in proc.stderr, proc.stderr
