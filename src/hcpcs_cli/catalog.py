"""The catalog: bundled records and the imported release, behind one lookup API.

>>> from hcpcs_cli import Catalog
>>> catalog = Catalog()
>>> catalog.get("h-2028").descriptor
'Sexual offender treatment service, per 15 minutes'
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from . import bundle
from .codes import CodeRef, parse_code
from .errors import CodeNotFound
from .records import Record
from .release import Official

if TYPE_CHECKING:
    from .store import ReleaseDB, SqliteIndex, Store


class Entry(NamedTuple):
    """Everything known about one code: the bundled record and/or the release's fields."""

    code: str
    kind: str  # procedure | modifier
    record: Record | None = None
    official: Official | None = None
    release: str | None = None  # label of the release the official fields come from
    # Modifiers typed with the code (H2028-HF): (modifier, its official meaning or None if unknown)
    modifiers: tuple[tuple[str, str | None], ...] = ()
    # For a modifier: the bundled records that list it, as (code, when it is used).
    used_with: tuple[tuple[str, str], ...] = ()

    @property
    def descriptor(self) -> str:
        if self.official:
            return self.official.long_descriptor
        return self.record.long_descriptor if self.record else ""

    @property
    def short(self) -> str:
        if self.official:
            return self.official.short_descriptor
        return self.record.short_descriptor if self.record else ""

    @property
    def termination_date(self) -> str | None:
        return self.official.termination_date if self.official else None

    @property
    def active(self) -> bool:
        return self.official.is_active() if self.official else True

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "kind": self.kind,
            "descriptor": self.descriptor,
            "short_descriptor": self.short,
            "status": "active" if self.active else "terminated",
            "termination_date": self.termination_date,
            "release": self.release,
        }
        if self.modifiers:
            data["modifiers"] = [{"code": m, "descriptor": d} for m, d in self.modifiers]
        if self.kind == "modifier":
            data["used_with"] = [{"code": c, "use": u} for c, u in self.used_with]
        if self.record:
            data["record"] = self.record.to_dict()
        if self.official:
            data["official"] = self.official._asdict()
        return data


class Catalog:
    """Look codes up across the bundled records and one imported release.

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
        # Problems in the user's own record files: reported, never fatal.
        self.warnings: list[str] = []

    @cached_property
    def release(self) -> ReleaseDB | None:
        if not self._use_release:
            return None
        return self.store.open(self._label)

    @property
    def release_label(self) -> str | None:
        return self.release.label if self.release else None

    @cached_property
    def index(self) -> SqliteIndex:
        return self.store.index_for(self.release)

    def get(self, text: str) -> Entry:
        """The entry for a code as typed (any case, hyphens, spaces); raises CodeNotFound."""
        ref = parse_code(text)
        return self.get_ref(ref)

    def get_ref(self, ref: CodeRef) -> Entry:
        code = ref.code
        official = self.release.get(code) if self.release else None
        record = (
            bundle.get_record(code, self.store.cache_dir / "records") if len(code) == 5 else None
        )
        if len(code) == 5:
            from .user_records import apply

            record, problem = apply(code, record, self.store.root)
            if problem is not None:
                if record is None and official is None:
                    raise problem  # the user's file is the only source for this code
                self.warnings.append(f"{problem} (your record file is ignored)")
        if official is None and record is None:
            where = "" if self.release else " (no CMS release imported: see hcpcs data import)"
            raise CodeNotFound(code, self.suggest(code), where)
        kind = official.kind if official else "procedure"
        modifiers: tuple[tuple[str, str | None], ...] = ()
        if ref.modifiers:
            found = self.release.get_many(ref.modifiers) if self.release else {}
            modifiers = tuple(
                (m, found[m].long_descriptor if m in found else None) for m in ref.modifiers
            )
        label = self.release_label if official else None
        used_with = tuple(self.index.modifier_uses(code)) if kind == "modifier" else ()
        return Entry(code, kind, record, official, label, modifiers, used_with)

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

    def search(self, query: str, **options: Any) -> list[Any]:
        import sqlite3

        from .search import search

        try:
            return search(self.index, query, **options)
        except sqlite3.DatabaseError:
            # The index file is damaged past its header (a truncated copy, a bad disk block):
            # rebuild it once from the release and the records, then answer.
            self.__dict__["index"] = self.store.index_for(self.release, rebuild=True)
            return search(self.index, query, **options)

    def compare(self, texts: list[str]) -> Any:
        from .compare import compare

        entries = [self.get(t) for t in texts]
        if len(entries) == 1:
            entry = entries[0]
            if not entry.record or not entry.record.similar:
                from .errors import UsageError

                raise UsageError(
                    f"{entry.code} has no listed similar codes", "give two or more codes to compare"
                )
            for similar in entry.record.similar:
                try:
                    entries.append(self.get(similar.code))
                except CodeNotFound:
                    continue
        return compare(entries)
