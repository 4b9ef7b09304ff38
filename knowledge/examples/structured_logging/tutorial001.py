import json
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, status
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record was passed with `extra=`.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request id, `extra` fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD_ATTRS})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


access_logger = logging.getLogger("app.access")
logger = logging.getLogger("app")


class AccessLogMiddleware:
    """Pure ASGI middleware: one structured log line per request, with a request id in a contextvar."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        token = request_id_var.set(request_id)
        status_code = status.HTTP_500_INTERNAL_SERVER_ERROR  # kept if the app raises before responding
        start = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = scope.get("route")
            access_logger.info(
                "request completed",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],  # no query string: it may carry tokens or personal data
                    "route": getattr(route, "path", None),  # low-cardinality template for aggregation
                    "status": status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                },
            )
            request_id_var.reset(token)


def configure_logging(level: int = logging.INFO) -> logging.Handler:
    """Send every logger's records to stdout as JSON; our middleware replaces uvicorn's access log."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return handler


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs in each worker after uvicorn configured its own logging, so this configuration wins.
    handler = configure_logging()
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)


app = FastAPI(lifespan=lifespan)
app.add_middleware(AccessLogMiddleware)

ITEMS = {1: "hammer", 2: "saw"}


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int | str]:
    if item_id not in ITEMS:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Item not found")
    logger.info("item read", extra={"item_id": item_id})
    return {"id": item_id, "name": ITEMS[item_id]}
