"""MCP adapters: one module per tool (and the resources and prompts). Only this layer imports ``mcp``."""
