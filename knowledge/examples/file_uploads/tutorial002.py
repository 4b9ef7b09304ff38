"""Several files plus form fields in one multipart request, with per-file and per-request limits."""

import hashlib
from typing import Annotated

from fastapi import FastAPI, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel

MAX_FILE_SIZE = 256 * 1024
MAX_FILES = 5
CHUNK_SIZE = 64 * 1024


class StoredFile(BaseModel):
    filename: str | None  # the client's name, for display only: never use it as a path
    size: int
    sha256: str


class Album(BaseModel):
    title: str
    tags: list[str]
    files: list[StoredFile]


async def store(file: UploadFile) -> StoredFile:
    digest, size = hashlib.sha256(), 0
    while chunk := await file.read(CHUNK_SIZE):
        size += len(chunk)
        if size > MAX_FILE_SIZE:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, f"{file.filename!r} is larger than {MAX_FILE_SIZE} bytes"
            )
        digest.update(chunk)
    return StoredFile(filename=file.filename, size=size, sha256=digest.hexdigest())


app = FastAPI()


@app.post(
    "/albums",
    status_code=status.HTTP_201_CREATED,
    max_body_size=MAX_FILES * MAX_FILE_SIZE + 64 * 1024,
    form_limits={"max_files": MAX_FILES, "max_fields": 20},  # counted by the parser: 400 beyond them
)
async def create_album(
    title: Annotated[str, Form(min_length=1, max_length=100)],
    files: Annotated[list[UploadFile], File(description="One or more images")],
    tags: Annotated[list[str] | None, Form()] = None,  # a repeated form field: tags=a&tags=b
) -> Album:
    return Album(title=title, tags=tags or [], files=[await store(file) for file in files])
