"""Terminal-only behaviour, driven in a pseudo-terminal: pager, colour, width; and piped output."""

from __future__ import annotations

import fcntl
import io
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
from rich.console import Console

from hcpcs_cli import render
from hcpcs_cli.catalog import Catalog
from hcpcs_cli.theme import THEME

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


@pytest.fixture
def term_env(imported: Path, tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "HCPCS_NO_PAGER", "PAGER")
    }
    env.update(
        {
            "HCPCS_HOME": str(imported),
            "TERM": "xterm-256color",
            "PAGER": f"cat > {tmp_path / 'paged.txt'}",
        }
    )
    return env


def test_show_opens_the_pager_in_a_terminal(term_env: dict[str, str], tmp_path: Path) -> None:
    run_in_pty(["show", "H2028"], term_env)
    paged = (tmp_path / "paged.txt").read_text()
    assert "Sexual offender treatment service, per 15 minutes" in paged and "Similar codes" in paged
    assert COLOUR.search(paged), "the pager receives the colours"


def test_no_pager_when_asked_or_for_one_section(term_env: dict[str, str], tmp_path: Path) -> None:
    out = run_in_pty(["--no-pager", "show", "H2028"], term_env)
    assert "Similar codes" in out and not (tmp_path / "paged.txt").exists()
    out = run_in_pty(["show", "H2028"], {**term_env, "HCPCS_NO_PAGER": "1"})
    assert "Similar codes" in out and not (tmp_path / "paged.txt").exists()
    out = run_in_pty(["show", "H2028", "--section", "setting"], term_env)
    assert "Setting" in out and not (tmp_path / "paged.txt").exists()


def test_piped_output_is_plain_and_never_paged(term_env: dict[str, str], tmp_path: Path) -> None:
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


def test_colour_in_a_terminal_and_no_colour_rules(term_env: dict[str, str]) -> None:
    assert COLOUR.search(run_in_pty(["search", "crisis"], term_env))
    assert not COLOUR.search(run_in_pty(["search", "crisis"], {**term_env, "NO_COLOR": "1"}))
    assert not ESCAPE.search(run_in_pty(["--plain", "search", "crisis"], term_env))
    forced = subprocess.run(
        [sys.executable, "-m", "hcpcs_cli", "search", "crisis"],
        env={**term_env, "FORCE_COLOR": "1"},
        capture_output=True,
        text=True,
    )
    assert COLOUR.search(forced.stdout)


@pytest.mark.parametrize("columns", [40, 60, 120])
def test_output_fits_the_terminal_width(term_env: dict[str, str], columns: int) -> None:
    out = run_in_pty(["--no-pager", "compare", "H2028", "H2029"], term_env, columns=columns)
    lines = [ESCAPE.sub("", line) for line in out.replace("\r", "").split("\n")]
    assert max(len(line) for line in lines) <= columns
    assert any("per diem" in line for line in lines)


@pytest.mark.parametrize("width", [40, 80, 120, 200])
def test_views_render_within_width(home, width: int) -> None:
    catalog = Catalog(use_release=False)
    entry = catalog.get("H0015")
    views = [
        render.entry_view(entry),
        render.search_table(catalog.search("crisis intervention")),
        render.compare_view(catalog.compare(["H2028", "H2029"])),
    ]
    for view in views:
        buffer = io.StringIO()
        Console(file=buffer, width=width, theme=THEME, color_system=None).print(view)
        lines = buffer.getvalue().splitlines()
        assert max(len(line) for line in lines) <= width
    text = buffer.getvalue()
    assert "per 15 minutes" in text and "per diem" in text


def test_plain_mode_has_no_box_drawing(home) -> None:
    from conftest import invoke

    out = invoke(["--plain", "show", "H2028"]).stdout
    assert "Summary:" in out and "- " in out
    assert not set(out) & set("─│╭╮╰╯━┃•")
