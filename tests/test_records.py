"""The record schema, its loader and the bundled records."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from hypothesis import given, settings
from hypothesis import strategies as st

from hcpcs_cli import bundle
from hcpcs_cli.errors import RecordError
from hcpcs_cli.records import RECORD_SECTIONS, build_record, parse_record, section_key

H2028 = bundle.records_dir() / "H2028.toml"

ISSUE_CODES = (
    [f"H{n:04d}" for n in range(1, 54)]
    + [f"H{n:04d}" for n in (1000, 1001, 1002, 1003, 1004, 1005, 1010, 1011)]
    + [f"H{n:04d}" for n in (2000, 2001)]
    + [f"H{n:04d}" for n in range(2010, 2042) if n != 2039]
    + [
        "G0129",
        "G0176",
        "G0177",
        "G0396",
        "G0397",
        "G0410",
        "G0411",
        "G0442",
        "G0443",
        "G0444",
        "G2086",
        "G2087",
        "G2088",
    ]
    + [f"G{n:04d}" for n in range(2067, 2081)]
    + [
        "S0201",
        "S9475",
        "S9480",
        "S9482",
        "S9484",
        "S9485",
        "T1006",
        "T1007",
        "T1009",
        "T1010",
        "T1012",
        "T1016",
        "T1017",
        "T1040",
        "T1041",
        "T2022",
        "T2023",
        "T2034",
        "T2048",
    ]
)


def test_every_bundled_record_loads() -> None:
    records = bundle.load_all()
    assert len(records) == len(bundle.bundled_codes()) >= 8
    for r in records:
        assert r.summary and r.setting and r.personnel and r.indications.conditions
        assert len(r.similar) >= 2 and len(r.alternatives) >= 2
        assert Path(r.path).stem == r.code
        assert r.checked_against == "2026-01"


def test_the_issue_families_are_all_bundled() -> None:
    missing = sorted(set(ISSUE_CODES) - set(bundle.bundled_codes()))
    assert not missing, f"no record for {missing}"


def test_unit_agrees_with_descriptor() -> None:
    # A record must never contradict the official unit of service.
    for r in bundle.load_all():
        desc = r.descriptor.lower()
        unit = r.unit.lower()
        if "per 15 minutes" in desc or "each 15 minutes" in desc:
            assert "15 minutes" in unit, r.code
        if desc.endswith("per diem"):
            assert "per diem" in unit or "per day" in unit, r.code
        if "per month" in desc:
            assert "month" in unit, r.code


def test_records_in_a_family_are_not_copies() -> None:
    summaries = {r.code: r.summary for r in bundle.load_all()}
    assert len(set(summaries.values())) == len(summaries)


def test_h2028_record_content() -> None:
    r = parse_record(H2028.read_text(), str(H2028))
    assert r.descriptor == "Sexual offender treatment service, per 15 minutes"
    assert r.unit == "per 15 minutes"
    assert {s.code for s in r.similar} >= {"H2029"}
    assert any(m.code == "HQ" and m.meaning == "Group setting" for m in r.billing.modifiers)


def _broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = H2028.read_text().replace(old, new, 1)
    path = tmp_path / "H2028.toml"
    path.write_text(text)
    return path, text


def test_missing_section_names_file_and_problem(tmp_path: Path) -> None:
    text = re.sub(r"(?m)^duration = .*\n", "", H2028.read_text())
    with pytest.raises(RecordError) as err:
        parse_record(text, str(tmp_path / "H2028.toml"))
    assert "missing required key 'duration'" in str(err.value)
    assert "H2028.toml" in str(err.value)


def test_wrong_type_names_the_line(tmp_path: Path) -> None:
    path, text = _broken(tmp_path, 'unit = "per 15 minutes"', "unit = 15")
    with pytest.raises(RecordError) as err:
        parse_record(text, str(path))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("unit ="))
    assert err.value.line == line
    assert "'unit' must be a string" in err.value.problem
    assert str(err.value).startswith(f"{path}:{line}:")


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path, text = _broken(tmp_path, 'category = "', "category = ")
    with pytest.raises(RecordError) as err:
        parse_record(text, str(path))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("category ="))
    assert err.value.line == line
    assert "invalid TOML" in err.value.problem


def test_unknown_key_and_empty_list_are_errors(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="unknown key 'colour'"):
        parse_record(
            H2028.read_text().replace('code = "H2028"', 'code = "H2028"\ncolour = "red"'),
            "x/H2028.toml",
        )
    with pytest.raises(RecordError, match="'benefits' must not be empty"):
        parse_record(
            re.sub(r"(?s)benefits = \[.*?\]", "benefits = []", H2028.read_text()), "x/H2028.toml"
        )


def test_file_name_must_match_code() -> None:
    with pytest.raises(RecordError, match="file name must match"):
        parse_record(H2028.read_text(), "somewhere/H2029.toml")


def test_section_names_are_forgiving() -> None:
    assert section_key("What-happens") == "what_happens"
    assert section_key("billing notes") == "billing"
    assert section_key("recovery") == "follow_up"
    assert section_key("nonsense") is None
    assert list(RECORD_SECTIONS)[0] == "summary"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_loader_raises_only_record_errors_on_any_text(text: str) -> None:
    with contextlib.suppress(RecordError):
        parse_record(text, "fuzz/H2028.toml")


_scalar = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none())
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["code", "summary", "unit", "similar", "purpose", "risks", "x"]), _value
    )
)
def test_loader_raises_only_record_errors_on_any_structure(data: dict) -> None:
    real = tomllib.loads(H2028.read_text())
    with contextlib.suppress(RecordError):
        build_record({**real, **data}, "fuzz/H2028.toml")


def test_official_fields_are_well_formed() -> None:
    for r in bundle.load_all():
        assert r.coverage is None or len(r.coverage) == 1, r.code
        if r.termination_date:
            assert r.add_date and r.add_date < r.termination_date, r.code


def test_the_terminated_opioid_bundles_say_so() -> None:
    for code in ("G2070", "G2071", "G2072"):
        record = bundle.get_record(code)
        assert record is not None and record.termination_date == "2024-12-31"


def test_control_characters_are_refused(tmp_path: Path) -> None:
    text = H2028.read_text().replace("Treatment aimed at", "Treatment \\u001b[2J aimed at", 1)
    with pytest.raises(RecordError, match="control character"):
        parse_record(text, str(tmp_path / "H2028.toml"))


def test_deep_nesting_is_a_record_error(tmp_path: Path) -> None:
    text = 'code = "H2028"\nsummary = ' + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(RecordError):
        parse_record(text, str(tmp_path / "H2028.toml"))


def test_the_schema_keeps_real_annotations() -> None:
    """The loader reads the classes' own annotations as types (faster than get_type_hints): a
    ``from __future__ import annotations`` in records.py would turn them into strings."""
    import typing

    from hcpcs_cli import records

    for cls in (records.Record, records.Billing, records.Risks, records.Alternative):
        assert dict(cls.__annotations__) == typing.get_type_hints(cls), cls.__name__
