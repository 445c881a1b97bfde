"""The data directory: atomic, idempotent imports; several releases; damaged files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import RELEASE_TXT

from hcpcs_cli.catalog import Catalog
from hcpcs_cli.errors import ReleaseError, StoreError
from hcpcs_cli.release import read_release
from hcpcs_cli.store import Store


def test_import_is_idempotent(tmp_path: Path, parsed_2020) -> None:
    store = Store(tmp_path)
    info, changed = store.import_release(parsed_2020)
    assert changed and info.procedures == 6710 and info.modifiers == 369
    before = (tmp_path / "releases" / "2020.sqlite").stat().st_mtime_ns
    again, changed_again = Store(tmp_path).import_release(parsed_2020)
    assert not changed_again and again.sha256 == info.sha256
    assert (tmp_path / "releases" / "2020.sqlite").stat().st_mtime_ns == before
    assert [p.name for p in (tmp_path / "releases").iterdir()] == ["2020.sqlite"]


def test_a_different_release_under_the_same_label_needs_replace(
    tmp_path: Path, parsed_2020
) -> None:
    store = Store(tmp_path)
    store.import_release(parsed_2020)
    edited = parsed_2020._replace(sha256="0" * 64, entries=parsed_2020.entries[:-1])
    with pytest.raises(ReleaseError, match="already held as '2020'"):
        store.import_release(edited)
    info, changed = store.import_release(edited, replace=True)
    assert changed and info.procedures == 6709


def test_failed_import_leaves_previous_release_intact(
    tmp_path: Path, parsed_2020, monkeypatch
) -> None:
    store = Store(tmp_path)
    store.import_release(parsed_2020)
    import hcpcs_cli.store as store_module

    def explode(path, parsed):
        Path(path).write_bytes(b"half written")
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "_write_release", explode)
    other = parsed_2020._replace(sha256="1" * 64)
    with pytest.raises(OSError):
        store.import_release(other, replace=True)
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == ["2020.sqlite"]
    entry = Catalog(store=Store(tmp_path)).get("E0601")
    assert entry.official is not None and entry.official.betos == "D1E"


def test_newest_release_is_the_default_and_others_can_be_chosen(
    tmp_path: Path, parsed_2020
) -> None:
    store = Store(tmp_path)
    store.import_release(parsed_2020)
    entries = tuple(
        e._replace(action_effective_date="2021-01-01") if e.code == "A0021" else e
        for e in parsed_2020.entries
    )
    store.import_release(parsed_2020._replace(label="2021", sha256="2" * 64, entries=entries))
    fresh = Store(tmp_path)
    assert [i.label for i in fresh.releases] == ["2020", "2021"]
    assert fresh.default_label() == "2021"
    assert Catalog(store=fresh).release_label == "2021"
    assert Catalog(release="2020", store=fresh).release_label == "2020"
    with pytest.raises(StoreError, match="no release labelled '1999'"):
        Catalog(release="1999", store=fresh).get("E0601")


def test_damaged_release_file_is_reported_with_the_fix(tmp_path: Path, parsed_2020) -> None:
    store = Store(tmp_path)
    store.import_release(parsed_2020)
    path = tmp_path / "releases" / "2020.sqlite"
    path.write_bytes(path.read_bytes()[:4096])
    with pytest.raises(StoreError, match="import"):
        Catalog(store=Store(tmp_path), release="2020").get("E0601")


def test_stale_or_damaged_index_is_rebuilt(tmp_path: Path, parsed_2020) -> None:
    store = Store(tmp_path)
    store.import_release(parsed_2020)
    index = tmp_path / "cache" / "index-2020.sqlite"
    assert index.exists()
    index.write_bytes(b"garbage" * 100)
    hits = Catalog(store=Store(tmp_path)).search("halfway house")
    assert hits[0].code == "H2034"
    conn = sqlite3.connect(index)
    conn.execute("UPDATE meta SET value = 'old' WHERE key = 'key'")
    conn.commit()
    conn.close()
    assert (
        Catalog(store=Store(tmp_path))
        .search("wheelchair")[0]
        .descriptor.lower()
        .count("wheelchair")
    )


def test_text_file_import_labels_from_its_name(tmp_path: Path) -> None:
    info, _ = Store(tmp_path).import_release(read_release(RELEASE_TXT))
    assert info.label == "2020" and info.source == RELEASE_TXT.name
