"""Parsing the official CMS release, checked against the spreadsheet CMS ships in the same zip."""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path

import pytest
from conftest import EXCERPT, RELEASE_TXT, RELEASE_ZIP, require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from hcpcs_cli.errors import ReleaseError
from hcpcs_cli.release import derive_label, parse_lines, read_release


def test_2020_release_counts(full_release) -> None:
    assert full_release.label == "2020"
    assert full_release.procedures == 6710
    assert full_release.modifiers == 369


def test_zip_and_text_file_parse_identically(full_release) -> None:
    from_text = read_release(RELEASE_TXT)
    assert from_text.entries == full_release.entries
    assert from_text.label == "2020"


def test_the_excerpt_is_official_lines_of_the_full_release(excerpt, full_release) -> None:
    whole = {e.code: e for e in full_release.entries}
    assert all(whole[e.code] == e for e in excerpt.entries)


@pytest.mark.parametrize("source", ["excerpt", "full"])
def test_known_codes(source: str, request) -> None:
    parsed = request.getfixturevalue("excerpt" if source == "excerpt" else "full_release")
    codes = {e.code: e for e in parsed.entries}
    e0601 = codes["E0601"]
    assert e0601.descriptor == "Continuous positive airway pressure (cpap) device"
    assert e0601.coverage == "D" and e0601.betos == "D1E" and e0601.pricing == ("36",)
    g0164 = codes["G0164"]
    assert g0164.termination_date == "2016-12-31"
    assert g0164.descriptor.endswith("in the home health or hospice setting, each 15 minutes")
    assert codes["HF"].kind == "modifier" and codes["HF"].descriptor == "Substance abuse program"
    assert codes["H2028"].descriptor == "Sexual offender treatment service, per 15 minutes"
    assert codes["H2028"].short_descriptor == "Sex offend tx svc, 15 min"


@pytest.fixture(scope="module")
def spreadsheet() -> dict[str, dict[str, str]]:
    """The .xls CMS ships in the zip, one row per code (long descriptions joined)."""
    require_shared()
    xlrd = pytest.importorskip("xlrd")
    with zipfile.ZipFile(RELEASE_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith(".xls"))
        book = xlrd.open_workbook(file_contents=archive.read(name))
    sheet = book.sheet_by_index(0)
    header_row = next(r for r in range(sheet.nrows) if sheet.cell_value(r, 0) == "HCPC")
    header = sheet.row_values(header_row)
    rows: dict[str, dict[str, str]] = {}
    for r in range(header_row + 1, sheet.nrows):
        values = [v if isinstance(v, str) else str(int(v)) for v in sheet.row_values(r)]
        row = dict(zip(header, (v.strip() for v in values), strict=True))
        code = row["HCPC"]
        if code in rows:  # a long description split across rows
            rows[code]["LONG DESCRIPTION"] += " " + row["LONG DESCRIPTION"]
        else:
            rows[code] = row
    return rows


def _date(value: str) -> str | None:
    return f"{value[:4]}-{value[4:6]}-{value[6:]}" if value else None


def test_every_field_matches_the_spreadsheet(full_release, spreadsheet) -> None:
    assert len(spreadsheet) == len(full_release.entries)
    mismatches = []
    for e in full_release.entries:
        row = spreadsheet[e.code]
        expected = {
            "short_descriptor": row["SHORT DESCRIPTION"],
            "pricing": tuple(row[f"PRICE{i}"] for i in range(1, 5) if row[f"PRICE{i}"]),
            "multiple_pricing": row["MULT_PI"],
            "coverage": row["COV"],
            "betos": row["BETOS"],
            "type_of_service": tuple(row[f"TOS{i}"] for i in range(1, 6) if row[f"TOS{i}"]),
            "cross_references": tuple(row[f"XREF{i}"] for i in range(1, 6) if row[f"XREF{i}"]),
            "add_date": _date(row["ADD DT"]),
            "action_effective_date": _date(row["ACT EFF DT"]),
            "termination_date": _date(row["TERM DT"]),
            "action_code": row["ACTION CD"],
            "statute": row["STATUTE"],
        }
        for name, value in expected.items():
            if getattr(e, name) != value:
                mismatches.append((e.code, name, getattr(e, name), value))
        if " ".join(e.descriptor.split()) != " ".join(row["LONG DESCRIPTION"].split()):
            mismatches.append((e.code, "descriptor", e.descriptor, row["LONG DESCRIPTION"]))
    assert mismatches == []


def test_truncated_text_file_is_refused(tmp_path: Path) -> None:
    data = EXCERPT.read_bytes()
    cut = tmp_path / "HCPC2020_ANWEB_cut.txt"
    cut.write_bytes(data[: len(data) // 2 + 37])
    with pytest.raises(ReleaseError, match="truncated|cut short|not a release record"):
        read_release(cut)


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(EXCERPT, "HCPC2020_ANWEB.txt")
    data = whole.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReleaseError, match="not a readable zip|damaged"):
        read_release(cut)


def test_non_release_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\nnothing to see\n")
    with pytest.raises(ReleaseError, match="not a HCPCS Level II release"):
        read_release(text)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ReleaseError, match="no ANWEB text file"):
        read_release(other_zip)
    with pytest.raises(ReleaseError, match="no such file"):
        read_release(tmp_path / "missing.zip")
    with pytest.raises(ReleaseError, match="directory"):
        read_release(tmp_path)


@pytest.mark.parametrize(
    "name, label",
    [
        ("HCPC2020_ANWEB_w_disclaimer.txt", "2020"),
        ("HCPC2026_JAN_ANWEB_01122026.txt", "2026-01"),
        ("HCPC2026_APR_ANWEB.txt", "2026-04"),
        ("january-2026-alpha-numeric-hcpcs-file.zip", "2026-01"),
        ("october-2025-alpha-numeric-hcpcs-file.zip", "2025-10"),
        ("HCPC2024_JUL_ANWEB_v2.txt", "2024-07"),
    ],
)
def test_labels_derive_from_file_names(name: str, label: str) -> None:
    assert derive_label(name) == label


def test_continuation_lines_join_into_one_descriptor() -> None:
    lines = EXCERPT.read_text(encoding="cp1252").splitlines()
    h0015 = [line for line in lines if line.startswith("H0015")]
    assert len(h0015) > 2
    (entry,) = list(parse_lines(h0015))
    assert entry.descriptor.startswith("Alcohol and/or drug services; intensive outpatient")
    assert entry.descriptor.endswith("and activity therapies or education")
    assert "  " not in entry.descriptor


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=8))
def test_parser_raises_only_release_errors(lines: list[str]) -> None:
    with contextlib.suppress(ReleaseError):
        list(parse_lines(lines))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=319),
    st.text(alphabet="0123456789ABZ -", min_size=1, max_size=6),
)
def test_damaged_record_lines_raise_only_release_errors(pos: int, junk: str) -> None:
    line = EXCERPT.read_text(encoding="cp1252").splitlines()[20]
    damaged = line[:pos] + junk + line[pos + len(junk) :]
    with contextlib.suppress(ReleaseError):
        list(parse_lines([damaged]))
