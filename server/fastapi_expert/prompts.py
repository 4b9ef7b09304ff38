"""MCP prompt templates from the top-level ``prompts/`` folder.

A prompt is ``prompts/<name>.md``: YAML front matter (title, description, arguments with their description, whether
they are required, allowed ``choices`` and a ``default``) and a jinja2 body that becomes one user message. Arguments
arrive as strings (that is all MCP prompt arguments can be); the loader checks required ones are present and that a
value with ``choices`` is one of them before it renders.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fastapi_expert.errors import PromptArgumentError, PromptFormatError, PromptNotFound
from fastapi_expert.frontmatter import read_front_matter

if TYPE_CHECKING:
    import jinja2

__all__ = ["MAX_ARGUMENT_CHARS", "PromptArgumentSpec", "PromptLibrary", "PromptMeta", "PromptTemplate"]

MAX_ARGUMENT_CHARS = 200_000
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PromptArgumentSpec(BaseModel):
    """One argument of a prompt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=10)
    required: bool = True
    choices: tuple[str, ...] | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _default_fits(self) -> PromptArgumentSpec:
        if self.default is not None and self.required:
            raise ValueError(f"argument {self.name!r}: a required argument has no default")
        if self.default is not None and self.choices is not None and self.default not in self.choices:
            raise ValueError(f"argument {self.name!r}: default {self.default!r} is not one of its choices")
        return self

    @property
    def help(self) -> str:
        """The description as a client shows it, with the allowed values and the default."""
        text = self.description
        if self.choices:
            text += f" One of: {', '.join(self.choices)}."
        if self.default is not None:
            text += f" Default: {self.default}."
        return text


class PromptMeta(BaseModel):
    """The front matter of a prompt file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3)
    description: str = Field(min_length=40)
    arguments: tuple[PromptArgumentSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A loaded prompt: its name (the file stem), front matter and jinja2 body (compiled when first rendered)."""

    name: str
    meta: PromptMeta
    body: str
    path: Path

    def compile(self) -> jinja2.Template:
        """The compiled body; a syntax error is a ``PromptFormatError`` naming the file."""
        import jinja2

        try:
            return _environment().from_string(self.body)
        except jinja2.TemplateSyntaxError as exc:
            raise PromptFormatError(f"line {exc.lineno}: {exc.message}", path=str(self.path)) from exc

    def render(self, arguments: Mapping[str, str | None]) -> str:
        """Check ``arguments`` against the spec and render the body."""
        known = {spec.name for spec in self.meta.arguments}
        for name in arguments:
            if name not in known:
                expected = ", ".join(sorted(known)) or "none"
                message = f"is not an argument of this prompt (it takes {expected})"
                raise PromptArgumentError(message, prompt=self.name, argument=name)
        values: dict[str, str | None] = {}
        for spec in self.meta.arguments:
            value = arguments.get(spec.name)
            if value is not None and not value.strip():
                value = None
            if value is None and spec.required:
                raise PromptArgumentError("is required", prompt=self.name, argument=spec.name)
            if value is not None and len(value) > MAX_ARGUMENT_CHARS:
                raise PromptArgumentError(
                    f"is {len(value)} characters long; the limit is {MAX_ARGUMENT_CHARS}",
                    prompt=self.name,
                    argument=spec.name,
                )
            if value is not None and spec.choices is not None and value not in spec.choices:
                raise PromptArgumentError(
                    f"must be one of {', '.join(spec.choices)}, got {value!r}", prompt=self.name, argument=spec.name
                )
            values[spec.name] = spec.default if value is None else value
        return self.compile().render(values).strip() + "\n"


class PromptLibrary:
    """Every prompt of one ``prompts/`` folder, validated and compiled when loaded."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @cached_property
    def _templates(self) -> dict[str, PromptTemplate]:
        if not self.root.is_dir():
            raise PromptFormatError("the prompts folder is missing", path=str(self.root))
        templates = {}
        for path in sorted(self.root.glob("*.md")):
            if path.name == "README.md":
                continue
            if not _NAME.match(path.stem):
                raise PromptFormatError("a prompt file name is snake_case", path=str(path))
            try:
                document = read_front_matter(path)
                meta = PromptMeta.model_validate(document.meta)
            except (ValueError, ValidationError) as exc:
                raise PromptFormatError(str(exc), path=str(path)) from exc
            templates[path.stem] = PromptTemplate(name=path.stem, meta=meta, body=document.body, path=path)
        return templates

    @property
    def templates(self) -> tuple[PromptTemplate, ...]:
        """All prompts, sorted by name."""
        return tuple(self._templates[name] for name in sorted(self._templates))

    def get(self, name: str) -> PromptTemplate:
        """The prompt ``name``, or ``PromptNotFound``."""
        try:
            return self._templates[name]
        except KeyError:
            raise PromptNotFound(name=name) from None


@cache
def _environment() -> jinja2.Environment:
    """The one jinja2 environment for prompts (imported on first use: jinja2 stays out of start-up)."""
    import jinja2

    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - the output is a chat message, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
