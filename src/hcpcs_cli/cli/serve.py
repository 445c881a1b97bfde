"""``hcpcs serve`` and ``hcpcs mcp``: the catalog for other programs (optional extras).

Neither imports its web or MCP library until it runs, so the CLI's start-up does not pay for them;
a missing extra is a one-line message naming the package to install.
"""

import os
from typing import Annotated

import typer

from hcpcs_cli.errors import UsageError

from .options import ReleaseOpt
from .output import Output

TOKEN_ENV = "HCPCS_SERVE_TOKEN"
MIN_TOKEN = 16


def _need(extra: str, *modules: str) -> None:
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"hcpcs {extra} needs the optional '{extra}' extra ({', '.join(missing)} not installed)",
            f"pip install 'hcpcs-cli[{extra}]'",
        )


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (beyond loopback needs a token).")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port (0 picks a free one).")
    ] = 8765,
    release: ReleaseOpt = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar=TOKEN_ENV,
            show_envvar=False,
            help=f"Require 'Authorization: Bearer TOKEN' on every request [env: {TOKEN_ENV}].",
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="Allow browser pages from this origin (repeatable); CORS is off without it.",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log each request on stderr.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", "-w", min=1, max=16, help="Serve from this many processes (one per core)."
        ),
    ] = 1,
) -> None:
    """Serve the codes as a local, read-only JSON API (and the NLM Clinical Tables search shape
    at /api/hcpcs/v3/search). Needs the extra: pip install 'hcpcs-cli[serve]'.

    Example: hcpcs serve --port 8765   then   curl localhost:8765/v1/codes/H2028
    """
    out: Output = ctx.obj
    _need("serve", "starlette", "uvicorn")
    from hcpcs_cli.serve.api import is_loopback
    from hcpcs_cli.serve.api import serve as run

    if token is not None and len(token) < MIN_TOKEN:
        from secrets import token_urlsafe

        raise UsageError(
            f"the token is too short (at least {MIN_TOKEN} characters)",
            f"for example {token_urlsafe(24)}",
        )
    if not is_loopback(host) and not token:
        from secrets import token_urlsafe

        raise UsageError(
            f"listening on {host} (beyond this machine) needs a token",
            f"give --token or set {TOKEN_ENV}, e.g. {token_urlsafe(24)}",
        )
    for origin in cors_origin or []:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise UsageError(
                f"'{origin}' is not an origin", "write it as https://forms.example.org"
            )
    from hcpcs_cli.serve.service import Service

    service = Service(release or os.environ.get("HCPCS_RELEASE") or None)
    run(service, host, port, token, cors_origin or [], access_log, out.message, workers)


def mcp(ctx: typer.Context, release: ReleaseOpt = None) -> None:
    """Run an MCP server on stdin/stdout for assistants (tools: lookup_code, search_codes,
    compare_codes, validate_codes, explain_modifier). Needs: pip install 'hcpcs-cli[mcp]'.

    Example: hcpcs mcp   (started by an MCP client; see the README)
    """
    _need("mcp", "mcp")
    from hcpcs_cli.serve.mcp_server import run
    from hcpcs_cli.serve.service import Service

    run(Service(release or os.environ.get("HCPCS_RELEASE") or None))


def register(app: typer.Typer, only: str | None = None) -> None:
    for name, function in (("serve", serve), ("mcp", mcp)):
        if only is None or name == only:
            app.command(name)(function)
