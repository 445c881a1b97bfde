"""The OpenAPI 3.1 description of the local HTTP API (served at ``/openapi.json``).

Written out rather than generated: the API is small, and its shapes are the core results'
``to_dict()`` (documented in docs/api.md), which carry no schema library.
"""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

_OBJECT: Doc = {"type": "object", "additionalProperties": True}
_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, description: str, kind: str = "string", **extra: Any) -> Doc:
    return {
        "name": name,
        "in": "query",
        "required": extra.pop("required", False),
        "description": description,
        "schema": {"type": kind, **extra},
    }


def _ok(description: str, schema: Doc | None = None) -> Doc:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"$ref": "#/components/schemas/Any"}}},
    }


_ERRORS: Doc = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "503": {"$ref": "#/components/responses/Unavailable"},
}


def _get(summary: str, description: str, params: list[Doc], ok: Doc, *codes: str) -> Doc:
    responses: Doc = {"200": ok, **_ERRORS}
    if "404" in codes:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": params,
            "responses": responses,
        }
    }


def document() -> Doc:
    from hcpcs_cli import __version__

    date = _query("date", "Date of service (YYYY-MM-DD, MM/DD/YYYY or YYYYMMDD); default today.")
    paths: Doc = {
        "/v1/health": _get(
            "Health check",
            "The server is up; the release in use and the number of bundled records.",
            [],
            _ok("ok", {"$ref": "#/components/schemas/Health"}),
        ),
        "/v1/codes/{code}": _get(
            "One code",
            "A code (H2028), a code with modifiers (H2028-HF) or a modifier (HF), as `hcpcs show "
            "--json`: official descriptors, status on the date, the release's fields and the "
            "plain-language record when there is one. An unknown code is 404 with suggestions.",
            [
                _CODE,
                date,
                _query(
                    "section",
                    "Only one record section: summary, indications, setting, personnel, risks, "
                    "alternatives, billing or similar.",
                ),
            ],
            _ok("the code's entry"),
            "404",
        ),
        "/v1/codes/{code}/history": _get(
            "A code across held releases",
            "The code in every imported release, oldest first (as `hcpcs history --json`).",
            [_CODE],
            _ok("the code's history"),
            "404",
        ),
        "/v1/modifiers/{modifier}": _get(
            "Explain a modifier",
            "A modifier's official meaning and how the bundled records use it; with `code`, "
            "whether that code's record lists it.",
            [
                {**_CODE, "name": "modifier"},
                _query("code", "A procedure code to check the modifier against."),
            ],
            _ok("the modifier"),
            "404",
        ),
        "/v1/search": _get(
            "Search",
            "Ranked search over descriptors, records, lay names and abbreviations, typos "
            "forgiven (as `hcpcs search --json`). No match is 200 with an empty result list.",
            [
                _query("q", "The search text.", required=True, maxLength=500),
                _query("limit", "How many results (1-100).", "integer", default=10),
                _query(
                    "kind",
                    "procedure, modifier or all.",
                    enum=["procedure", "modifier", "all"],
                    default="procedure",
                ),
                _query("prefix", "Only codes starting with this (a letter or H20)."),
                _query("active", "Only codes active today.", "boolean", default=False),
                _query("explain", "Say why each result matched.", "boolean", default=False),
            ],
            _ok("search results"),
        ),
        "/v1/compare": _get(
            "Compare codes",
            "Two to eight codes side by side (repeat `codes` or separate with commas); one code "
            "is compared with the similar codes its record lists.",
            [_query("codes", "Codes to compare.", required=True)],
            _ok("the comparison"),
            "404",
        ),
        "/v1/validate": {
            "post": {
                "summary": "Validate a list of codes",
                "description": "Each code judged on its date of service: active, not yet valid, "
                "terminated, not in the release, unknown or invalid (as `hcpcs validate --json`). "
                "Up to 10,000 codes and 1 MiB per request.",
                "parameters": [date],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ValidateRequest"}
                        },
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "200": _ok("the validation report"),
                    "413": {"$ref": "#/components/responses/TooLarge"},
                    **_ERRORS,
                },
            }
        },
        "/v1/browse": _get(
            "Browse",
            "Without a prefix, the sections with their counts; with one, its codes in order.",
            [
                _query("prefix", "A section letter or a code prefix (H, H20)."),
                _query("active", "Only active codes.", "boolean", default=False),
            ],
            _ok("the listing"),
        ),
        "/v1/changes": _get(
            "What the release changed",
            "Codes the release marks as added, discontinued, reworded or otherwise changed.",
            [
                _query("action", "all, added, discontinued, reworded or changed.", default="all"),
                _query("since", "Only changes effective on or after this date."),
                _query("prefix", "Only codes starting with this."),
                _query("codes", "Only these codes (repeat or separate with commas)."),
            ],
            _ok("the changes"),
        ),
        "/v1/releases": _get(
            "Held releases",
            "The imported CMS releases, the one in use, and any damaged release.",
            [],
            _ok("the data status"),
        ),
        "/api/hcpcs/v3/search": _get(
            "NLM Clinical Tables compatible search",
            "Answers `[total, codes, extra, display]` like clinicaltables.nlm.nih.gov's HCPCS "
            "API, so an autocomplete written for it works by changing its base URL. Ranking is "
            "hcpcs search. Fields: code, display, short_desc, long_desc, add_dt, act_eff_dt, "
            "term_dt, obsolete, is_noc. `q` is not supported; offset + count is at most 500.",
            [
                _query("terms", "The search text.", required=True),
                _query("maxList", "How many results (default 7, up to 500).", "integer"),
                _query("count", "Page size (default 7).", "integer"),
                _query("offset", "Page start (default 0).", "integer"),
                _query("df", "Display fields, comma-separated (default code,display)."),
                _query("sf", "Search fields (default code,display; code alone = prefix)."),
                _query("cf", "The field returned as the code (default code)."),
                _query("ef", "Extra fields, comma-separated, each optionally field:alias."),
            ],
            _ok("[total, codes, extra, display]", {"type": "array", "minItems": 4, "maxItems": 4}),
        ),
        "/openapi.json": _get(
            "This description", "The OpenAPI document.", [], _ok("OpenAPI 3.1", _OBJECT)
        ),
    }
    error: Doc = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "hcpcs local API",
            "version": __version__,
            "description": "Read-only HCPCS Level II lookups, search, comparison and validation "
            "from the data on this machine. Errors are JSON with the HTTP status and the exit "
            "code the hcpcs CLI gives for the same mistake. When the server was started with a "
            "token, every request carries 'Authorization: Bearer <token>'.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Any": _OBJECT,
                "Health": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string"},
                        "version": {"type": "string"},
                        "release": {"type": ["string", "null"]},
                        "bundled_records": {"type": "integer"},
                        "uptime_seconds": {"type": "number"},
                    },
                },
                "ValidateRequest": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {
                                "codes": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
                                "date": {"type": "string"},
                            },
                            "required": ["codes"],
                        },
                        {"type": "array", "items": {"$ref": "#/$defs/Item"}},
                    ],
                    "$defs": {
                        "Item": {
                            "oneOf": [
                                {"type": "string"},
                                {
                                    "type": "object",
                                    "properties": {
                                        "code": {"type": "string"},
                                        "date": {"type": "string"},
                                    },
                                    "required": ["code"],
                                },
                            ]
                        }
                    },
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "integer"},
                                "type": {"type": "string"},
                                "message": {"type": "string"},
                                "hint": {"type": "string"},
                                "suggestions": {"type": "array", "items": {"type": "string"}},
                                "exit_code": {"type": "integer"},
                            },
                            "required": ["status", "type", "message", "exit_code"],
                        }
                    },
                },
            },
            "responses": {
                name: {"description": text, "content": {"application/json": {"schema": error}}}
                for name, text in (
                    ("BadRequest", "Bad input (CLI exit code 2)."),
                    ("Unauthorized", "Missing or wrong token."),
                    ("NotFound", "Unknown code, with suggestions (CLI exit code 1)."),
                    ("TooLarge", "The request body is over 1 MiB."),
                    ("Unavailable", "Damaged or busy data (CLI exit code 3 or 5)."),
                )
            },
        },
    }
