"""The app's own exceptions and the handlers that turn them into JSON responses."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse


class NotFoundError(Exception):
    """A resource the client asked for does not exist: a 404 with ``{"detail": "<Resource> <id> not found"}``."""

    def __init__(self, resource: str, resource_id: int | str) -> None:
        super().__init__(f"{resource} {resource_id} not found")
        self.resource = resource
        self.resource_id = resource_id


async def handle_not_found(request: Request, exc: Exception) -> JSONResponse:
    """The body has the shape of FastAPI's own errors (``detail``), so clients handle every 404 alike."""
    return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"detail": str(exc)})


def register_error_handlers(app: FastAPI) -> None:
    """Register the handler of each exception above on ``app``."""
    app.add_exception_handler(NotFoundError, handle_not_found)
