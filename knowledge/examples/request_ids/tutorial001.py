import logging
import re
import uuid
from contextvars import ContextVar

from fastapi import BackgroundTasks, FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and plain: it ends up in logs and response headers.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIDMiddleware:
    """Pure ASGI middleware: reuse a valid incoming X-Request-ID or create a uuid4, expose it, echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if incoming and VALID_REQUEST_ID.fullmatch(incoming) else str(uuid.uuid4())
        token = request_id_var.set(request_id)

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            request_id_var.reset(token)


class RequestIDLogFilter(logging.Filter):
    """Copy the current request id onto every record, for formats such as '%(request_id)s %(message)s'."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


logger = logging.getLogger(__name__)
logger.addFilter(RequestIDLogFilter())

app = FastAPI()
app.add_middleware(RequestIDMiddleware)


def send_receipt(order_id: int) -> None:
    logger.info("receipt sent for order %d", order_id)


@app.post("/orders/{order_id}")
async def place_order(order_id: int, background_tasks: BackgroundTasks) -> dict[str, str | int]:
    logger.info("order %d placed", order_id)
    background_tasks.add_task(send_receipt, order_id)
    return {"order_id": order_id, "request_id": request_id_var.get()}
