"""The local HTTP API (``hcpcs serve``): read-only JSON over the typed core results.

Every ``/v1`` endpoint makes one call on the ``Service`` and answers its ``to_dict()`` shape, the
same JSON as the CLI's ``--json``. Errors are JSON too (``{"error": {...}}``) with an HTTP status
beside the exit code the CLI would give for the same mistake. ``/api/hcpcs/v3/search`` answers in
the NLM Clinical Tables shape (``nlm.py``); ``/openapi.json`` describes it all (``openapi.py``).

Safety: the ``Guard`` middleware checks the Host header (a loopback server answers only to
loopback names, which stops DNS-rebinding pages), the bearer token when one is set, the method and
the request body's size; CORS is off unless origins are named. No endpoint writes data.

Requests are answered on the event loop, one at a time: a lookup or a search takes a few
milliseconds, and the catalog's SQLite connections stay on one thread.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hcpcs_cli.errors import ExitCode, HcpcsError, UsageError
from hcpcs_cli.results import Json, JsonObject

from . import nlm
from .service import (
    MAX_COMPARE,
    Problem,
    Service,
    bool_param,
    code_list,
    int_param,
    problem_of,
    split_items,
    text_param,
)

MAX_BODY = 1 << 20  # bytes of a request body (a validation list)
MAX_SEARCH_PROCESSES = 4  # one per core, up to this many
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
ALLOWED_METHODS = {"GET", "HEAD", "POST", "OPTIONS"}
log = logging.getLogger("hcpcs.serve")


class JSON(JSONResponse):
    """Compact JSON (UTF-8, control characters escaped by the encoder)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_response(problem: Problem) -> JSON:
    return JSON(problem.to_dict(), status_code=problem.status)


# -- endpoints ----------------------------------------------------------------------------------
Handler = Callable[[Request, Service], Awaitable[Json]]


def _q(request: Request, name: str) -> str | None:
    return request.query_params.get(name)


async def root(request: Request, service: Service) -> Json:
    base = str(request.base_url).rstrip("/")
    return {
        "name": "hcpcs",
        "description": "HCPCS Level II codes: official descriptors, plain-language records, search",
        "openapi": f"{base}/openapi.json",
        "endpoints": [
            "/v1/health",
            "/v1/codes/{code}",
            "/v1/codes/{code}/history",
            "/v1/modifiers/{modifier}",
            "/v1/search?q=...",
            "/v1/compare?codes=A,B",
            "/v1/validate (POST)",
            "/v1/browse?prefix=...",
            "/v1/changes",
            "/v1/releases",
            "/api/hcpcs/v3/search?terms=...",
        ],
    }


async def health(request: Request, service: Service) -> Json:
    return service.health()


async def code(request: Request, service: Service) -> Json:
    lookup = service.code(
        request.path_params["code"],
        text_param("date", _q(request, "date")),
        text_param("section", _q(request, "section")),
    )
    return lookup.entries[0].to_dict(lookup.section)


async def code_history(request: Request, service: Service) -> Json:
    return service.history(request.path_params["code"]).to_dict()


async def modifier(request: Request, service: Service) -> Json:
    code = text_param("code", _q(request, "code"))
    return service.modifier(request.path_params["modifier"], code).to_dict()


async def search(request: Request, service: Service) -> Json:
    query = text_param("q", _q(request, "q") or _q(request, "query"), required=True)
    assert query is not None
    result = await service.search_async(
        query,
        int_param("limit", _q(request, "limit"), 10, 1, 100),
        text_param("kind", _q(request, "kind")) or "procedure",
        text_param("prefix", _q(request, "prefix")),
        bool_param("active", _q(request, "active")),
        bool_param("explain", _q(request, "explain")),
    )
    return result.to_dict()


async def compare(request: Request, service: Service) -> Json:
    codes = code_list("codes", request.query_params.getlist("codes"), MAX_COMPARE)
    return service.compare(codes).to_dict()


async def validate(request: Request, service: Service) -> Json:
    body = await _body(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    day = text_param("date", _q(request, "date"))
    if kind == "text/plain":
        from hcpcs_cli.validate import read_codes

        text = body.decode("utf-8", errors="replace")
        return service.validate(split_items(c for c, _ in read_codes(text)), day).to_dict()
    try:
        data = json.loads(body)
    except ValueError:
        raise UsageError(
            "the body is not JSON",
            'send {"codes": ["H2028", ...]} or text/plain with one code per line',
        ) from None
    if isinstance(data, dict):
        if day is None and isinstance(data.get("date"), str):
            day = data["date"]
        data = data.get("codes")
    if not isinstance(data, list):
        raise UsageError('the body must be {"codes": [...]} or a list of codes')
    return service.validate(split_items(data), day).to_dict()


async def browse(request: Request, service: Service) -> Json:
    return service.browse(
        text_param("prefix", _q(request, "prefix")), bool_param("active", _q(request, "active"))
    ).to_dict()


async def changes(request: Request, service: Service) -> Json:
    codes = request.query_params.getlist("codes")
    return service.changes(
        text_param("action", _q(request, "action")) or "all",
        text_param("since", _q(request, "since")),
        text_param("prefix", _q(request, "prefix")),
        code_list("codes", codes, 10_000) if codes else None,
    ).to_dict()


async def releases(request: Request, service: Service) -> Json:
    return service.releases()


async def clinical_tables(request: Request, service: Service) -> Json:
    return await nlm.search(service, request.query_params)


async def openapi(request: Request, service: Service) -> Json:
    from .openapi import document

    return document()


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise _TooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLarge(Exception):
    pass


ROUTES: tuple[tuple[str, Handler, tuple[str, ...]], ...] = (
    ("/", root, ("GET",)),
    ("/v1/health", health, ("GET",)),
    ("/v1/codes/{code}", code, ("GET",)),
    ("/v1/codes/{code}/history", code_history, ("GET",)),
    ("/v1/modifiers/{modifier}", modifier, ("GET",)),
    ("/v1/search", search, ("GET",)),
    ("/v1/compare", compare, ("GET",)),
    ("/v1/validate", validate, ("POST",)),
    ("/v1/browse", browse, ("GET",)),
    ("/v1/changes", changes, ("GET",)),
    ("/v1/releases", releases, ("GET",)),
    ("/api/hcpcs/v3/search", clinical_tables, ("GET",)),
    ("/openapi.json", openapi, ("GET",)),
    ("/v1/openapi.json", openapi, ("GET",)),
)


def _endpoint(handler: Handler, service: Service) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return JSON(await handler(request, service))
        except HcpcsError as exc:
            return error_response(problem_of(exc))
        except _TooLarge:
            return error_response(
                Problem(413, "too_large", f"the request body is over {MAX_BODY // 1024} KiB")
            )
        except sqlite3.DatabaseError as exc:
            log.error("data error: %s", exc)
            return error_response(
                Problem(
                    503,
                    "data_error",
                    "a data file is damaged or unreadable",
                    "see hcpcs data status",
                    exit_code=int(ExitCode.DATA),
                )
            )

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    kinds = {404: "not_found", 405: "method_not_allowed"}
    message = "no such endpoint (see /openapi.json)" if exc.status_code == 404 else exc.detail
    return error_response(
        Problem(exc.status_code, kinds.get(exc.status_code, "http_error"), str(message))
    )


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error answering %s", request.url.path)
    return error_response(
        Problem(
            500,
            "internal_error",
            "internal error (a bug): see the server's log",
            exit_code=int(ExitCode.INTERNAL),
        )
    )


# -- the guard ----------------------------------------------------------------------------------
class Guard:
    """Host, token, method and body-size checks before any endpoint runs (pure ASGI)."""

    def __init__(
        self, app: ASGIApp, token: str | None, hosts: Sequence[str] | None, max_body: int
    ) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.hosts = {h.lower() for h in hosts} if hosts is not None else None
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        problem = self._check(scope, headers)
        if problem is not None:
            response = error_response(problem)
            if problem.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="hcpcs"'
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _check(self, scope: Scope, headers: dict[str, bytes]) -> Problem | None:
        if self.hosts is not None:
            host = headers.get("host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.hosts:
                return Problem(
                    400, "bad_host", "this server answers only to localhost (Host header refused)"
                )
        if scope["method"] not in ALLOWED_METHODS:
            return Problem(405, "method_not_allowed", "this API is read-only: GET, HEAD or POST")
        if self.token is not None and scope["method"] != "OPTIONS":
            given = headers.get("authorization", b"")
            scheme, _, value = given.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(value.strip(), self.token):
                return Problem(
                    401,
                    "unauthorized",
                    "a valid token is required",
                    "send the header 'Authorization: Bearer <token>'",
                )
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return Problem(
                413, "too_large", f"the request body is over {self.max_body // 1024} KiB"
            )
        return None


def create_app(
    service: Service,
    token: str | None = None,
    cors_origins: Sequence[str] = (),
    hosts: Sequence[str] | None = LOOPBACK_HOSTS,
    max_body: int = MAX_BODY,
) -> ASGIApp:
    """The ASGI application: ``hosts`` None accepts any Host header (for a server bound beyond
    loopback, which then needs ``token``)."""
    routes = [
        Route(path, _endpoint(handler, service), methods=list(methods))
        for path, handler, methods in ROUTES
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    guarded: ASGIApp = Guard(app, token, hosts, max_body)
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        guarded = CORSMiddleware(
            guarded,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    return guarded


def serve(
    service: Service,
    host: str,
    port: int,
    token: str | None,
    cors_origins: Sequence[str],
    access_log: bool,
    announce: Callable[[str], None],
    workers: int = 1,
) -> None:
    """Bind, say where, and serve until interrupted (with ``workers`` > 1, in that many
    processes sharing the socket, each with its own catalog)."""
    import socket

    import uvicorn

    loopback = is_loopback(host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", "choose another --port"
        ) from None
    # Listening now, before the app starts, queues the first connections instead of refusing
    # them: the address announced below is reachable from the moment it is printed.
    sock.listen(2048)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": access_log,
        "server_header": False,
        "timeout_keep_alive": 5,
        "limit_concurrency": 256,
        "lifespan": "off",
    }
    # Opening the catalog here builds the search index, once, before any worker starts.
    release = service.catalog.release_label or "none (bundled records only)"
    if workers == 1:
        service.start_search_processes(min(MAX_SEARCH_PROCESSES, os.cpu_count() or 1))
    processes = f" in {workers} processes" if workers > 1 else ""
    announce(
        f"serving release {release} on http://{shown}:{bound}{processes} "
        f"(OpenAPI at /openapi.json; Ctrl-C stops)"
    )
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        # Each worker process builds its own app from these settings (the token, if any,
        # travels in its environment variable, never on a command line).
        os.environ[SETTINGS_ENV] = json.dumps(
            {"release": service.pinned, "cors": list(cors_origins), "loopback": loopback}
        )
        if token:
            os.environ[TOKEN_ENV] = token
        factory = f"{__name__}:app_from_environment"
        config = uvicorn.Config(factory, factory=True, workers=workers, **options)
        Multiprocess(config, sockets=[sock]).run()
    else:
        app = create_app(service, token, cors_origins, LOOPBACK_HOSTS if loopback else None)
        _freeze_heap()
        try:
            _server_class()(uvicorn.Config(app, **options)).run(sockets=[sock])
        finally:
            service.close()
    announce("stopped")


SETTINGS_ENV = "HCPCS_SERVE_SETTINGS"
TOKEN_ENV = "HCPCS_SERVE_TOKEN"


def app_from_environment() -> ASGIApp:
    """The app of one worker process (``hcpcs serve --workers N``), from the settings its
    parent put in the environment."""
    settings = json.loads(os.environ[SETTINGS_ENV])
    service = Service(settings["release"])
    service.catalog  # noqa: B018 - open it before the first request (searches stay in-process)
    _freeze_heap()
    return create_app(
        service,
        os.environ.get(TOKEN_ENV) or None,
        settings["cors"],
        LOOPBACK_HOSTS if settings["loopback"] else None,
    )


def _freeze_heap() -> None:
    """What is loaded now (the catalog, the index, the libraries) lives as long as the server:
    keep it out of the garbage collector's scans, which would otherwise pause requests."""
    import gc

    # Hand the interpreter lock between the event loop and the search thread every millisecond
    # (instead of five), so a long search delays a lookup by at most about that much.
    sys.setswitchinterval(0.001)
    gc.collect()
    gc.freeze()


def _server_class() -> type:
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        """Ctrl-C, SIGTERM and SIGHUP stop the server gracefully and end the command normally
        (exit 0), instead of being raised again once the server has stopped."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
            wanted = [getattr(signal, n) for n in names if hasattr(signal, n)]
            originals = {s: signal.signal(s, self.handle_exit) for s in wanted}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    return Server


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


__all__ = ["create_app", "serve", "is_loopback", "JsonObject"]
