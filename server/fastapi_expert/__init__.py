"""fastapi-expert: a FastAPI expert as an MCP server, a Claude Code plugin and a CLI."""

__version__ = "0.1.0"

__all__ = ["__version__"]
