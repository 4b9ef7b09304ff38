"""Code generation: validated specs in, ruff-formatted files out, rendered through one jinja2 environment."""

__all__: list[str] = []
