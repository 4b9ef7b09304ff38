"""The exception tree: every error renders a readable message that names what it is about."""

from __future__ import annotations

import fastapi_expert.errors as errors
from fastapi_expert.errors import (
    DocsFetchError,
    FastAPIExpertError,
    InputError,
    PatternNotFound,
    PromptArgumentError,
    SourceParseError,
)


def test_every_error_is_a_fastapi_expert_error_and_exported() -> None:
    classes = [value for value in vars(errors).values() if isinstance(value, type) and issubclass(value, Exception)]
    assert {cls.__name__ for cls in classes} == set(errors.__all__)
    assert all(issubclass(cls, FastAPIExpertError) for cls in classes)


def test_the_tree_in_the_docstring_names_every_error() -> None:
    assert errors.__doc__ is not None
    for name in errors.__all__:
        assert name in errors.__doc__


def test_messages_name_the_argument_and_context() -> None:
    assert str(InputError("is empty", argument="query")) == "query: is empty"
    assert str(SourceParseError("unexpected indent", path="app.py", line=3, column=5)) == (
        "app.py:3:5: unexpected indent"
    )
    assert str(DocsFetchError("timed out", url="https://example.org/x")) == "https://example.org/x: timed out"
    assert str(PatternNotFound(pattern_id="cors", suggestions=["cors-trusted-hosts"])).startswith(
        "id: no knowledge entry 'cors'; did you mean 'cors-trusted-hosts'?"
    )
    assert str(PromptArgumentError("is required", prompt="secure_api", argument="code")) == (
        "code: is required (prompt 'secure_api')"
    )
