"""The catalog: bundled records, the user's records and one imported release, behind one API.

>>> from hcpcs_cli import Catalog
>>> catalog = Catalog()
>>> catalog.get("h-2028").descriptor
'Sexual offender treatment service, per 15 minutes'

Every command's answer comes from a method here (or, for the data directory itself, from
``store``, ``history``, ``check`` and ``update``), as a typed result with ``to_dict()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from . import bundle
from .codes import CodeRef, parse_code
from .errors import CodeNotFound, RecordError, UsageError
from .records import RECORD_SECTIONS, Record, section_key
from .release import Official
from .results import JsonObject, Row, jsonable
from .status import CodeStatus, checked_date, judge, judge_named

if TYPE_CHECKING:
    from .browse import Listing
    from .changes import Changes
    from .compare import Comparison
    from .index import Index
    from .links import Links
    from .search import SearchResult
    from .store import ReleaseDB, Store
    from .validate import ValidationReport


class ModifierRef(NamedTuple):
    """A modifier typed with a code (H2028-HF), and its official meaning when known."""

    code: str
    descriptor: str | None
    source: str | None  # "release 2020", "bundled records"


class ModifierUse(NamedTuple):
    """A bundled record that reports a modifier, and when."""

    code: str
    use: str


class Entry(NamedTuple):
    """Everything known about one code: descriptors, status, record and the release's fields."""

    code: str
    kind: str  # procedure | modifier
    descriptor: str
    short_descriptor: str
    status: CodeStatus
    record: Record | None = None
    official: Official | None = None
    release: str | None = None  # the release in use (whether or not it holds the code)
    modifiers: tuple[ModifierRef, ...] = ()
    used_with: tuple[ModifierUse, ...] = ()
    notes: tuple[str, ...] = ()  # wording differences between the release and the record
    warnings: tuple[str, ...] = ()  # problems in the user's own record file for this code

    @property
    def active(self) -> bool:
        return self.status.active

    @property
    def termination_date(self) -> str | None:
        return self.status.termination_date

    @property
    def coverage(self) -> str | None:
        """The Medicare coverage code, from the release or else the record's checked copy."""
        if self.official and self.official.coverage:
            return self.official.coverage
        return self.record.coverage if self.record else None

    def to_dict(self, section: str | None = None) -> JsonObject:
        data: JsonObject = {
            "code": self.code,
            "kind": self.kind,
            "descriptor": self.descriptor,
            "short_descriptor": self.short_descriptor,
            **self.status.to_dict(),
            "release": self.release,
            "coverage": self.coverage,
            "notes": list(self.notes),
        }
        if self.warnings:
            data["warnings"] = list(self.warnings)
        if self.modifiers:
            data["modifiers"] = [
                {"code": m.code, "descriptor": m.descriptor, "source": m.source}
                for m in self.modifiers
            ]
        if self.kind == "modifier":
            data["used_with"] = [{"code": u.code, "use": u.use} for u in self.used_with]
        if self.record:
            record = self.record.to_dict()
            data["record"] = {section: record[section]} if section else jsonable(record)
        if self.official:
            data["official"] = jsonable(self.official.to_dict())
        return data


class Lookup(NamedTuple):
    """``show``: one or more entries, and the record section asked for (None: all)."""

    entries: tuple[Entry, ...]
    section: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            "code",
            "kind",
            "status",
            "termination_date",
            "coverage",
            "unit",
            "short_descriptor",
            "descriptor",
        )

    def table_rows(self) -> list[Row]:
        return [
            {
                "code": e.code,
                "kind": e.kind,
                "status": e.status.state,
                "termination_date": e.termination_date,
                "coverage": e.coverage,
                "unit": e.record.unit if e.record else None,
                "short_descriptor": e.short_descriptor,
                "descriptor": e.descriptor,
            }
            for e in self.entries
        ]

    def items(self) -> list[JsonObject]:
        return [e.to_dict(self.section) for e in self.entries]

    def to_dict(self) -> JsonObject:
        return {"entries": list(self.items())}


class Catalog:
    """Look codes up across the bundled records, the user's records and one imported release.

    ``release`` picks a held release by label; None uses the newest; ``use_release=False`` ignores
    imported data entirely (bundled records only).
    """

    def __init__(
        self, release: str | None = None, store: Store | None = None, use_release: bool = True
    ) -> None:
        if store is None:
            from .store import Store

            store = Store()
        self.store = store
        self._label = release
        self._use_release = use_release

    @cached_property
    def release(self) -> ReleaseDB | None:
        if not self._use_release:
            return None
        return self.store.open(self._label)

    @property
    def release_label(self) -> str | None:
        return self.release.label if self.release else None

    @cached_property
    def index(self) -> Index:
        from .index import open_index

        return open_index(self.store, self.release)

    def rebuild_index(self) -> Index:
        """Rebuild the index after a query found it damaged (a truncated file, a bad block)."""
        from .index import open_index

        self.__dict__["index"] = open_index(self.store, self.release, rebuild=True)
        return self.index

    # -- one code -------------------------------------------------------------------------------
    def record(
        self, code: str, official: Official | None = None
    ) -> tuple[Record | None, RecordError | None]:
        """The record for ``code`` (bundled, with the user's file applied) and any problem with
        the user's file."""
        if len(code) != 5:
            return None, None
        from .user_records import apply

        bundled = bundle.get_record(code, self.store.cache_dir / "records")
        return apply(code, bundled, self.store.root, official)

    def get(self, text: str, on: str | None = None) -> Entry:
        """The entry for a code as typed (any case, hyphens, spaces); raises CodeNotFound."""
        return self.get_ref(parse_code(text), on)

    def get_ref(self, ref: CodeRef, on: str | None = None) -> Entry:
        code = ref.code
        official = self.release.get(code) if self.release else None
        record, problem = self.record(code, official)
        used: list[tuple[str, str, str]] = []
        if len(code) == 2:
            used = self.index.modifier_uses(code)
        if official is None and record is None and problem is not None:
            raise problem  # the user's file is the only source for this code, and it is broken
        if official is None and record is None and not used:
            where = "" if self.release else " (no CMS release imported: see hcpcs data update)"
            raise CodeNotFound(code, self.suggest(code), where)
        effective = self.release.effective if self.release else None
        status = judge(official, record, self.release_label, effective, on)
        descriptor, short, notes = _wording(official, record, self.release_label, effective)
        if official is None and record is None:  # a modifier known from the records only
            descriptor = short = used[0][1]
            notes = ("meaning as the bundled records give it; import a release to confirm",)
            status = judge_named(self.release_label, on)
        kind = "modifier" if len(code) == 2 else "procedure"
        return Entry(
            code,
            kind,
            descriptor,
            short,
            status,
            record,
            official,
            self.release_label,
            self.modifier_refs(ref.modifiers),
            tuple(ModifierUse(c, u) for c, _, u in used),
            notes,
            (f"{problem} (your record file is ignored)",) if problem else (),
        )

    def modifier_refs(self, modifiers: Sequence[str]) -> tuple[ModifierRef, ...]:
        if not modifiers:
            return ()
        found = self.release.get_many(modifiers) if self.release else {}
        refs = []
        for m in modifiers:
            if m in found:
                refs.append(ModifierRef(m, found[m].descriptor, f"release {self.release_label}"))
                continue
            uses = self.index.modifier_uses(m)
            meaning = uses[0][1] if uses else None
            refs.append(ModifierRef(m, meaning, "bundled records" if meaning else None))
        return tuple(refs)

    def show(
        self, texts: Sequence[str], section: str | None = None, on: str | None = None
    ) -> Lookup:
        """``hcpcs show``: entries for the codes typed, with one record section if asked."""
        key = None
        if section:
            key = section_key(section)
            if key is None:
                raise UsageError(
                    f"unknown section '{section}'", f"choose from {', '.join(RECORD_SECTIONS)}"
                )
        catalog, note = self._in_force(on)
        entries = tuple(catalog.get(t, on) for t in texts)
        if note:
            entries = tuple(e._replace(notes=(*e.notes, note)) for e in entries)
        return Lookup(entries, key)

    def _in_force(self, on: str | None) -> tuple[Catalog, str | None]:
        """For a date of service, the catalog of the held release in force then (when no release
        was chosen by label), and a note saying which it is."""
        if on is None or self._label is not None or not self._use_release:
            return self, None
        label = self.store.release_on(on)
        if label is None:
            if not self.store.releases:
                return self, None
            return self, f"no held release was in effect on {on}; the newest held is shown"
        if label == self.release_label:
            return self, f"as in force on {on}: release {label}"
        return Catalog(label, self.store), f"as in force on {on}: release {label}"

    def links(self, text: str) -> Links:
        """``hcpcs show CODE --links``: the official pages for a code."""
        from .links import links_for

        return links_for(self.get(text))

    def changes(
        self,
        action: str = "all",
        since: str | None = None,
        prefix: str | None = None,
        codes: Iterable[str] | None = None,
    ) -> Changes:
        from .changes import changes

        return changes(self, action, since, prefix, codes)

    def known_codes(self) -> list[str]:
        codes = set(bundle.bundled_codes())
        if self.release:
            codes.update(self.release.codes())
        return sorted(codes)

    def suggest(self, code: str, limit: int = 3) -> tuple[str, ...]:
        """Known codes close to ``code``, for 'did you mean'."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        known = [c for c in self.known_codes() if len(c) == len(code)]
        found = process.extract(
            code, known, scorer=Levenshtein.distance, score_cutoff=2, limit=limit * 4
        )
        # Prefer codes in the same series (same letter) and with the same leading digits.
        ranked = sorted(found, key=lambda m: (m[1], m[0][0] != code[0], m[0][:3] != code[:3], m[0]))
        return tuple(m[0] for m in ranked[:limit])

    # -- features -------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        limit: int = 10,
        kind: str = "procedure",
        prefix: str | None = None,
        active_only: bool = False,
        explain: bool = False,
    ) -> SearchResult:
        from .search import check_query, search

        check_query(query, limit, kind)

        def run() -> SearchResult:
            return search(
                self.index,
                query,
                limit=limit,
                kind=kind,
                prefix=prefix,
                active_only=active_only,
                explain=explain,
                release=self.release_label,
            )

        try:
            return run()
        except sqlite3.DatabaseError:
            # The index file is damaged past its header: rebuild it once, then answer.
            self.rebuild_index()
            return run()

    def compare(self, texts: Sequence[str]) -> Comparison:
        from .compare import compare

        entries = [self.get(t) for t in texts]
        if len(entries) == 1:
            entry = entries[0]
            if not entry.record or not entry.record.similar:
                raise UsageError(
                    f"{entry.code} has no listed similar codes", "give two or more codes to compare"
                )
            for similar in entry.record.similar:
                try:
                    entries.append(self.get(similar.code))
                except CodeNotFound:
                    continue
        return compare(entries)

    def browse(self, prefix: str | None = None, active_only: bool = False) -> Listing:
        from .browse import browse

        return browse(self, prefix, active_only)

    def validate(
        self, items: Iterable[str | tuple[str, str | None]], on: str | None = None
    ) -> ValidationReport:
        from .validate import validate

        return validate(self, items, on)


def _wording(
    official: Official | None, record: Record | None, release: str | None, effective: str | None
) -> tuple[str, str, tuple[str, ...]]:
    """The descriptors to show (the newer of the release and the record's checked copy) and a
    note naming the other wording when they differ."""
    if official is None and record is None:
        return "", "", ()
    if official is None:
        assert record is not None
        return record.descriptor, record.short_descriptor, ()
    if record is None or record.descriptor == official.descriptor:
        return official.descriptor, official.short_descriptor, ()
    if effective is not None and checked_date(record.checked_against) > effective:
        note = (
            f"release {release} in use words it: {official.descriptor} (the wording above is "
            f"from the {record.checked_against} release)"
        )
        return record.descriptor, record.short_descriptor, (note,)
    note = f"the record below was written for the {record.checked_against} wording: " + (
        record.descriptor
    )
    return official.descriptor, official.short_descriptor, (note,)
