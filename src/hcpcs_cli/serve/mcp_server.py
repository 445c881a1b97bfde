"""The MCP server (``hcpcs mcp``): HCPCS lookups for assistants, over stdio.

Built on the official ``mcp`` SDK. Each tool makes one ``Service`` call and returns the same
structured data as the HTTP API and the CLI's ``--json`` (as ``structuredContent``), with a short
text summary for the assistant to read. Mistakes (an unknown code, a malformed date) come back as
tool errors carrying the CLI's message, never as a crash of the server. Standard output carries
only the protocol; logs go to standard error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from hcpcs_cli.errors import HcpcsError
from hcpcs_cli.results import JsonObject
from hcpcs_cli.status import ACTIVE

from .service import MAX_COMPARE, MAX_VALIDATE, Service, problem_of

if TYPE_CHECKING:
    from hcpcs_cli.catalog import Entry
    from hcpcs_cli.compare import Comparison
    from hcpcs_cli.search import SearchResult
    from hcpcs_cli.validate import Validation, ValidationReport

INSTRUCTIONS = """\
An offline reference for HCPCS Level II codes (the CMS code set for supplies, equipment, drugs,
ambulance and many behavioral-health and Medicaid services), from the data on this machine.
Use search_codes to find codes from a description in anyone's words (lay terms, abbreviations
such as IOP or DME, and typos work); lookup_code for a code's official CMS descriptor, status and
plain-language notes; compare_codes to tell look-alike codes apart; validate_codes to check a
list of codes on a date of service; explain_modifier for a two-character modifier. Descriptors
are CMS's own text. Notes on billing are general: coverage and modifier rules vary by payer and
state, so confirm them with the payer."""

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def _result(data: JsonObject, text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def _call(answer: Callable[[], CallToolResult]) -> CallToolResult:
    """Run one tool; a mistake of the caller comes back as a tool error with the CLI's message."""
    try:
        return answer()
    except HcpcsError as exc:
        problem = problem_of(exc)
        hint = f" ({problem.hint})" if problem.hint else ""
        raise ToolError(f"{problem.message}{hint}") from None


# -- text summaries, for the assistant to read beside the structured data ------------------------
def entry_summary(entry: Entry) -> str:
    lines = [f"{entry.code}: {entry.descriptor}", f"Status: {entry.status.text}"]
    lines += [f"Modifier {m.code}: {m.descriptor or 'meaning unknown'}" for m in entry.modifiers]
    record = entry.record
    if record is not None:
        lines.append(f"Unit: {record.unit}")
        lines.append(f"Summary: {record.summary}")
        if record.similar:
            codes = ", ".join(s.code for s in record.similar)
            lines.append(f"Similar codes: {codes} (compare_codes tells them apart)")
    elif entry.kind == "procedure":
        lines.append("No plain-language record for this code; the descriptor is CMS's.")
    lines += [f"Note: {note}" for note in entry.notes]
    return "\n".join(lines)


def search_summary(result: SearchResult) -> str:
    if not result.hits:
        return f"No codes match '{result.query}'."
    lines = [f"{result.total} codes match '{result.query}'; best first:"]
    for hit in result.hits:
        status = "" if hit.active else f" [{hit.status.text}]"
        lines.append(f"{hit.rank}. {hit.code} {hit.descriptor}{status}")
    return "\n".join(lines)


def compare_summary(comparison: Comparison) -> str:
    lines = [f"Compared: {', '.join(comparison.codes)}"]
    if comparison.key_difference:
        lines.append(f"Key difference: {comparison.key_difference}")
    lines += [f"{d.code} vs {d.similar}: {d.difference}" for d in comparison.distinctions]
    return "\n".join(lines)


def validate_summary(report: ValidationReport, results: Sequence[Validation]) -> str:
    lines = [f"{report.summary()} (on {report.date or 'today'})"]
    problems = [r for r in results if r.status != ACTIVE]
    lines += [f"{r.input}: {r.status_text or r.message}" for r in problems[:50]]
    if len(problems) > 50:
        lines.append(f"... and {len(problems) - 50} more not active (see the structured result)")
    if report.ok:
        lines.append("Every code is active on its date.")
    return "\n".join(lines)


# -- the server ---------------------------------------------------------------------------------
def build(service: Service) -> MCPServer[Any]:
    from hcpcs_cli import __version__

    server: MCPServer[Any] = MCPServer(
        name="hcpcs",
        title="HCPCS Level II reference",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )

    @server.tool(annotations=READ_ONLY)
    async def lookup_code(
        code: Annotated[
            str, Field(description="A code (H2028), code-modifier (H2028-HF) or modifier (HF).")
        ],
        date: Annotated[
            str | None, Field(description="Date of service, YYYY-MM-DD (default today).")
        ] = None,
    ) -> CallToolResult:
        """Look up one HCPCS Level II code when the user names it: the official CMS descriptor,
        its status on the date of service (active, terminated, not yet valid), the Medicare
        fields of the imported release, and, where there is one, a plain-language record
        (summary, setting, personnel, billing notes, similar codes and how they differ)."""

        def answer() -> CallToolResult:
            entry = service.code(code, date).entries[0]
            return _result(entry.to_dict(), entry_summary(entry))

        return _call(answer)

    @server.tool(annotations=READ_ONLY)
    async def search_codes(
        query: Annotated[
            str, Field(description="What to find, in any words: 'halfway house', 'knee scooter'.")
        ],
        limit: Annotated[int, Field(ge=1, le=50, description="How many results.")] = 10,
        active_only: Annotated[bool, Field(description="Only codes active today.")] = False,
        prefix: Annotated[
            str | None, Field(description="Only codes starting with this: a letter, or H20.")
        ] = None,
    ) -> CallToolResult:
        """Find HCPCS Level II codes from a description: lay words, brand names, abbreviations
        (IOP, PHP, DME, CPAP) and typos work. Results come best first with their official
        descriptors and status; use lookup_code on a result for the full record."""

        def answer() -> CallToolResult:
            result = service.search(query, limit, "procedure", prefix, active_only)
            return _result(result.to_dict(), search_summary(result))

        return _call(answer)

    @server.tool(annotations=READ_ONLY)
    async def compare_codes(
        codes: Annotated[
            list[str],
            Field(
                min_length=1,
                max_length=MAX_COMPARE,
                description="Two to eight codes, or one code to compare with its similar codes.",
            ),
        ],
    ) -> CallToolResult:
        """Compare look-alike codes side by side (unit, setting, personnel, descriptor) with the
        key difference stated; use when the user hesitates between codes such as H2028 and
        H2029."""

        def answer() -> CallToolResult:
            comparison = service.compare(codes)
            return _result(comparison.to_dict(), compare_summary(comparison))

        return _call(answer)

    @server.tool(annotations=READ_ONLY)
    async def validate_codes(
        codes: Annotated[
            list[str],
            Field(
                min_length=1,
                max_length=MAX_VALIDATE,
                description="Codes as they appear on claims, optionally with modifiers (H2028-HF).",
            ),
        ],
        date: Annotated[
            str | None, Field(description="Date of service, YYYY-MM-DD (default today).")
        ] = None,
    ) -> CallToolResult:
        """Check a list of codes on a date of service before they go on a claim: each is active,
        not yet valid, terminated (with the date), not in the imported release, unknown, or not
        a code at all."""

        def answer() -> CallToolResult:
            report = service.validate(codes, date)
            results = list(report.results())
            return _result(report.dict_of(results), validate_summary(report, results))

        return _call(answer)

    @server.tool(annotations=READ_ONLY)
    async def explain_modifier(
        modifier: Annotated[str, Field(description="A two-character modifier such as HF or GT.")],
        code: Annotated[
            str | None, Field(description="Optionally, the code it would be billed with.")
        ] = None,
    ) -> CallToolResult:
        """Explain a HCPCS modifier: its official meaning, how the bundled records use it, and,
        given a code, whether that code's record lists it. Payer modifier rules vary: say so."""

        def answer() -> CallToolResult:
            explanation = service.modifier(modifier, code)
            return _result(explanation.to_dict(), explanation.summary())

        return _call(answer)

    return server


def run(service: Service) -> None:
    """Serve over stdio until the client closes the stream."""
    service.catalog  # noqa: B018 - open the release and the index before the first request
    build(service).run("stdio")
