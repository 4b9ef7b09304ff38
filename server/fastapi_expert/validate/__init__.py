"""Validation of generated code: the reference FastAPI app it runs in, and the harness that runs it."""

__all__: list[str] = []
