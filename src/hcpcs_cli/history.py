"""What changed between two held releases, and one code's story across them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .release import Official
from .store import ReleaseDB, Store


@dataclass(frozen=True)
class Change:
    code: str
    kind: str
    old: str | None = None  # descriptor before
    new: str | None = None  # descriptor after
    termination_date: str | None = None
    fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "old_descriptor": self.old,
            "new_descriptor": self.new,
            "termination_date": self.termination_date,
            "fields": list(self.fields),
        }


@dataclass(frozen=True)
class ReleaseDiff:
    old: str
    new: str
    added: tuple[Change, ...]
    terminated: tuple[Change, ...]
    changed: tuple[Change, ...]
    removed: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "added": [c.to_dict() for c in self.added],
            "terminated": [c.to_dict() for c in self.terminated],
            "changed": [c.to_dict() for c in self.changed],
            "removed": [c.to_dict() for c in self.removed],
        }


_COMPARED = ("short_descriptor", "coverage", "pricing", "betos", "action_code", "add_date")


def diff_releases(old: ReleaseDB, new: ReleaseDB) -> ReleaseDiff:
    """Codes added, newly terminated, changed (descriptor or listed fields) and removed."""
    before = {o.code: o for o in old.all()}
    after = {o.code: o for o in new.all()}
    added, terminated, changed, removed = [], [], [], []
    for code, o in sorted(after.items()):
        prev = before.get(code)
        if prev is None:
            added.append(Change(code, o.kind, None, o.long_descriptor, o.termination_date))
            continue
        if o.termination_date and o.termination_date != prev.termination_date:
            terminated.append(
                Change(code, o.kind, prev.long_descriptor, o.long_descriptor, o.termination_date)
            )
        fields = tuple(f for f in _COMPARED if getattr(o, f) != getattr(prev, f))
        if o.long_descriptor != prev.long_descriptor:
            fields = ("long_descriptor", *fields)
        if fields:
            changed.append(
                Change(
                    code,
                    o.kind,
                    prev.long_descriptor,
                    o.long_descriptor,
                    o.termination_date,
                    fields,
                )
            )
    for code, o in sorted(before.items()):
        if code not in after:
            removed.append(Change(code, o.kind, o.long_descriptor, None, o.termination_date))
    return ReleaseDiff(
        old.label, new.label, tuple(added), tuple(terminated), tuple(changed), tuple(removed)
    )


@dataclass(frozen=True)
class HistoryEntry:
    release: str
    official: Official | None

    def to_dict(self) -> dict[str, Any]:
        o = self.official
        return {
            "release": self.release,
            "present": o is not None,
            "descriptor": o.long_descriptor if o else None,
            "short_descriptor": o.short_descriptor if o else None,
            "add_date": o.add_date if o else None,
            "action_effective_date": o.action_effective_date if o else None,
            "termination_date": o.termination_date if o else None,
            "action_code": o.action_code if o else None,
        }


def code_history(store: Store, code: str) -> list[HistoryEntry]:
    """``code`` in every held release, oldest first."""
    return [HistoryEntry(info.label, ReleaseDB(info.path).get(code)) for info in store.releases]
