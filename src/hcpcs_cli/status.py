"""One truth about a code's status, used by every command (show, search, browse, compare, validate).

A code's status is judged on a date (today unless asked) from the release in use and the bundled
record, whichever is newer: a record checked against the January 2026 release knows that G2070 was
terminated at the end of 2024 even when the release in use is the 2020 file. A code that has a
bundled record but is absent from the release in use was added later: "not in release 2020 (added
2022-04-01)". Without any release, a code's status is "no release imported" unless its record knows
a termination date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .release import today

if TYPE_CHECKING:
    from .records import Record
    from .release import Official

ACTIVE = "active"
TERMINATED = "terminated"
NOT_YET_VALID = "not-yet-valid"
NOT_IN_RELEASE = "not-in-release"
NO_RELEASE = "no-release"
UNKNOWN = "unknown"
STATES = (ACTIVE, TERMINATED, NOT_YET_VALID, NOT_IN_RELEASE, NO_RELEASE, UNKNOWN)


class CodeStatus(NamedTuple):
    """What is known of a code's validity on one date, and which source said so."""

    state: str  # one of STATES
    on: str  # the date judged (ISO)
    termination_date: str | None = None
    add_date: str | None = None
    source: str | None = None  # "release 2020", or "bundled record checked against 2026-01"

    @property
    def active(self) -> bool:
        return self.state == ACTIVE

    @property
    def text(self) -> str:
        """The status in words, the same in every command."""
        if self.state == ACTIVE:
            if self.termination_date:
                return f"active (last day of use {self.termination_date})"
            return ACTIVE
        if self.state == TERMINATED:
            return f"terminated {self.termination_date}"
        if self.state == NOT_YET_VALID:
            return f"not yet valid (added {self.add_date})"
        if self.state == NOT_IN_RELEASE:
            added = f"added {self.add_date}" if self.add_date else "added later"
            return f"not in {self.source} ({added})"
        if self.state == NO_RELEASE:
            return "no release imported"
        return "unknown code"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "status": self.state,
            "status_text": self.text,
            "status_source": self.source,
            "status_date": self.on,
            "termination_date": self.termination_date,
            "add_date": self.add_date,
        }


def checked_date(label: str) -> str:
    """The date a release label stands for: ``2020`` -> 2020-01-01, ``2026-04`` -> 2026-04-01."""
    parts = label.split("-")
    year = parts[0] if parts[0].isdigit() and len(parts[0]) == 4 else "0000"
    month = parts[1] if len(parts) > 1 and parts[1].isdigit() and len(parts[1]) == 2 else "01"
    return f"{year}-{month}-01"


def judge(
    official: Official | None,
    record: Record | None,
    release: str | None,
    release_effective: str | None = None,
    on: str | None = None,
) -> CodeStatus:
    """The status of a code on ``on`` (default today).

    ``official`` is the code in the release labelled ``release`` (None when that release lacks it or
    no release is in use); ``release_effective`` is that release's effective date, used to tell
    whether the bundled record was checked against a newer release.
    """
    if official is not None:
        added, termination, source = official.add_date, official.termination_date, None
        newer = record is not None and record_is_newer(record, release_effective)
        if record is not None and newer and record.termination_date and not termination:
            termination = record.termination_date
            source = f"bundled record checked against {record.checked_against}"
        return judge_dates(added, termination, True, release, on, source)
    if record is None:
        return CodeStatus(UNKNOWN, on or today(), source=f"release {release}" if release else None)
    return judge_dates(
        record.add_date,
        record.termination_date,
        False,
        release,
        on,
        f"bundled record checked against {record.checked_against}",
    )


def judge_named(release: str | None, on: str | None = None) -> CodeStatus:
    """A modifier that no held release has but the bundled records name (they were checked
    against a newer release, FQ against 2026-01): not in the release in use, added later."""
    return judge_dates(None, None, False, release, on, "bundled records")


def record_is_newer(record: Record, release_effective: str | None) -> bool:
    """Whether the record was checked against a release newer than the one in use."""
    return release_effective is None or checked_date(record.checked_against) > release_effective


def judge_dates(
    added: str | None,
    termination: str | None,
    in_release: bool,
    release: str | None,
    on: str | None = None,
    source: str | None = None,
) -> CodeStatus:
    """The rule itself, from a code's dates and whether the release in use holds it."""
    day = on or today()
    if in_release and release is not None:
        source = source or f"release {release}"
    if added and day < added:
        return CodeStatus(NOT_YET_VALID, day, termination, added, source)
    if termination and termination < day:
        return CodeStatus(TERMINATED, day, termination, added, source)
    if in_release and release is not None:
        return CodeStatus(ACTIVE, day, termination, added, source)
    if release is not None:
        return CodeStatus(NOT_IN_RELEASE, day, termination, added, f"release {release}")
    return CodeStatus(NO_RELEASE, day, termination, added, source)
