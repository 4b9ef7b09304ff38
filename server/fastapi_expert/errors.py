"""The whole exception tree of fastapi-expert.

```
FastAPIExpertError
├─ InputError           (bad input from a caller: names the argument and the problem)
├─ ConfigError
├─ RuleError            (rule loading or definition)
├─ ReviewError ─ RuffError
├─ GenerationError ─ SpecError, TemplateError, ValidationFailed
├─ SandboxError         (the validation sandbox could not run code at all)
├─ CodemodError ─ SourceParseError
├─ DocsError ─ DocsFetchError, DocsCacheError
├─ KnowledgeError ─ PatternNotFound, KnowledgeFormatError
└─ PromptError ─ PromptNotFound, PromptArgumentError, PromptFormatError
```

Every error carries keyword-only context and renders a readable message with ``str()``. Callers at the edges decide
what an error means for them: ``tools/`` turns them into MCP tool errors, ``cli.py`` into exit codes. Errors that are
the caller's fault (``is_input_error``) map to exit code 2; the others are ours to fix.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CodemodError",
    "ConfigError",
    "DocsCacheError",
    "DocsError",
    "DocsFetchError",
    "FastAPIExpertError",
    "GenerationError",
    "InputError",
    "KnowledgeError",
    "KnowledgeFormatError",
    "PatternNotFound",
    "PromptArgumentError",
    "PromptError",
    "PromptFormatError",
    "PromptNotFound",
    "ReviewError",
    "RuffError",
    "RuleError",
    "SandboxError",
    "SourceParseError",
    "SpecError",
    "TemplateError",
    "ValidationFailed",
]


class FastAPIExpertError(Exception):
    """Base of every error this package raises on purpose."""

    #: True when the caller can fix it by changing its input (CLI exit 2, MCP tool error).
    is_input_error: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(FastAPIExpertError):
    """An argument is invalid: the message names the argument and what is wrong with it."""

    is_input_error = True

    def __init__(self, message: str, *, argument: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class ConfigError(FastAPIExpertError):
    """The ``[tool.fastapi-expert]`` configuration is invalid."""

    is_input_error = True

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class RuleError(FastAPIExpertError):
    """A review rule could not be loaded or is defined wrongly."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(f"rule {code}: {message}" if code else message)
        self.code = code


class ReviewError(FastAPIExpertError):
    """The review could not run."""


class RuffError(ReviewError):
    """ruff failed (an exit code other than 0 or 1, or output that is not its JSON)."""

    def __init__(self, message: str, *, returncode: int | None = None) -> None:
        super().__init__(f"ruff failed (exit {returncode}): {message}" if returncode is not None else message)
        self.returncode = returncode


class GenerationError(FastAPIExpertError):
    """Code generation failed."""


class SpecError(GenerationError):
    """A generation spec is invalid (bad input)."""

    is_input_error = True

    def __init__(self, message: str, *, argument: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument


class TemplateError(GenerationError):
    """A template failed to render (our bug)."""

    def __init__(self, message: str, *, template: str) -> None:
        super().__init__(f"template {template}: {message}")
        self.template = template


class ValidationFailed(GenerationError):
    """Generated code failed its own validation in the reference app (our bug; CLI exit 1): names the failed step."""

    def __init__(self, *, step: str, detail: str) -> None:
        super().__init__(f"generated code failed validation at step {step!r}: {detail}")
        self.step = step
        self.detail = detail


class SandboxError(FastAPIExpertError):
    """The sandbox that runs code for ``validate_code`` could not be set up (no interpreter, no temp space, ...)."""


class CodemodError(FastAPIExpertError):
    """A codemod could not be applied."""


class SourceParseError(CodemodError):
    """The user's source does not parse."""

    is_input_error = True

    def __init__(self, message: str, *, path: str, line: int | None = None, column: int | None = None) -> None:
        where = path if line is None else f"{path}:{line}:{column or 1}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column


class DocsError(FastAPIExpertError):
    """Documentation could not be found or served."""


class DocsFetchError(DocsError):
    """A documentation URL could not be fetched."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class DocsCacheError(DocsError):
    """The on-disk docs cache is unusable."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class KnowledgeError(FastAPIExpertError):
    """The knowledge base could not be loaded or queried."""


class KnowledgeFormatError(KnowledgeError):
    """A knowledge entry is malformed (our bug: a test guards every entry)."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class PatternNotFound(KnowledgeError):
    """No knowledge entry has this id."""

    is_input_error = True

    def __init__(self, *, pattern_id: str, suggestions: Sequence[str] = ()) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"id: no knowledge entry {pattern_id!r}{hint} (knowledge://index lists them all)")
        self.pattern_id = pattern_id
        self.suggestions = tuple(suggestions)


class PromptError(FastAPIExpertError):
    """A prompt template could not be loaded or rendered."""


class PromptFormatError(PromptError):
    """A prompt file is malformed (our bug: a test guards every prompt)."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class PromptNotFound(PromptError):
    """No prompt has this name."""

    is_input_error = True

    def __init__(self, *, name: str) -> None:
        super().__init__(f"name: no prompt {name!r}")
        self.name = name


class PromptArgumentError(PromptError):
    """A prompt argument is missing or not one of its allowed values."""

    is_input_error = True

    def __init__(self, message: str, *, prompt: str, argument: str) -> None:
        super().__init__(f"{argument}: {message} (prompt {prompt!r})")
        self.prompt = prompt
        self.argument = argument
