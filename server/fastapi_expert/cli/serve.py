"""``fastapi-expert serve``: the MCP server over stdio (default) or streamable HTTP."""

from __future__ import annotations

import argparse
import os
from typing import Any

from fastapi_expert.cli.codes import EXIT_OK

__all__ = ["add_parser", "run"]


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    serve = verbs.add_parser("serve", help="run the MCP server (stdio by default)")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP: address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="HTTP: port (default 8765)")
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="HTTP: a Host header value clients use (repeatable; required off loopback, with FASTAPI_EXPERT_TOKEN)",
    )
    serve.add_argument(
        "--allow-code-execution",
        action="store_true",
        help="HTTP: let validate_code run the code it is given, in its sandbox (stdio always allows it)",
    )
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="warning")
    serve.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from fastapi_expert import transport

    transport.configure_logging(args.log_level.upper())
    if args.transport == "stdio":
        transport.run_stdio()
        return EXIT_OK
    options = transport.HttpOptions(
        host=args.host,
        port=args.port,
        allowed_hosts=tuple(args.allowed_host),
        token=os.environ.get(transport.BEARER_ENV) or None,
        allow_code_execution=args.allow_code_execution,
    )
    options.check()
    transport.run_http(options, log_level=args.log_level)
    return EXIT_OK
