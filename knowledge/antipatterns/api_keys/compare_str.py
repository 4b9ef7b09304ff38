"""WRONG: compare_digest on str raises TypeError for non-ASCII input, so a client can turn a 401 into a 500."""

import os
import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import APIKeyHeader

api_key_header = APIKeyHeader(name="X-API-Key")

app = FastAPI()


def require_api_key(api_key: Annotated[str, Depends(api_key_header)]) -> None:
    if not secrets.compare_digest(api_key, os.environ["API_KEY"]):  # str vs str
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid API key")


@app.get("/reports", dependencies=[Depends(require_api_key)])
def read_reports() -> list[str]:
    return ["q1", "q2"]
