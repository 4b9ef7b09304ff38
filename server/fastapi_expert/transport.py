"""Serving the MCP server: stdio, or streamable HTTP with DNS-rebinding protection and an optional bearer token.

HTTP is stateless (every request stands alone), so several replicas can run behind a load balancer. On a loopback
address it needs nothing more; on any other address it refuses to start without a bearer token
(``FASTAPI_EXPERT_TOKEN``) and an explicit list of the ``Host`` values clients will use (``--allowed-host``), because
the SDK only turns DNS-rebinding protection on by itself for loopback. Over HTTP, ``validate_code`` (which runs the
code it is given, sandboxed) is refused unless the server was started with ``--allow-code-execution``.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi_expert.errors import InputError

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "BEARER_ENV",
    "BearerTokenMiddleware",
    "HttpOptions",
    "configure_logging",
    "http_app",
    "run_http",
    "run_stdio",
]

BEARER_ENV = "FASTAPI_EXPERT_TOKEN"
MCP_PATH = "/mcp"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """What ``serve --transport http`` was asked for, checked by ``check()``."""

    host: str = "127.0.0.1"
    port: int = 8765
    allowed_hosts: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)
    #: ``validate_code`` runs the code it is given: over HTTP only when the operator says so.
    allow_code_execution: bool = False

    @property
    def is_loopback(self) -> bool:
        if self.host in _LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False

    def check(self) -> None:
        """Refuse options that would expose the server without protection."""
        if not 0 < self.port < 65536:
            raise InputError(f"must be between 1 and 65535, got {self.port}", argument="--port")
        if self.token is not None and len(self.token) < 16:
            raise InputError("must be at least 16 characters long", argument=BEARER_ENV)
        if self.is_loopback:
            return
        missing = []
        if not self.token:
            missing.append(f"a bearer token in the {BEARER_ENV} environment variable")
        if not self.allowed_hosts:
            missing.append("the Host names clients will use, as --allowed-host NAME (repeatable)")
        if missing:
            raise InputError(
                f"{self.host} is not a loopback address; serving it needs {' and '.join(missing)}",
                argument="--host",
            )

    def host_patterns(self) -> list[str]:
        """``Host`` header values to accept: each name bare and with any port."""
        if self.is_loopback and not self.allowed_hosts:
            names: Sequence[str] = ("127.0.0.1", "localhost", "[::1]")
        else:
            names = self.allowed_hosts
        return [pattern for name in names for pattern in (name, f"{name}:*")]

    def origin_patterns(self) -> list[str]:
        """``Origin`` values to accept (browsers send one; most MCP clients send none)."""
        return [f"{scheme}://{host}" for host in self.host_patterns() for scheme in ("http", "https")]


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr: on stdio, stdout carries the protocol and nothing else."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def run_stdio() -> None:
    """Serve over stdio until the client closes the stream."""
    from fastapi_expert.server import build_server

    build_server().run("stdio")


def http_app(options: HttpOptions) -> ASGIApp:
    """The ASGI app for ``options``: the SDK's streamable-HTTP app behind the bearer-token check when one is set."""
    from mcp.server.transport_security import TransportSecuritySettings

    from fastapi_expert.server import build_server

    options.check()
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=options.host_patterns(),
        allowed_origins=options.origin_patterns(),
    )
    app = build_server(allow_code_execution=options.allow_code_execution).streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, transport_security=security, host=options.host
    )
    if options.token:
        return BearerTokenMiddleware(app, options.token)
    return app


def run_http(options: HttpOptions, *, log_level: str = "info") -> None:
    """Serve streamable HTTP at ``/mcp`` until interrupted."""
    import uvicorn

    app = http_app(options)
    uvicorn.run(app, host=options.host.strip("[]"), port=options.port, log_level=log_level, log_config=None)


class BearerTokenMiddleware:
    """Refuses HTTP requests whose ``Authorization`` header is not ``Bearer <token>`` (constant-time compare)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            supplied = dict(scope["headers"]).get(b"authorization", b"")
            if not secrets.compare_digest(supplied, self._expected):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await _unauthorized(send)
                return
        await self.app(scope, receive, send)


async def _unauthorized(send: Send) -> None:
    body = b'{"error": "unauthorized", "error_description": "a valid bearer token is required"}'
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b'Bearer realm="fastapi-expert"'),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
