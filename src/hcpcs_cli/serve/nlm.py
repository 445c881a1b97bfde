"""Search answers in the shape of the NLM Clinical Tables HCPCS API, for existing autocompletes.

``GET /api/hcpcs/v3/search?terms=...`` answers ``[total, codes, extra, display]`` as the Clinical
Tables service documents it: the number of matches, the codes (the ``cf`` field), an object of
extra fields (``ef``; null when none are asked for) and, for each code, the list of its display
fields (``df``). A widget written for that service works against the local server by changing only
its base URL. The matching is ``hcpcs search`` (lay words, abbreviations, typos, best first),
not Clinical Tables' prefix matching, so the order can differ.

Supported: ``terms``, ``maxList``, ``count``, ``offset``, ``df``, ``sf`` (``code`` alone matches
code prefixes; any other field searches the descriptors and the records), ``cf`` and ``ef``
(with ``field:alias``). Fields: ``code``, ``display`` (the long descriptor), ``short_desc``,
``long_desc``, ``add_dt``, ``act_eff_dt``, ``term_dt`` (ISO dates, or null), ``obsolete`` (true
when terminated as of today) and ``is_noc`` (true for a "not otherwise classified/specified" or
unlisted code, read from the descriptor's wording). Not supported: ``q`` (an Elasticsearch query
string: refused with 400 rather than ignored) and more than 500 results in all (``offset`` +
``count``); Clinical Tables allows 7,500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from hcpcs_cli.errors import UsageError
from hcpcs_cli.results import Json

from .service import Service, int_param, text_param

if TYPE_CHECKING:
    from hcpcs_cli.release import Official
    from hcpcs_cli.search import Hit

FIELDS = (
    "code",
    "display",
    "short_desc",
    "long_desc",
    "add_dt",
    "act_eff_dt",
    "term_dt",
    "obsolete",
    "is_noc",
)
SEARCHABLE = ("code", "display", "short_desc", "long_desc")
DEFAULT_LIST = 7
MOST = 500  # results in all (offset + count)
_NOC = re.compile(r"\bnot otherwise (?:specified|classified)\b|\bnoc\b|\bnos\b|\bunlisted\b", re.I)


def _fields(name: str, value: str | None, default: str, allowed: tuple[str, ...]) -> list[str]:
    text = text_param(name, value) or default
    fields = [f.strip() for f in text.split(",") if f.strip()]
    for field in fields:
        if field.split(":", 1)[0] not in allowed:
            raise UsageError(f"unknown field '{field}' in '{name}'", f"use {', '.join(allowed)}")
    return fields


async def search(service: Service, params: Mapping[str, str]) -> list[Json]:
    """The Clinical Tables answer for one request's query parameters."""
    if "q" in params:
        raise UsageError("parameter 'q' (an Elasticsearch query) is not supported here")
    terms = text_param("terms", params.get("terms"), required=True)
    assert terms is not None
    if "maxList" in params:
        raw = params["maxList"]
        count = int_param("maxList", raw, DEFAULT_LIST, 1, MOST) if raw.strip() else MOST
        offset = 0
    else:
        count = int_param("count", params.get("count"), DEFAULT_LIST, 1, MOST)
        offset = int_param("offset", params.get("offset"), 0, 0, MOST - 1)
        if offset + count > MOST:
            raise UsageError(f"offset + count must be at most {MOST}")
    display = _fields("df", params.get("df"), "code,display", FIELDS)
    searched = _fields("sf", params.get("sf"), "code,display", SEARCHABLE)
    code_field = _fields("cf", params.get("cf"), "code", FIELDS)
    if len(code_field) != 1:
        raise UsageError("'cf' names one field")
    extra = _fields("ef", params.get("ef"), "", FIELDS) if params.get("ef") else []

    catalog = service.catalog
    if set(searched) == {"code"}:
        codes, total = _code_prefix(service, terms, offset + count)
        hits: dict[str, Hit] = {}
    else:
        result = await service.search_async(terms, offset + count, "procedure")
        hits = {h.code: h for h in result.hits}
        codes, total = [h.code for h in result.hits], result.total
    codes = codes[offset : offset + count]
    official = catalog.release.get_many(codes) if catalog.release else {}
    rows = [_row(code, official.get(code), hits.get(code), service) for code in codes]

    extra_data: dict[str, list[Json]] | None = None
    if extra:
        extra_data = {}
        for field in extra:
            name, _, alias = field.partition(":")
            extra_data[alias or name] = [row[name] for row in rows]
    shown: list[Json] = [[_text(row[f]) for f in display] for row in rows]
    return [
        total,
        [row[code_field[0].split(":", 1)[0]] for row in rows],
        extra_data,
        shown,
    ]


def _text(value: Json) -> Json:
    """Display strings are strings (a missing date shows as empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _code_prefix(service: Service, terms: str, most: int) -> tuple[list[str], int]:
    from hcpcs_cli.codes import squash

    prefix = squash(terms)
    if not re.fullmatch(r"[A-Z][0-9]{0,4}", prefix):
        return [], 0
    codes = [d.code for d in service.catalog.index.listing(prefix)]
    return codes[:most], len(codes)


def _row(
    code: str, official: Official | None, hit: Hit | None, service: Service
) -> dict[str, Json]:
    if official is not None:
        long, short = official.descriptor, official.short_descriptor
        added, effective, ended = (
            official.add_date,
            official.action_effective_date,
            official.termination_date,
        )
    else:
        entry = service.catalog.get(code) if hit is None else None
        long = hit.descriptor if hit else entry.descriptor if entry else ""
        short = hit.short_descriptor if hit else entry.short_descriptor if entry else ""
        status = hit.status if hit else entry.status if entry else None
        added = status.add_date if status else None
        ended = status.termination_date if status else None
        effective = None
    from hcpcs_cli.release import active_on

    return {
        "code": code,
        "display": long,
        "short_desc": short,
        "long_desc": long,
        "add_dt": added,
        "act_eff_dt": effective,
        "term_dt": ended,
        "obsolete": not active_on(ended),
        "is_noc": bool(_NOC.search(long)),
    }
