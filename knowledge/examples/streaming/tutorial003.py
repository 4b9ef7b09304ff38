"""Large files: FileResponse for a file on disk, a chunked generator when the bytes must pass through Python."""

import pathlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic_settings import BaseSettings

CHUNK_SIZE = 64 * 1024


class Settings(BaseSettings):
    files_dir: pathlib.Path = pathlib.Path("files")  # env FILES_DIR


@lru_cache
def get_settings() -> Settings:
    return Settings()


def existing_file(
    name: Annotated[str, Path(pattern=r"^[\w][\w.-]*$")],  # one plain file name: no "/" and no leading "."
    settings: Annotated[Settings, Depends(get_settings)],
) -> pathlib.Path:
    # A dependency runs before the response starts, so it can still answer 404.
    path = settings.files_dir / name
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "File not found")
    return path


app = FastAPI()


@app.get("/files/{name}")
def download(path: Annotated[pathlib.Path, Depends(existing_file)]) -> FileResponse:
    # Sent in chunks by the server, with Content-Length, Last-Modified, ETag and Range (resumable downloads).
    return FileResponse(path, filename=path.name)


class OctetStreamResponse(StreamingResponse):
    media_type = "application/octet-stream"


@app.get("/files/{name}/stream", response_class=OctetStreamResponse)
def stream_file(path: Annotated[pathlib.Path, Depends(existing_file)]) -> Iterator[bytes]:
    # A sync generator is iterated in the threadpool, so its blocking reads never stall the event loop.
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            yield chunk  # transform here (decrypt, re-encode) or read from object storage instead
