"""Upload one image: check the declared type and the magic bytes, read in chunks, stop past a size limit (413)."""

import hashlib

from fastapi import FastAPI, HTTPException, UploadFile, status
from pydantic import BaseModel

MAX_FILE_SIZE = 1024 * 1024  # 1 MiB per file
CHUNK_SIZE = 64 * 1024
# The declared Content-Type is the client's claim; the first bytes of the file are the evidence.
SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


class StoredImage(BaseModel):
    content_type: str
    size: int
    sha256: str


app = FastAPI()


# max_body_size caps the whole request while it arrives (multipart overhead included), before any parsing.
@app.post("/avatars", status_code=status.HTTP_201_CREATED, max_body_size=MAX_FILE_SIZE + 16 * 1024)
async def upload_avatar(file: UploadFile) -> StoredImage:
    content_type = file.content_type or ""
    signature = SIGNATURES.get(content_type)
    if signature is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"Unsupported file type {content_type!r}")
    head = await file.read(len(signature))
    if head != signature:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "File content does not match its type")
    digest, size = hashlib.sha256(head), len(head)
    while chunk := await file.read(CHUNK_SIZE):  # never `await file.read()`: that loads it all into memory
        size += len(chunk)
        if size > MAX_FILE_SIZE:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"File larger than {MAX_FILE_SIZE} bytes")
        digest.update(chunk)  # or write the chunk to object storage under a name you generate
    return StoredImage(content_type=content_type, size=size, sha256=digest.hexdigest())
