"""The baseline of ``bench/cold_start.py``: a bare ``MCPServer`` with one trivial tool, served over stdio."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer(name="bare")


@server.tool()
def echo(text: str) -> str:
    """Return ``text`` unchanged."""
    return text


if __name__ == "__main__":
    server.run("stdio")
