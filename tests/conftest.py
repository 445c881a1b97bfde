"""Shared fixtures: isolated data directories, the committed release excerpt, the full official
release from ../shared when it is there, and a CLI driver.

The suite runs from a fresh clone: every test that needs only official lines uses
``tests/fixtures/HCPC2020_ANWEB_excerpt.txt`` (official 2020 lines for the codes the tests use).
Tests that need a whole release take the ``full_release`` fixture (or ``imported_full``), which
skips, with its reason, when ``../shared/cms/`` (or ``$HCPCS_SHARED/cms/``) is absent; CI sets
``HCPCS_REQUIRE_SHARED=1`` so that a missing release fails there instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hcpcs_cli.cli.app import run
from hcpcs_cli.release import ParsedRelease, read_release
from hcpcs_cli.store import Store

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
EXCERPT = FIXTURES / "HCPC2020_ANWEB_excerpt.txt"
SHARED = Path(os.environ.get("HCPCS_SHARED", REPO.parent / "shared"))
CMS = SHARED / "cms"
RELEASE_ZIP = CMS / "2020" / "2020-Alpha-Numeric-HCPCS-File.zip"
RELEASE_TXT = CMS / "2020" / "HCPC2020_ANWEB_w_disclaimer.txt"
ADDITIONS = CMS / "2026-h-code-additions.tsv"
EXCERPT_2026 = CMS / "2026-excerpt"
SKIP_REASON = (
    f"needs the official CMS release at {CMS} (set HCPCS_SHARED to the folder that holds cms/)"
)


def shared_available() -> bool:
    return RELEASE_ZIP.exists() and RELEASE_TXT.exists()


def require_shared() -> None:
    """Skip (or, under CI's HCPCS_REQUIRE_SHARED=1, fail) when the full release is absent."""
    if shared_available():
        return
    if os.environ.get("HCPCS_REQUIRE_SHARED"):
        pytest.fail(f"HCPCS_REQUIRE_SHARED is set but {SKIP_REASON}")
    pytest.skip(SKIP_REASON)


def reworded_release(folder: Path, name: str = "HCPC2027_ANWEB.txt") -> Path:
    """The 2020 excerpt as a newer release (effective 2027) that rewords H2028's descriptor."""
    lines = EXCERPT.read_bytes().decode("cp1252").split("\r\n")
    edited = [
        line[:11]
        + "Sexual offender treatment service, each 15 minutes".ljust(80)
        + line[91:276]
        + "20270101"
        + line[284:]
        if line.startswith("H2028001003")
        else line
        for line in lines
    ]
    path = folder / name
    path.write_bytes("\r\n".join(edited).encode("cp1252"))
    return path


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


def results(r: Result) -> list[dict[str, object]]:
    """The result list of a search, validate or browse JSON answer."""
    import json

    data = json.loads(r.stdout)
    for key in ("results", "codes", "sections"):
        if isinstance(data, dict) and key in data:
            return list(data[key])
    raise AssertionError(f"no result list in {r.stdout[:200]}")


@pytest.fixture(scope="session")
def bundled_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search index of the bundled records and their parsed cache, built once: each fresh
    data directory gets a copy (the index's key does not depend on the directory)."""
    from hcpcs_cli.catalog import Catalog

    root = tmp_path_factory.mktemp("bundled")
    Catalog(store=Store(root)).index  # noqa: B018 - builds the index
    return root / "cache"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundled_cache: Path) -> Path:
    """A data directory with no release (bundled records only)."""
    path = tmp_path / "home"
    shutil.copytree(bundled_cache, path / "cache")
    monkeypatch.setenv("HCPCS_HOME", str(path))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return path


@pytest.fixture(scope="session")
def excerpt() -> ParsedRelease:
    return read_release(EXCERPT)


@pytest.fixture(scope="session")
def excerpt_root(tmp_path_factory: pytest.TempPathFactory, excerpt: ParsedRelease) -> Path:
    """A data directory holding the 2020 excerpt (index built), made once for the session."""
    root = tmp_path_factory.mktemp("excerpt")
    Store(root).import_release(excerpt)
    return root


@pytest.fixture
def imported(excerpt_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HCPCS_HOME pointing at the shared 2020-excerpt data directory (read-only use)."""
    monkeypatch.setenv("HCPCS_HOME", str(excerpt_root))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return excerpt_root


@pytest.fixture
def writable(excerpt_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the 2020-excerpt data directory, for tests that change it."""
    root = tmp_path / "home"
    shutil.copytree(excerpt_root, root)
    monkeypatch.setenv("HCPCS_HOME", str(root))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return root


@pytest.fixture(scope="session")
def full_release() -> ParsedRelease:
    require_shared()
    return read_release(RELEASE_ZIP)


@pytest.fixture(scope="session")
def full_root(tmp_path_factory: pytest.TempPathFactory, full_release: ParsedRelease) -> Path:
    root = tmp_path_factory.mktemp("full")
    Store(root).import_release(full_release)
    return root


@pytest.fixture
def imported_full(full_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HCPCS_HOME pointing at the whole 2020 release, imported once (read-only use)."""
    monkeypatch.setenv("HCPCS_HOME", str(full_root))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return full_root
