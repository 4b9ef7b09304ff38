"""Codemods: edits to the user's code that keep everything they do not change byte-identical (libcst).

``add_auth`` (``single.add_auth_to_source`` for one module, ``project.add_auth_to_project`` for a project) protects
routes with an auth dependency; ``add_auth.AddAuthCommand`` is the libcst command it runs on each module.
"""

from __future__ import annotations

__all__: list[str] = []
