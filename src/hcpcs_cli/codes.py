"""Parsing and normalising what people type as a HCPCS code.

``h-2028``, ``H 2028`` and ``h2028`` are all H2028; ``H2028-HF`` is H2028 with modifier HF; ``HF``
alone is a modifier. Level II procedure codes are a letter A-V and four digits; modifiers are two
letters or digits.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .errors import InvalidCode

PROCEDURE_RE = re.compile(r"^[A-Z][0-9]{4}$")
MODIFIER_RE = re.compile(r"^[A-Z0-9]{2}$")
_SEPARATORS = re.compile(r"[\s\-_.:/]+")
_PREFIX_RE = re.compile(r"^[A-Z][0-9]{0,3}$")
_RANGE_RE = re.compile(r"^([A-Z][0-9]{4})\s*(?:-|–|\.\.|to)\s*([A-Z][0-9]{4})$", re.IGNORECASE)
MAX_CODE_TEXT = 64


class CodeRef(NamedTuple):
    """A parsed code: the procedure (or modifier) code and any modifiers appended to it."""

    code: str
    modifiers: tuple[str, ...] = ()

    @property
    def is_modifier(self) -> bool:
        return len(self.code) == 2


def squash(text: str) -> str:
    """Upper-case ``text`` and drop spaces, hyphens and similar separators."""
    return _SEPARATORS.sub("", text.strip()).upper()


def parse_code(text: str) -> CodeRef:
    """Parse one code as typed by a person; raise InvalidCode when it cannot be a code."""
    if not isinstance(text, str):
        raise InvalidCode("a code must be text")
    if not text.strip():
        raise InvalidCode("empty code", "give a code such as H2028")
    if len(text) > MAX_CODE_TEXT:
        raise InvalidCode(f"'{_shorten(text)}' is too long to be a code")
    s = squash(text)
    if MODIFIER_RE.match(s) and not s.isdigit():
        return CodeRef(s)
    if PROCEDURE_RE.match(s[:5]) and len(s) % 2 == 1:
        mods = tuple(s[i : i + 2] for i in range(5, len(s), 2))
        if all(MODIFIER_RE.match(m) for m in mods) and len(mods) <= 4:
            return CodeRef(s[:5], mods)
    raise InvalidCode(
        f"'{_shorten(text)}' is not a HCPCS Level II code",
        "codes look like H2028, modifiers like HF",
    )


def normalize(text: str) -> str:
    """The canonical form of a single code or modifier (modifiers appended are rejected)."""
    ref = parse_code(text)
    if ref.modifiers:
        raise InvalidCode(f"'{_shorten(text)}' has modifiers; give the code alone")
    return ref.code


def looks_like_prefix(text: str) -> bool:
    """True for a code prefix such as ``H`` or ``H20`` (a letter and up to three digits)."""
    return bool(_PREFIX_RE.match(squash(text)))


def parse_range(text: str) -> tuple[str, str] | None:
    """``H2027-H2030`` as ('H2027', 'H2030'); None when ``text`` is not a range."""
    m = _RANGE_RE.match(text.strip())
    if not m:
        return None
    lo, hi = m.group(1).upper(), m.group(2).upper()
    return (lo, hi) if lo <= hi else (hi, lo)


def _shorten(text: str, width: int = 24) -> str:
    clean = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    return clean if len(clean) <= width else clean[: width - 1] + "…"
