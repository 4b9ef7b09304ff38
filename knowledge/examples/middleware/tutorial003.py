"""GZipMiddleware: compress responses above a minimum size for clients that send Accept-Encoding: gzip."""

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

app = FastAPI()
# Small bodies are not worth the CPU; images, archives and event streams are skipped by content type.
app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)


@app.get("/report")
async def report() -> dict[str, list[int]]:
    return {"values": list(range(2000))}


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "ok"}
