"""Numbers as amounts: which range of a descriptor a number typed in a query falls into.

Descriptors state sizes, strengths and durations as ranges and bounds ('18-30 mmhg', 'up to 1
cc', 'greater than 250 pounds', 'greater than 16 sq. in., but less than or equal to 48 sq. in.').
A query states one amount or a range ('support hose 20-30', 'wheelchair 300 lbs', 'ejection
fraction under 40'). Word matching sees only the digits ('30' is in '18-30' and in '30-40'), so the
search asks here whether the query's amount lies inside one of the code's ranges.

Units are mostly not compared: the other query words already decide which codes are candidates,
and a descriptor rarely states two ranges in different units. Two conversions are made because
people and descriptors differ in them: a pad's sides typed ('4x4') are its area in the square
inches descriptors state, and litres typed are the cc descriptors state.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import NamedTuple


class Interval(NamedTuple):
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    derived: bool = False  # worked out from what was typed ('4x4' -> 16 sq in), not typed

    def within(self, other: Interval) -> bool:
        """Whether every amount of this interval is in ``other``."""
        if self.low < other.low or (self.low == other.low and other.low_open and not self.low_open):
            return False
        return not (
            self.high > other.high
            or (self.high == other.high and other.high_open and not self.high_open)
        )


_NUMBER = r"(?<![a-z0-9.])(\d+(?:\.\d+)?)(?![0-9])"
_DIGIT = re.compile(r"[0-9]").search
_UNIT = r"(?:\s*(?:%|[a-z\"'.]+(?:/[a-z]+)?)){0,3}"


class _Patterns(NamedTuple):
    unit_word: re.Pattern[str]
    range: re.Pattern[str]
    between: re.Pattern[str]
    bounds: tuple[tuple[re.Pattern[str], bool, bool], ...]
    joined: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compiled on first use (only a query with a digit needs them): compiling costs ~4 ms, too
    much for every start-up."""
    return _Patterns(
        # A single number is an amount only with its unit ('300 lbs', '20 sq in'): 'group 3',
        # 'stage 2' and 'level 1' name a kind, not an amount.
        re.compile(
            r"(?:%|percent|lbs?|pounds?|kg|kilograms?|oz|ounces?|grams?|gm?|mg|mcg|meq|mci|units?|"
            r"ml|cc|l|liters?|litres?|lpm|in|inch(?:es)?|\"|ft|feet|foot|cm|mm|mmhg|sq|fr|french|"
            r"min|mins|minutes?|hrs?|hours?|days?|weeks?|wks?|months?|mos?|years?|yrs?)\b",
            re.I,
        ),
        re.compile(rf"{_NUMBER}{_UNIT}\s*(?:-|–|to|through|thru)\s*(\d+(?:\.\d+)?)(?![0-9])", re.I),
        re.compile(rf"between\s+{_NUMBER}{_UNIT}\s+and\s+(\d+(?:\.\d+)?)", re.I),
        tuple((re.compile(p, re.I), lower, is_open) for p, lower, is_open in _BOUND_FORMS),
        # 'greater than 16 sq. in., but less than or equal to 48 sq. in.': one interval, not two.
        re.compile(r"^\s*[a-z\"'.%/ ]*?[,\s]*(?:but|and)?\s*$", re.I),
    )


# Bounds as descriptors and people phrase them: (pattern, is it a lower bound, is it open).
_BOUND_FORMS = (
    (
        r"(?:equal to or greater than|greater than or equal to|at least|minimum of|no less than"
        r"|>=|≥|> or equal to)\s*" + _NUMBER,
        True,
        False,
    ),
    (r"(?:(?:greater than|more than|over|above|exceeding)\s+|>\s*)" + _NUMBER, True, True),
    (_NUMBER + _UNIT + r"\s+(?:or|and) (?:more|greater|above|over|older|higher|up)\b", True, False),
    (
        r"(?:less than or equal to|equal to or less than|up to|not exceeding|maximum of|no more than"
        r"|<=|≤|< or equal to)\s*" + _NUMBER,
        False,
        False,
    ),
    (r"(?:(?:less than|fewer than|under|below)\s+|<\s*)" + _NUMBER, False, True),
    (_NUMBER + _UNIT + r"\s+(?:or|and) (?:less|fewer|below|under|younger|lower)\b", False, False),
)


def _bounds(text: str) -> list[tuple[int, int, Interval]]:
    found: dict[int, tuple[int, int, Interval]] = {}
    for pattern, lower, is_open in _patterns().bounds:
        for m in pattern.finditer(text):
            value = float(m.group(1))
            interval = (
                Interval(value, math.inf, is_open, True)
                if lower
                else Interval(-math.inf, value, True, is_open)
            )
            known = found.get(m.start(1))
            # 'less than or equal to 48' also holds 'less than ...': the longer form wins.
            if known is None or m.end() - m.start() > known[1] - known[0]:
                found[m.start(1)] = (m.start(), m.end(), interval)
    return [found[k] for k in sorted(found)]


def intervals(text: str) -> list[Interval]:
    """The ranges and bounds a text states ('18-30 mmhg' -> [18, 30]; 'greater than 250 pounds'
    -> (250, inf); a lower bound followed by 'but less than ...' is one interval). A number
    joined to a letter ('t1-t2c') is not an amount."""
    out: list[Interval] = []
    if not _DIGIT(text):
        return out  # (most descriptors: the search asks this of every leader)
    for m in (*_patterns().range.finditer(text), *_patterns().between.finditer(text)):
        low, high = float(m.group(1)), float(m.group(2))
        if low < high:
            out.append(Interval(low, high))
    bounds = _bounds(text)
    skip: set[int] = set()
    for i, (_, end, interval) in enumerate(bounds):
        if i in skip:
            continue
        if interval.low != -math.inf and i + 1 < len(bounds):
            start, _, upper = bounds[i + 1]
            if (
                upper.low == -math.inf
                and _patterns().joined.match(text[end:start])
                and interval.low < upper.high
            ):
                out.append(Interval(interval.low, upper.high, interval.low_open, upper.high_open))
                skip.add(i + 1)
                continue
        out.append(interval)
    return out


_VOLUME = re.compile(r"(?<!per )(?<![a-z0-9.])(\d+(?:\.\d+)?)\s*(?:cc|ml)\b")


def stated(descriptor: str) -> list[Interval]:
    """What a descriptor states as amounts: its ranges and bounds, and the volume of a package
    ('normal saline solution, 1000 cc' -> [1000, 1000]; not a billing unit, 'per 10 ml')."""
    text = descriptor.lower()
    volumes = [Interval(float(m.group(1)), float(m.group(1))) for m in _VOLUME.finditer(text)]
    return intervals(text) + volumes


def amounts(query: str) -> list[Interval]:
    """What a query asks for as amounts: its ranges and bounds, and each number followed by a
    unit as a single point ('300 lbs' -> [300, 300]; 'group 3' -> nothing)."""
    text = query.lower()
    stated = intervals(text)
    if not stated:
        # (a side of '10 x 10 cm' is not an amount asked for: the area is, below)
        sides = [range(*m.span()) for m in _SIDES.finditer(text)]
        stated = [
            Interval(float(m.group(1)), float(m.group(1)))
            for m in re.finditer(_NUMBER, text)
            if _patterns().unit_word.match(text[m.end() :].lstrip())
            and not any(m.start() in span for span in sides)
        ]
    return stated + _derived(text)


# Amounts the descriptors state in other terms than people type them: a pad's two sides ('4x4',
# '4" x 4"') where descriptors give its area in square inches, and litres where they give cc.
_SIDES = re.compile(
    r"(?<![a-z0-9.])(\d+(?:\.\d+)?)\s*(?:\"|in\.?|inch(?:es)?)?\s*x\s*(\d+(?:\.\d+)?)"
    r"\s*(\"|in\b\.?|inch(?:es)?|cm\b)?"
)
_LITRES = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?)\s*(?:l|liters?|litres?)\b")
_SQUARE_CM_PER_SQUARE_INCH = 6.4516


def _derived(text: str) -> list[Interval]:
    """'4x4 gauze' -> 16 (square inches), '10 x 10 cm foam' -> 15.5; '2 liter bag' -> 2000 (cc)."""
    out: list[Interval] = []
    for m in _SIDES.finditer(text):
        area = float(m.group(1)) * float(m.group(2))
        if m.group(3) == "cm":
            area /= _SQUARE_CM_PER_SQUARE_INCH
        out.append(Interval(area, area, derived=True))
    for m in _LITRES.finditer(text):
        volume = float(m.group(1)) * 1000
        out.append(Interval(volume, volume, derived=True))
    return out


def judge(asked: list[Interval], stated: list[Interval]) -> int:
    """+1 when an amount the query asks for lies inside a range or bound the descriptor states;
    -1 when the descriptor states ranges and none can hold any amount asked for ('35 mmhg' and
    '18-30 mmhg'); 0 otherwise. A single number at a range's end earns nothing ('15' in 'up to 15
    minutes' and in 'per 15 minutes' alike: the words already match it), unless it was worked
    out, not typed ('4x4' is 16 square inches: in '16 sq. in. or less', not in 'more than 16')."""
    if not asked or not stated:
        return 0
    if any(a.within(s) for a in asked for s in stated):
        interior = any(
            a.within(s) and (a.derived or not (a.low == a.high and a.low in (s.low, s.high)))
            for a in asked
            for s in stated
        )
        return 1 if interior else 0
    return -1
