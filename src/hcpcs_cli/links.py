"""``hcpcs show CODE --links`` and ``hcpcs open CODE``: the official pages a coder checks.

Every link is a plain, stable public address built from the code and its fields; nothing is
fetched. The coverage-manual references in a release are to the legacy Coverage Issues Manual and
Medicare Carriers Manual sections, which CMS's Internet-Only Manuals replaced: the link goes to that
index, and the title names the section to look for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode

from .results import JsonObject, Row

if TYPE_CHECKING:
    from .catalog import Entry

HCPCS_UPDATES = "https://www.cms.gov/medicare/coding-billing/healthcare-common-procedure-system/quarterly-update"
MCD_SEARCH = "https://www.cms.gov/medicare-coverage-database/search-results.aspx"
MANUALS = "https://www.cms.gov/medicare/regulations-guidance/manuals/internet-only-manuals-ioms"


class Link(NamedTuple):
    title: str
    url: str
    kind: str  # cms | coverage | manual | source


class Links(NamedTuple):
    code: str
    links: tuple[Link, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("code", "kind", "title", "url")

    def table_rows(self) -> list[Row]:
        return [
            {"code": self.code, "kind": link.kind, "title": link.title, "url": link.url}
            for link in self.links
        ]

    def items(self) -> list[JsonObject]:
        return [dict(link._asdict()) for link in self.links]

    def to_dict(self) -> JsonObject:
        return {"code": self.code, "links": self.items()}


def coverage_database(code: str) -> str:
    """The Medicare Coverage Database search for a code (national and local documents)."""
    query = {
        "keyword": code,
        "keywordType": "starts",
        "areaId": "all",
        "docType": "NCD,MCD,6,3,5,1,F,P",
        "contractOption": "all",
        "sortBy": "relevance",
    }
    return f"{MCD_SEARCH}?{urlencode(query)}"


def links_for(entry: Entry) -> Links:
    """The pages for ``entry``: the CMS quarterly HCPCS updates, the coverage database search, the
    manual sections its release fields name, and its record's own sources."""
    found = [
        Link("CMS HCPCS quarterly update (release files and changes)", HCPCS_UPDATES, "cms"),
        Link(
            f"Medicare Coverage Database: documents naming {entry.code}",
            coverage_database(entry.code),
            "coverage",
        ),
    ]
    official = entry.official
    if official is not None:
        for ref in official.coverage_manual:
            found.append(
                Link(
                    f"Coverage Issues Manual section {ref} (now in the Internet-Only Manuals)",
                    MANUALS,
                    "manual",
                )
            )
        for ref in official.medicare_manual:
            found.append(
                Link(
                    f"Medicare Carriers Manual section {ref} (now in the Internet-Only Manuals)",
                    MANUALS,
                    "manual",
                )
            )
    if entry.record is not None:
        for source in entry.record.sources:
            found.append(Link(f"{source.title} ({source.publisher})", source.url, "source"))
    return Links(entry.code, tuple(found))
