"""The Level II sections by first letter: names for ``browse``, and headings for the search index."""

from __future__ import annotations

# First letter -> section name, in the words of the Level II code set's own organisation.
CODE_SECTIONS: dict[str, str] = {
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


def section_name(code_or_letter: str) -> str:
    return CODE_SECTIONS.get(code_or_letter[:1].upper(), "Other codes")


def heading(code: str) -> str:
    """The heading a code is filed under, as searchable text (a low-weight index field)."""
    return section_name(code)
