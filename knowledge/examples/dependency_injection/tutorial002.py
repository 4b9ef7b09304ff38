from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from pydantic import BaseModel


@dataclass
class Database:
    """Stands in for a real database: committed rows and the number of open sessions."""

    rows: list[str] = field(default_factory=list)
    open_sessions: int = 0


class Session:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.pending: list[str] = []
        db.open_sessions += 1

    def add(self, row: str) -> None:
        self.pending.append(row)

    def commit(self) -> None:
        if any(len(row) > 20 for row in self.pending):
            raise RuntimeError("value too long for column")  # like a database constraint failing
        self.db.rows.extend(self.pending)
        self.pending.clear()

    def rollback(self) -> None:
        self.pending.clear()

    def close(self) -> None:
        self.db.open_sessions -= 1


db = Database()
app = FastAPI()


def get_session() -> Iterator[Session]:
    session = Session(db)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise  # re-raise: the endpoint's HTTPException still reaches the client
    finally:
        session.close()


# scope="function": the exit code (the commit) runs before the response is sent,
# so a failing commit turns into an error response instead of a false success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class Note(BaseModel):
    text: str


@app.post("/notes", status_code=status.HTTP_201_CREATED)
def create_note(note: Note, session: SessionDep) -> Note:
    session.add(note.text)
    if note.text.startswith("#"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Notes cannot start with '#'")
    return note


@app.get("/notes")
def list_notes() -> list[str]:
    return db.rows
