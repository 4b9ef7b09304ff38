from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status

app = FastAPI()


def get_session() -> Iterator[str]:
    try:
        yield "session"
    except Exception:
        pass  # WRONG: swallows the endpoint's exception; FastAPI cannot send the 404


@app.get("/items/{item_id}")
def read_item(item_id: int, session: Annotated[str, Depends(get_session)]) -> dict[str, int]:
    raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
