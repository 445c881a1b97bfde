"""The README and docs say what the program does: every command documented, pictures current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer
from conftest import invoke

from hcpcs_cli.cli.app import app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def _commands() -> dict[str, object]:
    group = typer.main.get_command(app)
    names = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if getattr(command, "commands", None):
            for sub in command.commands:
                names[f"{name} {sub}"] = command.commands[sub]
        elif not command.hidden:
            names[name] = command
    return names


def test_every_command_and_group_has_help_with_an_example() -> None:
    group = typer.main.get_command(app)
    assert "Example" in (group.help or "") and "Exit status" in (group.epilog or "")
    for name, command in _commands().items():
        help_text = command.help or ""  # type: ignore[attr-defined]
        assert len(help_text) > 20, name
        assert "Example: hcpcs " in help_text, f"{name} has no example"
        r = invoke([*name.split(), "--help"])
        assert r.exit_code == 0 and "Usage: hcpcs" in r.stdout
    assert "Example: hcpcs data" in (group.commands["data"].help or "")  # type: ignore[attr-defined]


def test_top_level_help_names_environment_data_and_exit_statuses() -> None:
    text = invoke(["--help"]).stdout
    for needle in ("HCPCS_HOME", "HCPCS_RELEASE", "HCPCS_NO_PAGER", "Exit status", "74", "130"):
        assert needle in text, needle


def test_readme_documents_every_command_and_exit_code() -> None:
    for name in _commands():
        assert f"hcpcs {name}" in README or f"`{name} " in README or f"`{name}`" in README, name
    from hcpcs_cli.errors import ExitCode

    for code in ExitCode:
        assert f"| {int(code)} |" in README, code


def test_readme_pictures_exist_and_are_current() -> None:
    for name in re.findall(r"\(docs/img/([\w.]+\.svg)\)", README):
        assert (REPO / "docs" / "img" / name).exists(), name
    assert len(re.findall(r"docs/img/\w+\.svg", README)) >= 3
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "screenshots.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_benchmark_figures_are_published() -> None:
    text = (REPO / "docs" / "benchmarks.md").read_text()
    assert "### heldout:" in text and "### tune:" in text and "ratio to baseline" in text
    for script in ("relevance", "speed", "scale", "load"):
        assert f"benchmarks/{script}.py" in text and (REPO / "benchmarks" / f"{script}.py").exists()


def test_the_man_page_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "manpage.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        ".SH EXIT" in (REPO / "docs" / "hcpcs.1").read_text()
        or "EXIT STATUS" in (REPO / "docs" / "hcpcs.1").read_text()
    )


def test_the_api_document_shows_the_layers() -> None:
    text = (REPO / "docs" / "api.md").read_text()
    for name in ("Catalog", "to_dict()", "mypy in strict mode", "cli/app.py", "ExitCode"):
        assert name in text or name.replace("cli/", "") in text, name
