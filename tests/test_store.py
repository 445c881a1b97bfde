"""The data directory: atomic, idempotent imports read back before they count; several releases;
damaged files detected, reported and never silently replaced."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import EXCERPT, invoke

from hcpcs_cli.catalog import Catalog
from hcpcs_cli.errors import ReleaseError, StoreError
from hcpcs_cli.release import Official, ParsedRelease, from_stored, read_release
from hcpcs_cli.store import Store


def _effective(entry: Official, date: str) -> Official:
    """``entry`` with its action-effective date changed where the file keeps it (its admin
    columns: 277-284, that is 157-165 of the columns from 120)."""
    admin = entry.admin.ljust(201)
    admin = admin[:157] + date.replace("-", "") + admin[165:]
    return from_stored(entry.code, entry.kind, entry.descriptor, entry.short_descriptor, admin)


@pytest.fixture
def store(tmp_path: Path, excerpt_root: Path) -> Store:
    """A private copy of the excerpt data directory (one import for the whole session)."""
    root = tmp_path / "home"
    shutil.copytree(excerpt_root, root)
    return Store(root)


def test_import_is_idempotent(store: Store, excerpt: ParsedRelease) -> None:
    path = store.releases_dir / "2020.sqlite"
    before = path.stat().st_mtime_ns
    again, changed = Store(store.root).import_release(excerpt)
    assert not changed and again.procedures == excerpt.procedures
    assert path.stat().st_mtime_ns == before
    assert [p.name for p in store.releases_dir.iterdir()] == ["2020.sqlite"]


def test_a_different_release_under_the_same_label_needs_replace(
    store: Store, excerpt: ParsedRelease
) -> None:
    edited = excerpt._replace(sha256="0" * 64, entries=excerpt.entries[:-1])
    with pytest.raises(ReleaseError, match="already held as '2020'"):
        store.import_release(edited)
    info, changed = store.import_release(edited, replace=True)
    assert changed and info.procedures + info.modifiers == len(excerpt.entries) - 1


def test_failed_import_leaves_previous_release_intact(
    store: Store, excerpt: ParsedRelease, monkeypatch
) -> None:
    import hcpcs_cli.store as store_module

    def explode(path, parsed, source):
        Path(path).write_bytes(b"half written")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "_write_release", explode)
    other = excerpt._replace(sha256="1" * 64)
    with pytest.raises(Exception, match="disk is full"):
        store.import_release(other, replace=True)
    assert sorted(p.name for p in store.releases_dir.iterdir()) == ["2020.sqlite"]
    entry = Catalog(store=Store(store.root)).get("E0601")
    assert entry.official is not None and entry.official.betos == "D1E"


def test_every_code_is_read_back_before_the_release_counts(
    store: Store, excerpt: ParsedRelease, monkeypatch
) -> None:
    import hcpcs_cli.store as store_module

    real = store_module._write_release

    def lossy(path, parsed, source):
        real(path, parsed, source)
        conn = sqlite3.connect(path)
        conn.execute("UPDATE codes SET descriptor = 'changed' WHERE code = 'E0601'")
        conn.commit()
        conn.close()

    monkeypatch.setattr(store_module, "_write_release", lossy)
    with pytest.raises(ReleaseError, match="E0601 did not read back"):
        store.import_release(excerpt._replace(sha256="3" * 64), replace=True)
    assert Catalog(store=Store(store.root)).get("E0601").descriptor.startswith("Continuous")


def test_any_byte_in_a_descriptor_round_trips(tmp_path: Path, excerpt: ParsedRelease) -> None:
    odd = "Odd \x1f\x1e;|\t bytes \u00e9"
    entries = tuple(e._replace(descriptor=odd) if e.code == "E0601" else e for e in excerpt.entries)
    Store(tmp_path).import_release(excerpt._replace(entries=entries, sha256="4" * 64))
    assert Catalog(store=Store(tmp_path)).get("E0601").official.descriptor == odd  # type: ignore[union-attr]


def test_newest_release_is_the_default_and_others_can_be_chosen(
    store: Store, excerpt: ParsedRelease
) -> None:
    entries = tuple(
        _effective(e, "2021-01-01") if e.code == "E0601" else e for e in excerpt.entries
    )
    store.import_release(excerpt._replace(label="2021", sha256="2" * 64, entries=entries))
    fresh = Store(store.root)
    assert [i.label for i in fresh.releases] == ["2020", "2021"]
    assert fresh.default_label() == "2021"
    assert Catalog(store=fresh).release_label == "2021"
    assert Catalog(release="2020", store=fresh).release_label == "2020"
    with pytest.raises(StoreError, match="no release labelled '1999'"):
        Catalog(release="1999", store=fresh).get("E0601")


def test_a_damaged_newest_release_is_reported_never_replaced(
    store: Store, excerpt: ParsedRelease, monkeypatch
) -> None:
    entries = tuple(
        _effective(e, "2021-01-01") if e.code == "E0601" else e for e in excerpt.entries
    )
    store.import_release(excerpt._replace(label="2021", sha256="2" * 64, entries=entries))
    path = store.releases_dir / "2021.sqlite"
    path.write_bytes(b"this is not a database at all" * 50)
    monkeypatch.setenv("HCPCS_HOME", str(store.root))
    monkeypatch.delenv("HCPCS_RELEASE", raising=False)
    r = invoke(["show", "H2028"])
    assert r.exit_code == 3 and "release 2021" in r.stderr and "damaged" in r.stderr
    assert "hcpcs data remove 2021" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    status = json.loads(invoke(["data", "status", "--json"]).stdout)
    assert [d["label"] for d in status["damaged"]] == ["2021"]
    assert "damaged" in status["default_problem"]
    assert "DAMAGED" in invoke(["data", "status"]).stdout
    assert invoke(["show", "H2028", "--release", "2020"]).exit_code == 0
    assert invoke(["data", "remove", "2021"]).exit_code == 0
    assert invoke(["show", "H2028"]).exit_code == 0


def test_a_release_damaged_past_its_header_is_reported(store: Store, monkeypatch) -> None:
    path = store.releases_dir / "2020.sqlite"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 :] = b"\x00" * (len(data) - len(data) // 2)
    path.write_bytes(bytes(data))
    monkeypatch.setenv("HCPCS_HOME", str(store.root))
    r = invoke(["validate", "H2028", "E0601", "J2405", "A4215"])
    assert r.exit_code in (1, 3) and "Traceback" not in r.stderr
    if r.exit_code == 3:
        assert "damaged" in r.stderr


def test_stale_or_damaged_index_is_rebuilt(store: Store) -> None:
    index = store.cache_dir / "index-2020.sqlite"
    assert index.exists()
    index.write_bytes(b"garbage" * 100)
    assert Catalog(store=Store(store.root)).search("halfway house").hits[0].code == "H2034"
    conn = sqlite3.connect(index)
    conn.execute("UPDATE meta SET value = 'old' WHERE key = 'key'")
    conn.commit()
    conn.close()
    hits = Catalog(store=Store(store.root)).search("wheelchair").hits
    assert "wheelchair" in hits[0].descriptor.lower()


def test_text_file_import_labels_from_its_name(tmp_path: Path) -> None:
    info, _ = Store(tmp_path).import_release(read_release(EXCERPT))
    assert info.label == "2020" and info.source == EXCERPT.name


def test_removing_a_release_leaves_no_index_behind(store: Store) -> None:
    assert (store.cache_dir / "index-2020.sqlite").exists()
    store.remove("2020")
    assert not (store.cache_dir / "index-2020.sqlite").exists()
    assert not list(store.releases_dir.iterdir())


def test_leftovers_of_killed_runs_are_cleaned_on_the_next_run(store: Store, monkeypatch) -> None:
    leftover = store.releases_dir / ".import-12345.tmp"
    leftover.write_bytes(b"half an import")
    monkeypatch.setenv("HCPCS_HOME", str(store.root))
    assert invoke(["show", "H2028"]).exit_code == 0
    assert not leftover.exists()
