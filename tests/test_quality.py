"""Lint, format and types are part of the test command, so CI holds them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True)


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff is a test dependency",
)
def test_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", "src", "tests", "benchmarks", "scripts")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = _run("ruff", "format", "--check", "src")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_on_the_core() -> None:
    result = _run("mypy", "--config-file", str(REPO / "pyproject.toml"))
    assert result.returncode == 0, result.stdout + result.stderr
