"""Code review: FastAPI rules of our own on the stdlib ``ast`` plus ruff, merged into one sorted list of findings."""
