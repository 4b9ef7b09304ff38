"""WRONG: checks inside a streaming generator run after the 200 status line has been sent."""

import pathlib
from collections.abc import Iterator

from fastapi import FastAPI, HTTPException, status
from fastapi.responses import StreamingResponse

FILES_DIR = pathlib.Path("files")

app = FastAPI()


@app.get("/files/{name}/stream", response_class=StreamingResponse)
def stream_file(name: str) -> Iterator[bytes]:
    path = FILES_DIR / name
    if not path.is_file():  # too late: the generator body only starts once the response has begun
        raise HTTPException(status.HTTP_404_NOT_FOUND, "File not found")
    yield path.read_bytes()
