"""How typed codes are understood."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcpcs_cli.codes import CodeRef, looks_like_prefix, normalize, parse_code, parse_range
from hcpcs_cli.errors import InvalidCode


@pytest.mark.parametrize(
    "text, code",
    [
        ("H2028", "H2028"),
        ("h2028", "H2028"),
        ("h-2028", "H2028"),
        (" H 2028 ", "H2028"),
        ("H2028 ", "H2028"),
        ("hf", "HF"),
        ("e0601", "E0601"),
    ],
)
def test_normalize_accepts_case_spaces_and_hyphens(text: str, code: str) -> None:
    assert normalize(text) == code


def test_code_with_modifiers_resolves_both() -> None:
    assert parse_code("H2028-HF") == CodeRef("H2028", ("HF",))
    assert parse_code("h2028 hf hq") == CodeRef("H2028", ("HF", "HQ"))
    assert parse_code("HF").is_modifier


@pytest.mark.parametrize(
    "text", ["", "   ", "H20", "2028", "H20288", "hello", "H2028-H", "💊", "H２028", "x" * 100]
)
def test_malformed_codes_are_rejected(text: str) -> None:
    with pytest.raises(InvalidCode):
        normalize(text)


def test_prefix_and_range_recognition() -> None:
    assert looks_like_prefix("H20") and looks_like_prefix("h")
    assert not looks_like_prefix("halfway")
    assert parse_range("H2027-H2030") == ("H2027", "H2030")
    assert parse_range("h2030 - h2027") == ("H2027", "H2030")
    assert parse_range("H2027") is None


@settings(max_examples=1000)
@given(st.text(max_size=80))
def test_parse_code_raises_only_its_own_error(text: str) -> None:
    try:
        ref = parse_code(text)
    except InvalidCode:
        return
    assert len(ref.code) in (2, 5) and ref.code == ref.code.upper()
    assert all(len(m) == 2 for m in ref.modifiers)


@given(
    st.from_regex(r"[A-Va-v][0-9]{4}", fullmatch=True), st.sampled_from(["", "-", " ", "--", "  "])
)
def test_every_spelling_of_a_code_normalizes_to_one_form(code: str, sep: str) -> None:
    spelled = code[0] + sep + code[1:]
    assert normalize(spelled) == code.upper()
