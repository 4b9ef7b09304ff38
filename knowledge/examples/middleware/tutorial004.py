"""Middleware order: the last one added is the outermost; it sees the request first and the response last."""

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TraceMiddleware:
    """Records its name on the way in (request.state.trace) and on the way out (an X-Trace header)."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["trace"] = [*state.get("trace", []), self.name]

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Trace", self.name)
            await send(message)

        await self.app(scope, receive, send_with_trace)


app = FastAPI()
app.add_middleware(TraceMiddleware, name="inner")  # added first: closest to the routes
app.add_middleware(TraceMiddleware, name="outer")  # added last: wraps everything else


@app.get("/trace")
async def trace(request: Request) -> list[str]:
    return list(request.state.trace)
