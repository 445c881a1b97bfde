"""Every view, as text at fixed widths: golden files that show a diff when a view changes, and no
word ever cut at any width from 40 columns up.

Regenerate the golden files after an intended change: HCPCS_UPDATE_GOLDEN=1 pytest tests/test_views.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import invoke

GOLDEN = Path(__file__).resolve().parent / "golden"
WIDTHS = (40, 80, 120)
VIEWS = {
    "show-H2028": ["show", "H2028"],
    "show-E0601": ["show", "E0601"],
    "search-crisis": ["search", "crisis", "--limit", "5"],
    "compare-H2028-H2029": ["compare", "H2028", "H2029"],
    "browse-H00": ["browse", "H00"],
    "browse": ["browse"],
    "validate": ["validate", "H2028", "G0164", "H2038", "Z9999", "H2028-HQ"],
    "status": ["data", "status"],
}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'/&.()-]*[A-Za-z0-9)]|[A-Za-z0-9]")


def _render(args: list[str], width: int) -> str:
    r = invoke(["--no-pager", *args], env={"COLUMNS": str(width)})
    assert r.exit_code in (0, 1), r.stderr
    return r.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_views_match_their_golden_files(imported, name: str, width: int) -> None:
    text = _render(VIEWS[name], width)
    text = text.replace(str(imported), "<HCPCS_HOME>")
    text = re.sub(r"Imported +\S+", "Imported <time>", text)
    path = GOLDEN / f"{name}-{width}.txt"
    if os.environ.get("HCPCS_UPDATE_GOLDEN") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed (see the diff)"
    assert max(len(line) for line in text.splitlines()) <= width


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text))


@pytest.mark.parametrize("width", [40, 60, 80, 120])
@pytest.mark.parametrize(
    "codes", [["H2028", "H2029", "H0004"], ["H2028", "H2029", "H0004", "H2027"]]
)
def test_compare_shows_every_word_whole(imported, codes: list[str], width: int) -> None:
    data = json.loads(invoke(["compare", *codes, "--json"]).stdout)
    shown = _words(_render(["compare", *codes], width))
    expected = set()
    for row in data["rows"]:
        values = (
            row["values"].values() if not row["shared"] else [next(iter(row["values"].values()))]
        )
        for value in values:
            expected |= _words(value)
    missing = sorted(w for w in expected if w not in shown)
    assert not missing, f"cut or lost at {width} columns: {missing[:10]}"


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_search_history_and_validate_wrap_instead_of_cutting(imported, width: int) -> None:
    search = json.loads(invoke(["search", "alcohol drug services", "--json"]).stdout)
    text = _render(["search", "alcohol drug services"], width)
    for hit in search["results"]:
        assert _words(hit["descriptor"]) <= _words(text), hit["code"]
    report = json.loads(invoke(["validate", "H0015", "H2038", "G0164", "--json"]).stdout)
    text = _render(["validate", "H0015", "H2038", "G0164"], width)
    for row in report["results"]:
        assert _words(row["descriptor"]) <= _words(text), row["code"]
    assert all(len(line) <= width for line in text.splitlines())
