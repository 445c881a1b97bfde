"""The library core stays free of the terminal, start-up stays lean, and the layers stay apart."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import hcpcs_cli

FRONT_ENDS = ("cli", "serve")


def core_modules() -> list[str]:
    """Every module of the package outside its front-ends, found by walking the package."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(hcpcs_cli.__path__)
        if m.name not in FRONT_ENDS and not m.name.startswith("__")
    )


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_the_walk_finds_the_core() -> None:
    found = core_modules()
    assert {"catalog", "search", "index", "store", "release", "records", "status"} <= set(found)
    assert len(found) >= 20


def test_core_imports_neither_typer_nor_rich() -> None:
    imports = "\n".join(f"import hcpcs_cli.{m}" for m in core_modules())
    loaded = _modules_after(
        imports + "\nfrom hcpcs_cli import Catalog\nCatalog(use_release=False).get('H2028')"
    )
    assert not {m for m in loaded if m.split(".")[0] in ("typer", "rich", "click")}


def test_package_import_is_lazy() -> None:
    loaded = _modules_after("import hcpcs_cli")
    assert "hcpcs_cli.catalog" not in loaded and "sqlite3" not in loaded


def test_no_module_level_output_state() -> None:
    # Output settings travel in the Output object (ctx.obj); no module keeps a global of them.
    import re

    for path in Path(hcpcs_cli.__file__).parent.rglob("*.py"):
        assert not re.search(r"^\s+global \w", path.read_text(), re.M), path.name


def test_show_loads_only_what_it_needs(tmp_path) -> None:
    code = (
        f"import os; os.environ['HCPCS_HOME'] = {str(tmp_path)!r}\n"
        "from hcpcs_cli.cli.app import run\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()): run(['show', 'H2028'])\n"
    )
    _modules_after(code)  # the first lookup fills the record cache
    loaded = _modules_after(code)
    for heavy in (
        "rapidfuzz",
        "zipfile",
        "rich.progress",
        "csv",
        "hashlib",
        "tempfile",
        "tomllib",
        "hcpcs_cli.search",
        "hcpcs_cli.lexicon",
        # The other commands' modules, and the optional front-ends: the core install and its
        # start-up do not pay for them.
        "hcpcs_cli.cli.data",
        "hcpcs_cli.cli.serve",
        "hcpcs_cli.serve",
        "starlette",
        "uvicorn",
        "mcp",
        "pydantic",
        "anyio",
    ):
        assert heavy not in loaded, heavy


def test_the_servers_use_the_core_not_the_terminal() -> None:
    loaded = _modules_after(
        "import hcpcs_cli.serve.api, hcpcs_cli.serve.mcp_server, hcpcs_cli.serve.nlm"
    )
    assert "starlette" in loaded and "mcp" in loaded
    # (click comes with uvicorn; typer and rich would come only from our own CLI.)
    assert not {m for m in loaded if m.split(".")[0] in ("typer", "rich")}
    assert "hcpcs_cli.cli" not in loaded


def test_library_usage_from_python() -> None:
    from hcpcs_cli import Catalog

    catalog = Catalog(use_release=False)
    entry = catalog.get("h-2028")
    assert entry.record is not None and entry.record.unit == "per 15 minutes"
    assert catalog.search("halfway house").hits[0].code == "H2034"
    assert "per diem" in catalog.compare(["H2028", "H2029"]).key_difference


def test_search_does_not_load_rapidfuzz_or_the_toml_parser(tmp_path) -> None:
    code = (
        f"import os; os.environ['HCPCS_HOME'] = {str(tmp_path)!r}\n"
        "from hcpcs_cli.cli.app import run\n"
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()): run(['search', 'methadon'])\n"
    )
    _modules_after(code)  # the first search builds the index
    loaded = _modules_after(code)
    assert "rapidfuzz" not in loaded and "tomllib" not in loaded and "csv" not in loaded


def test_the_command_names_known_at_start_up_are_the_apps() -> None:
    # A run builds only the command it names, from a list known without building the whole app.
    from hcpcs_cli.cli.app import _NAMES, full_app

    app = full_app()
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert names == _NAMES
