"""Shared fixtures: an isolated data directory, the real 2020 release from ../shared, a CLI driver."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hcpcs_cli.cli import run
from hcpcs_cli.release import read_release
from hcpcs_cli.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HCPCS_SHARED", REPO.parent / "shared"))
CMS = SHARED / "cms"
RELEASE_ZIP = CMS / "2020" / "2020-Alpha-Numeric-HCPCS-File.zip"
RELEASE_TXT = CMS / "2020" / "HCPC2020_ANWEB_w_disclaimer.txt"
ADDITIONS = CMS / "2026-h-code-additions.tsv"

if not RELEASE_ZIP.exists():  # pragma: no cover - a broken checkout, not a test result
    raise RuntimeError(f"the official release is expected at {RELEASE_ZIP} (set HCPCS_SHARED)")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def invoke(
    args: list[str], input: str | bytes | None = None, env: dict[str, str] | None = None
) -> Result:
    """Run the CLI in-process through its real entry point (error handling included)."""
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _):
        code = run([str(a) for a in args])
        sys.stdout.flush()
        sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return Result(code, stdout, stderr)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory."""
    path = tmp_path / "home"
    monkeypatch.setenv("HCPCS_HOME", str(path))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return path


@pytest.fixture(scope="session")
def parsed_2020():
    return read_release(RELEASE_ZIP)


@pytest.fixture(scope="session")
def imported_root(tmp_path_factory: pytest.TempPathFactory, parsed_2020) -> Path:
    """A data directory holding the 2020 release, imported once for the whole session."""
    root = tmp_path_factory.mktemp("imported")
    Store(root).import_release(parsed_2020)
    return root


@pytest.fixture
def imported(imported_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HCPCS_HOME pointing at the shared imported 2020 release (read-only use)."""
    monkeypatch.setenv("HCPCS_HOME", str(imported_root))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return imported_root


@pytest.fixture(autouse=True)
def _fresh_render_settings():
    """--plain sets a module-level switch for one run; in-process tests must not inherit it."""
    from hcpcs_cli import render

    render.set_plain(False)
    yield
    render.set_plain(False)
