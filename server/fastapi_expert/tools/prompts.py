"""MCP adapter: every template of ``prompts/`` as an MCP prompt with its arguments."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Message, Prompt, PromptArgument, UserMessage

from fastapi_expert.prompts import PromptLibrary, PromptTemplate
from fastapi_expert.tools.boundary import prompt_errors

__all__ = ["TemplatePrompt", "register"]


class TemplatePrompt(Prompt):
    """A prompt rendered from a template, whose argument errors reach the client with their message.

    (The SDK's own check of required arguments reports a bare internal error; ours names the argument.)
    """

    template: PromptTemplate

    async def render(self, arguments: dict[str, Any] | None, context: Any) -> list[Message]:
        with prompt_errors():
            return [UserMessage(self.template.render(arguments or {}))]


def register(server: MCPServer, library: PromptLibrary) -> None:
    """Add one MCP prompt per template; arguments carry their description, allowed values and default."""
    for template in library.templates:
        server.add_prompt(
            TemplatePrompt(
                name=template.name,
                title=template.meta.title,
                description=template.meta.description,
                arguments=[
                    PromptArgument(name=spec.name, description=spec.help, required=spec.required)
                    for spec in template.meta.arguments
                ],
                fn=template.render,
                template=template,
            )
        )
