"""The one jinja2 environment that renders code, and ``ruff format`` for what it renders.

Templates live in ``generate/templates/`` (package data). The environment is strict (``StrictUndefined``: a missing
variable is an error, never an empty string) and is not autoescaping: it writes Python, not HTML. Every value that
comes from a user's spec reaches a template as a Python literal built by ``py_literal`` (``repr``), so quotes,
backslashes, newlines or ``\"\"\"`` in a description, default or pattern stay inside their string.
"""

from __future__ import annotations

import subprocess
from functools import cache

import jinja2

from fastapi_expert.errors import TemplateError
from fastapi_expert.review.ruff import RUFF_TIMEOUT

__all__ = ["LINE_LENGTH", "environment", "format_code", "py_literal", "render", "render_python"]

#: Generated code is formatted for this line length (ruff's default, and FastAPI's docs).
LINE_LENGTH = 88


def py_literal(value: object) -> str:
    """The Python source of a JSON-like value: ``repr`` (a raw string for a backslash-heavy regex reads better, but
    ``repr`` is the one spelling that is always right)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"{type(value).__name__} is not a JSON value")


@cache
def environment() -> jinja2.Environment:
    """The environment: package templates, ``StrictUndefined``, block trimming, trailing newline kept."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fastapi_expert.generate", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - the output is Python source; values arrive as repr() literals
    )
    env.filters["py"] = py_literal
    return env


def render(template: str, **context: object) -> str:
    """Render ``template`` with ``context``; any jinja2 failure is a ``TemplateError`` (our bug)."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{type(exc).__name__}: {exc}", template=template) from exc


def format_code(source: str, *, filename: str = "generated.py") -> str:
    """``source`` formatted by the pinned ruff (``ruff format -``, isolated from any project configuration)."""
    from ruff.__main__ import find_ruff_bin

    command = [
        str(find_ruff_bin()),
        "format",
        "--isolated",
        "--no-cache",
        "--line-length",
        str(LINE_LENGTH),
        "--target-version",
        "py311",
        "--stdin-filename",
        filename,
        "-",
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command line; the source goes through stdin
            command, input=source.encode(), capture_output=True, timeout=RUFF_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TemplateError(f"ruff format could not run: {exc}", template=filename) from exc
    if completed.returncode != 0:
        detail = completed.stderr.decode(errors="replace").strip()[-2000:]
        raise TemplateError(f"ruff format failed (the rendered code does not parse?): {detail}", template=filename)
    return completed.stdout.decode()


def render_python(template: str, *, filename: str, **context: object) -> str:
    """Render a Python template and format the result."""
    return format_code(render(template, **context), filename=filename)
