"""``hcpcs browse``: the Level II sections with their counts, or the codes under a section or prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .codes import squash
from .errors import CodeNotFound, UsageError
from .results import JsonObject, Row
from .sections import section_name
from .status import CodeStatus, judge_dates

if TYPE_CHECKING:
    from .catalog import Catalog


class SectionCount(NamedTuple):
    letter: str
    name: str
    codes: int
    active: int


class Listed(NamedTuple):
    code: str
    short_descriptor: str
    status: CodeStatus


class Sections(NamedTuple):
    """``hcpcs browse`` with no prefix: every section and its counts."""

    sections: tuple[SectionCount, ...]
    release: str | None

    @property
    def columns(self) -> tuple[str, ...]:
        return ("letter", "name", "codes", "active")

    def table_rows(self) -> list[Row]:
        return [
            {"letter": s.letter, "name": s.name, "codes": s.codes, "active": s.active}
            for s in self.sections
        ]

    def to_dict(self) -> JsonObject:
        return {"release": self.release, "sections": list(self.table_rows())}


class Codes(NamedTuple):
    """``hcpcs browse PREFIX``: the codes under it, in order."""

    prefix: str
    title: str
    codes: tuple[Listed, ...]
    release: str | None

    @property
    def columns(self) -> tuple[str, ...]:
        return ("code", "status", "termination_date", "short_descriptor")

    def table_rows(self) -> list[Row]:
        return [
            {
                "code": c.code,
                "status": c.status.state,
                "termination_date": c.status.termination_date,
                "short_descriptor": c.short_descriptor,
            }
            for c in self.codes
        ]

    def to_dict(self) -> JsonObject:
        return {
            "prefix": self.prefix,
            "title": self.title,
            "release": self.release,
            "codes": [
                {
                    "code": c.code,
                    "short_descriptor": c.short_descriptor,
                    "status": c.status.state,
                    "status_text": c.status.text,
                    "termination_date": c.status.termination_date,
                }
                for c in self.codes
            ],
        }


Listing = Sections | Codes


def normalize_prefix(text: str) -> str:
    """``h``, ``H20``, ``h-20`` as a code prefix; raise UsageError for anything else."""
    prefix = squash(text)
    if (
        not prefix
        or len(prefix) > 5
        or not prefix[0].isalpha()
        or not (prefix[1:] or "0").isdigit()
    ):
        raise UsageError("not a section letter or code prefix", "give e.g. H or H20")
    return prefix


def browse(catalog: Catalog, prefix: str | None, active_only: bool = False) -> Listing:
    key = normalize_prefix(prefix) if prefix is not None else ""
    release = catalog.release_label
    listed = [
        Listed(
            d.code,
            d.short_descriptor,
            judge_dates(d.add_date, d.termination_date, d.in_release, release),
        )
        for d in catalog.index.listing(key)
    ]
    if active_only:
        listed = [x for x in listed if x.status.active]
    if not key:
        totals: dict[str, list[int]] = {}
        for item in listed:
            counts = totals.setdefault(item.code[0], [0, 0])
            counts[0] += 1
            counts[1] += item.status.active
        sections = tuple(
            SectionCount(letter, section_name(letter), n, a)
            for letter, (n, a) in sorted(totals.items())
        )
        return Sections(sections, release)
    if not listed:
        where = "" if catalog.release else " (no CMS release imported: see hcpcs data update)"
        raise CodeNotFound(f"{key}…", where=where)
    title = f"{key}: {section_name(key)} ({len(listed)} codes)"
    return Codes(key, title, tuple(listed), release)
