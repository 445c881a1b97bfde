"""The MCP server (``hcpcs mcp``), driven through the official SDK's own client over stdio: the
tools it lists, a call of each (structured data equal to the CLI's JSON, plus a text summary),
and the errors an assistant meets."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke

pytest.importorskip("mcp", reason="needs the mcp extra (pip install '.[mcp]')")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

TOOLS = {"lookup_code", "search_codes", "compare_codes", "validate_codes", "explain_modifier"}


def session(home: Path, check: Callable[[Any], Awaitable[None]]) -> None:
    """Start ``hcpcs mcp`` over stdio, connect the SDK client and run ``check`` with it."""
    env = {k: v for k, v in os.environ.items() if k != "HCPCS_RELEASE"}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "hcpcs_cli", "mcp"],
        env={**env, "HCPCS_HOME": str(home)},
    )

    async def run() -> None:
        async with Client(params) as client:
            await asyncio.wait_for(check(client), timeout=120)

    asyncio.run(run())


def cli_json(home: Path, *args: str) -> Any:
    r = invoke([*args, "--json"], env={"HCPCS_HOME": str(home)})
    assert r.exit_code in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_the_tools_are_listed_with_guidance(excerpt_root: Path) -> None:
    async def check(client: Any) -> None:
        listed = (await client.list_tools()).tools
        assert {t.name for t in listed} == TOOLS
        for tool in listed:
            assert tool.description and len(tool.description) > 80, tool.name
            assert tool.annotations.read_only_hint is True
            assert tool.input_schema["type"] == "object"
        search = next(t for t in listed if t.name == "search_codes")
        assert search.input_schema["required"] == ["query"]
        assert "typos" in search.description

    session(excerpt_root, check)


def test_each_tool_answers_like_the_cli(excerpt_root: Path) -> None:
    home = excerpt_root

    async def check(client: Any) -> None:
        found = await client.call_tool("search_codes", {"query": "cpap machine", "limit": 3})
        assert not found.is_error
        assert found.structured_content == cli_json(home, "search", "cpap machine", "--limit", "3")
        assert found.content[0].text.splitlines()[1].startswith("1. E0601 ")

        looked = await client.call_tool("lookup_code", {"code": "H2028"})
        assert looked.structured_content == cli_json(home, "show", "H2028")[0]
        text = looked.content[0].text
        assert text.startswith("H2028: Sexual offender treatment service, per 15 minutes")
        assert "Unit: per 15 minutes" in text and "Similar codes:" in text

        compared = await client.call_tool("compare_codes", {"codes": ["H2028", "H2029"]})
        assert compared.structured_content == cli_json(home, "compare", "H2028", "H2029")
        assert "Key difference" in compared.content[0].text

        checked = await client.call_tool(
            "validate_codes", {"codes": ["H2028", "G0164", "H0015-HF"], "date": "2021-03-01"}
        )
        report = checked.structured_content
        assert [r["status"] for r in report["results"]] == ["active", "terminated", "active"]
        assert report["date"] == "2021-03-01" and report["ok"] is False
        assert "G0164: terminated 2016-12-31" in checked.content[0].text

        explained = await client.call_tool("explain_modifier", {"modifier": "hf", "code": "H0015"})
        data = explained.structured_content
        assert data["code"] == "HF" and data["descriptor"] == "Substance abuse program"
        assert data["with_code"]["code"] == "H0015"
        assert explained.content[0].text.startswith("Modifier HF: Substance abuse program")

    session(home, check)


def test_mistakes_come_back_as_tool_errors(excerpt_root: Path) -> None:
    async def check(client: Any) -> None:
        unknown = await client.call_tool("lookup_code", {"code": "H2099"})
        assert unknown.is_error and "unknown code H2099" in unknown.content[0].text
        assert "did you mean" in unknown.content[0].text
        malformed = await client.call_tool("lookup_code", {"code": "hello world"})
        assert malformed.is_error and "not a HCPCS Level II code" in malformed.content[0].text
        bad_date = await client.call_tool("validate_codes", {"codes": ["H2028"], "date": "soon"})
        assert bad_date.is_error and "is not a date" in bad_date.content[0].text
        not_modifier = await client.call_tool("explain_modifier", {"modifier": "H2028"})
        assert not_modifier.is_error and "is not a modifier" in not_modifier.content[0].text
        too_many = await client.call_tool("search_codes", {"query": "cpap", "limit": 0})
        assert too_many.is_error
        # The server is still answering after every error.
        still = await client.call_tool("search_codes", {"query": "walker"})
        assert not still.is_error and still.structured_content["results"]

    session(excerpt_root, check)


def test_search_with_the_full_release(imported_full: Path) -> None:
    async def check(client: Any) -> None:
        found = await client.call_tool("search_codes", {"query": "halfway house"})
        assert found.structured_content["results"][0]["code"] == "H2034"

    session(imported_full, check)
