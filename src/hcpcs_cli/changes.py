"""``hcpcs changes``: what one release says changed, in words, as an office reviews each quarter.

Every code in a CMS release carries an action code (what its latest change was) and the date that
change took effect. ``changes`` lists the codes whose action code says they changed (anything but
N, no maintenance), filtered by kind of change, date, prefix, or the user's own code list (a fee
schedule, a chargemaster). Without a release, the bundled records' official dates tell which of
them were added or terminated after a date.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from .errors import UsageError
from .fields import ACTION
from .results import JsonObject, Row

if TYPE_CHECKING:
    from .catalog import Catalog

# --action names -> the CMS action codes they cover.
ACTIONS: dict[str, frozenset[str]] = {
    "added": frozenset("A"),
    "discontinued": frozenset("D"),
    "reactivated": frozenset("R"),
    "descriptor": frozenset("BC"),  # long descriptor changed (B: with administrative data)
    "short-descriptor": frozenset("S"),
    "administrative": frozenset("BF"),
    "payment": frozenset("P"),
    "other": frozenset("T"),
    "changed": frozenset("BCFPST"),  # any change to a code that stays
    "all": frozenset("ABCDFPRST"),
}


class Change(NamedTuple):
    code: str
    kind: str
    action_code: str
    action: str  # the action code in words
    action_effective_date: str | None
    add_date: str | None
    termination_date: str | None
    descriptor: str
    short_descriptor: str

    def to_dict(self) -> JsonObject:
        return dict(self._asdict())


class Changes(NamedTuple):
    """The changes one release (or the bundled records) records, filtered."""

    source: str  # "release 2020" or "bundled records"
    action: str
    since: str | None
    prefix: str | None
    limited_to: int | None  # how many codes the user's list held, when one was given
    changes: tuple[Change, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (
            "code",
            "kind",
            "action_code",
            "action",
            "action_effective_date",
            "add_date",
            "termination_date",
            "short_descriptor",
            "descriptor",
        )

    def table_rows(self) -> list[Row]:
        return [
            {
                "code": c.code,
                "kind": c.kind,
                "action_code": c.action_code,
                "action": c.action,
                "action_effective_date": c.action_effective_date,
                "add_date": c.add_date,
                "termination_date": c.termination_date,
                "short_descriptor": c.short_descriptor,
                "descriptor": c.descriptor,
            }
            for c in self.changes
        ]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.action] = out.get(c.action, 0) + 1
        return out

    def to_dict(self) -> JsonObject:
        return {
            "source": self.source,
            "action": self.action,
            "since": self.since,
            "prefix": self.prefix,
            "limited_to": self.limited_to,
            "total": len(self.changes),
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }

    def summary(self) -> str:
        counts = ", ".join(f"{n} {a}" for a, n in sorted(self.counts().items()))
        scope = f" among your {self.limited_to} codes" if self.limited_to is not None else ""
        return f"{len(self.changes)} changes in {self.source}{scope}" + (
            f": {counts}" if counts else ""
        )


def changes(
    catalog: Catalog,
    action: str = "all",
    since: str | None = None,
    prefix: str | None = None,
    codes: Iterable[str] | None = None,
) -> Changes:
    """The codes a release marks as changed (see ``ACTIONS`` for ``action``)."""
    from .browse import normalize_prefix
    from .codes import parse_code
    from .errors import InvalidCode
    from .validate import parse_date

    wanted = ACTIONS.get(action)
    if wanted is None:
        raise UsageError(f"unknown action '{action}'", f"choose from {', '.join(ACTIONS)}")
    day = parse_date(since) if since else None
    start = normalize_prefix(prefix) if prefix else ""
    mine: set[str] | None = None
    if codes is not None:
        mine = set()
        for text in codes:
            try:
                mine.add(parse_code(text).code)
            except InvalidCode:
                continue
    release = catalog.release
    found: list[Change] = []
    if release is not None:
        for o in release.all():
            if o.action_code not in wanted or not o.code.startswith(start):
                continue
            if day and (o.action_effective_date or "") < day:
                continue
            if mine is not None and o.code not in mine:
                continue
            found.append(
                Change(
                    o.code,
                    o.kind,
                    o.action_code,
                    ACTION.get(o.action_code, o.action_code),
                    o.action_effective_date,
                    o.add_date,
                    o.termination_date,
                    o.descriptor,
                    o.short_descriptor,
                )
            )
        source = f"release {release.label}"
    else:
        found = _bundled_changes(wanted, day, start, mine)
        source = "bundled records"
    return Changes(
        source,
        action,
        day,
        start or None,
        len(mine) if mine is not None else None,
        tuple(found),
    )


def _bundled_changes(
    wanted: frozenset[str], day: str | None, start: str, mine: set[str] | None
) -> list[Change]:
    """Added and terminated codes among the bundled records, from their official dates (the
    records were checked against a newer release than 2020; the default date is 2020-12-31)."""
    from . import bundle

    after = day or "2020-12-31"
    found = []
    for code in bundle.bundled_codes():
        if not code.startswith(start) or (mine is not None and code not in mine):
            continue
        record = bundle.get_record(code)
        if record is None:
            continue
        date: str | None
        if "A" in wanted and record.add_date and record.add_date > after:
            action_code, date = "A", record.add_date
        elif "D" in wanted and record.termination_date and record.termination_date > after:
            action_code, date = "D", None  # the termination date is the last day of use
        else:
            continue
        found.append(
            Change(
                code,
                "procedure",
                action_code,
                ACTION[action_code],
                date,
                record.add_date,
                record.termination_date,
                record.descriptor,
                record.short_descriptor,
            )
        )
    return found
