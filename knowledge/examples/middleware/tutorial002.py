"""@app.middleware("http"): the short form, fine for simple work on every HTTP response."""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

app = FastAPI()


@app.middleware("http")
async def add_security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)  # a route may still set its own value
    return response


@app.get("/items")
async def list_items() -> list[str]:
    return ["hammer"]


@app.get("/embed")
async def embeddable(response: Response) -> dict[str, str]:
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return {"widget": "ok"}
