"""The Level II sections, by first letter, and what ``hcpcs browse`` lists under them."""

from __future__ import annotations

from typing import NamedTuple

from .codes import squash
from .errors import UsageError
from .release import active_on

# First letter -> section name, in the words of the Level II code set's own organisation.
SECTIONS: dict[str, str] = {
    "A": "Transportation, medical and surgical supplies, miscellaneous and experimental",
    "B": "Enteral and parenteral therapy",
    "C": "Outpatient PPS (temporary hospital outpatient codes)",
    "D": "Dental procedures",
    "E": "Durable medical equipment (DME)",
    "G": "Procedures and professional services (temporary)",
    "H": "Behavioral health and substance use services (Medicaid)",
    "J": "Drugs administered other than oral method, chemotherapy drugs",
    "K": "Temporary codes for DME",
    "L": "Orthotics and prosthetics",
    "M": "Medical services and quality measures",
    "P": "Pathology and laboratory services",
    "Q": "Temporary codes",
    "R": "Diagnostic radiology services",
    "S": "Temporary national codes (non-Medicare)",
    "T": "National codes for state Medicaid agencies",
    "U": "Coronavirus diagnostic panel and laboratory codes",
    "V": "Vision, hearing and speech-language pathology services",
}


class SectionCount(NamedTuple):
    letter: str
    name: str
    codes: int
    active: int


class Listed(NamedTuple):
    code: str
    short: str
    termination: str | None

    def row(self, on: str) -> dict[str, str | None]:
        """The listing row ``browse`` prints and exports."""
        status = "active" if active_on(self.termination, on) else "terminated"
        return {
            "code": self.code,
            "short_descriptor": self.short,
            "status": status,
            "termination_date": self.termination,
        }


def section_name(code_or_letter: str) -> str:
    return SECTIONS.get(code_or_letter[:1].upper(), "Other codes")


def normalize_prefix(text: str) -> str:
    """``h``, ``H20``, ``h-20`` as a code prefix; raise UsageError for anything else."""
    prefix = squash(text)
    if (
        not prefix
        or len(prefix) > 5
        or not prefix[0].isalpha()
        or not (prefix[1:] or "0").isdigit()
    ):
        raise UsageError(
            f"'{text.strip()}' is not a section letter or code prefix", "e.g. H or H20"
        )
    return prefix


def count_sections(listed: list[Listed], today: str) -> list[SectionCount]:
    totals: dict[str, list[int]] = {}
    for item in listed:
        counts = totals.setdefault(item.code[0], [0, 0])
        counts[0] += 1
        counts[1] += active_on(item.termination, today)
    return [
        SectionCount(letter, section_name(letter), n, a)
        for letter, (n, a) in sorted(totals.items())
    ]
