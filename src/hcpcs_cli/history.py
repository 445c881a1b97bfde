"""What changed between two held releases, and one code's story across them."""

from __future__ import annotations

from typing import NamedTuple

from .codes import normalize
from .errors import CodeNotFound, StoreError
from .release import Official
from .results import JsonObject, Row
from .store import ReleaseDB, Store


class Change(NamedTuple):
    change: str  # added | terminated | changed | removed
    code: str
    kind: str
    old_descriptor: str | None = None
    new_descriptor: str | None = None
    termination_date: str | None = None
    fields: tuple[str, ...] = ()

    def to_dict(self) -> JsonObject:
        return {
            "change": self.change,
            "code": self.code,
            "kind": self.kind,
            "old_descriptor": self.old_descriptor,
            "new_descriptor": self.new_descriptor,
            "termination_date": self.termination_date,
            "fields": list(self.fields),
        }


CHANGES = ("added", "terminated", "changed", "removed")


class ReleaseDiff(NamedTuple):
    old: str
    new: str
    changes: tuple[Change, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            "change",
            "code",
            "kind",
            "termination_date",
            "fields",
            "old_descriptor",
            "new_descriptor",
        )

    def of(self, change: str) -> list[Change]:
        return [c for c in self.changes if c.change == change]

    def table_rows(self) -> list[Row]:
        return [
            {k: v for k, v in c.to_dict().items() if not isinstance(v, dict)}  # type: ignore[misc]
            for c in self.changes
        ]

    def to_dict(self) -> JsonObject:
        data: JsonObject = {"old": self.old, "new": self.new}
        for change in CHANGES:
            data[change] = [c.to_dict() for c in self.of(change)]
        return data


_COMPARED = ("short_descriptor", "coverage", "pricing", "betos", "action_code", "add_date")


def diff_releases(old: ReleaseDB, new: ReleaseDB) -> ReleaseDiff:
    """Codes added, newly terminated, changed (descriptor or listed fields) and removed."""
    before = {o.code: o for o in old.all()}
    after = {o.code: o for o in new.all()}
    changes: list[Change] = []
    for code, o in sorted(after.items()):
        prev = before.get(code)
        if prev is None:
            changes.append(Change("added", code, o.kind, None, o.descriptor, o.termination_date))
            continue
        if o.termination_date and o.termination_date != prev.termination_date:
            changes.append(
                Change(
                    "terminated", code, o.kind, prev.descriptor, o.descriptor, o.termination_date
                )
            )
        fields = tuple(f for f in _COMPARED if getattr(o, f) != getattr(prev, f))
        if o.descriptor != prev.descriptor:
            fields = ("descriptor", *fields)
        if fields:
            changes.append(
                Change(
                    "changed",
                    code,
                    o.kind,
                    prev.descriptor,
                    o.descriptor,
                    o.termination_date,
                    fields,
                )
            )
    for code, o in sorted(before.items()):
        if code not in after:
            changes.append(Change("removed", code, o.kind, o.descriptor, None, o.termination_date))
    order = {c: i for i, c in enumerate(CHANGES)}
    changes.sort(key=lambda c: (order[c.change], c.code))
    return ReleaseDiff(old.label, new.label, tuple(changes))


def diff(store: Store, old: str, new: str) -> ReleaseDiff:
    """``hcpcs diff OLD NEW`` between two held releases."""
    old_db, new_db = store.open(old), store.open(new)
    assert old_db is not None and new_db is not None  # a label always opens or raises
    return diff_releases(old_db, new_db)


class HistoryEntry(NamedTuple):
    release: str
    official: Official | None

    def to_dict(self) -> JsonObject:
        o = self.official
        return {
            "release": self.release,
            "present": o is not None,
            "descriptor": o.descriptor if o else None,
            "short_descriptor": o.short_descriptor if o else None,
            "add_date": o.add_date if o else None,
            "action_effective_date": o.action_effective_date if o else None,
            "termination_date": o.termination_date if o else None,
            "action_code": o.action_code if o else None,
        }


class History(NamedTuple):
    code: str
    entries: tuple[HistoryEntry, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            "release",
            "present",
            "add_date",
            "action_effective_date",
            "termination_date",
            "action_code",
            "descriptor",
        )

    def table_rows(self) -> list[Row]:
        return [
            {k: v for k, v in e.to_dict().items() if k in self.columns}  # type: ignore[misc]
            for e in self.entries
        ]

    def to_dict(self) -> JsonObject:
        return {"code": self.code, "releases": [e.to_dict() for e in self.entries]}


def history(store: Store, text: str) -> History:
    """``hcpcs history CODE``: the code in every held release, oldest first."""
    code = normalize(text)
    if not store.releases:
        raise StoreError("no CMS release imported", "see hcpcs data update or hcpcs data import")
    entries = tuple(
        HistoryEntry(info.label, ReleaseDB(info.path).get(code)) for info in store.releases
    )
    if all(e.official is None for e in entries):
        raise CodeNotFound(code, where=" in any held release")
    return History(code, entries)
