"""The reference app: a small production-style FastAPI service that generated code is dropped into and exercised."""
