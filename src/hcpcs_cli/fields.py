"""What the release's administrative codes mean, in words.

Coverage and action codes are as the CMS release documentation gives them; pricing indicators,
type-of-service and BETOS categories follow the CMS record layout. An unknown value is shown as
the value itself, never guessed.
"""

from __future__ import annotations

COVERAGE = {
    "C": "carrier judgment: the Medicare contractor decides coverage",
    "D": "special coverage instructions apply",
    "I": "not payable by Medicare",
    "M": "non-covered by Medicare",
    "S": "non-covered by Medicare statute",
}

ACTION = {
    "A": "added",
    "B": "administrative data and long description changed",
    "C": "long description changed",
    "D": "discontinued",
    "F": "administrative data changed",
    "N": "no maintenance",
    "P": "payment changed",
    "R": "reactivated",
    "S": "short description changed",
    "T": "miscellaneous change (BETOS, type of service)",
}

PRICING = {
    "00": "not separately priced by Medicare Part B",
    "11": "priced with national relative value units",
    "12": "priced with national anesthesia base units",
    "13": "priced by the Medicare contractor",
    "21": "subject to a national limitation amount",
    "22": "priced by the Medicare contractor (gap-fill or contractor panel)",
    "31": "DME, frequently serviced",
    "32": "DME, inexpensive or routinely purchased",
    "33": "oxygen and oxygen equipment",
    "34": "DME supplies",
    "35": "surgical dressings",
    "36": "DME, capped rental",
    "37": "ostomy, tracheostomy and urological supplies",
    "38": "orthotics, prosthetics, prosthetic devices and vision services",
    "39": "parenteral and enteral nutrition",
    "45": "customized DME",
    "46": "priced by the Medicare contractor",
    "51": "drugs",
    "52": "reasonable charge",
    "53": "statute",
    "54": "vaccinations",
    "57": "other, priced by the Medicare contractor",
    "99": "value not established",
}

MULTIPLE_PRICING = {
    "9": "not applicable: the code is not priced",
    "A": "one pricing method applies",
}

TYPE_OF_SERVICE = {
    "0": "whole blood",
    "1": "medical care",
    "2": "surgery",
    "3": "consultation",
    "4": "diagnostic radiology",
    "5": "diagnostic laboratory",
    "6": "therapeutic radiology",
    "7": "anesthesia",
    "8": "assistant at surgery",
    "9": "other medical items or services",
    "A": "used DME",
    "B": "high-risk screening mammography",
    "D": "ambulance",
    "E": "enteral or parenteral nutrients and supplies",
    "F": "ambulatory surgical center facility",
    "G": "immunosuppressive drugs",
    "J": "diabetic shoes",
    "K": "hearing items and services",
    "L": "ESRD supplies",
    "P": "lump-sum purchase of DME, prosthetics or orthotics",
    "Q": "vision items or services",
    "R": "rental of DME",
    "S": "surgical dressings or other medical supplies",
    "U": "occupational therapy",
    "V": "pneumococcal or flu vaccine",
    "W": "physical therapy",
}

BETOS = {
    "D1A": "DME: medical and surgical supplies",
    "D1B": "DME: hospital beds",
    "D1C": "DME: oxygen and supplies",
    "D1D": "DME: wheelchairs",
    "D1E": "DME: other durable medical equipment",
    "D1F": "DME: prosthetic and orthotic devices",
    "D1G": "DME: drugs administered through DME",
    "O1A": "Other: ambulance",
    "O1C": "Other: enteral and parenteral",
    "O1D": "Other: chemotherapy",
    "O1E": "Other: other drugs",
    "O1F": "Other: vision, hearing and speech services",
    "O1G": "Other: influenza immunization",
    "M5B": "Evaluation and management: specialist, psychiatry",
    "Y1": "Other: Medicare fee schedule",
    "Y2": "Other: non-Medicare fee schedule",
    "Z2": "Undefined codes",
}
BETOS_FAMILY = {
    "M": "Evaluation and management",
    "P": "Procedures",
    "I": "Imaging",
    "T": "Tests",
    "D": "Durable medical equipment",
    "O": "Other",
    "Y": "Exceptions",
    "Z": "Unclassified",
}


def describe(table: dict[str, str], value: str) -> str:
    """``value`` with its meaning, or the bare value when the table does not know it."""
    if not value:
        return "—"
    meaning = table.get(value)
    return f"{value}: {meaning}" if meaning else value


def betos(value: str) -> str:
    if not value:
        return "—"
    meaning = BETOS.get(value) or BETOS_FAMILY.get(value[:1])
    return f"{value}: {meaning}" if meaning else value
