"""Validation of generated code: the reference FastAPI app it runs in, and the harness that runs it.

``validate_files`` (``harness.py``) runs files in a sandboxed copy of the reference app and returns a
``ValidationReport``. The names are loaded on first use: the sandboxed child imports this package too, and must not
pay for the harness (or the MCP-free but heavy review engine) on its start-up path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi_expert.validate.harness import validate_files
    from fastapi_expert.validate.models import ValidationReport, ValidationStep

__all__ = ["ValidationReport", "ValidationStep", "validate_files"]

_HOMES = {
    "ValidationReport": "fastapi_expert.validate.models",
    "ValidationStep": "fastapi_expert.validate.models",
    "validate_files": "fastapi_expert.validate.harness",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
