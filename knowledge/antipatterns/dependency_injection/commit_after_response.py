from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()


class Session:
    def __init__(self) -> None:
        self.pending: list[str] = []

    def commit(self) -> None:
        raise RuntimeError("deadlock detected")  # the commit fails...


def get_session() -> Iterator[Session]:
    session = Session()
    yield session
    session.commit()  # ...but with the default scope="request" this runs after the response was sent


@app.post("/orders", status_code=201)
def create_order(session: Annotated[Session, Depends(get_session)]) -> dict[str, str]:
    session.pending.append("order")
    return {"status": "created"}  # the client is told 201 although nothing was saved
