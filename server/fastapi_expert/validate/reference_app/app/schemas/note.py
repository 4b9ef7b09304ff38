"""What clients send and receive for notes: create, partial update, read and a page of reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

Title = Annotated[str, Field(min_length=1, max_length=200, examples=["Shopping list"])]
Body = Annotated[str, Field(max_length=10_000, examples=["Milk, eggs, bread"])]


class NoteBase(BaseModel):
    title: Title
    body: Body = ""


class NoteCreate(NoteBase):
    model_config = ConfigDict(extra="forbid")


class NoteUpdate(BaseModel):
    """A partial update: only the fields sent are changed (``model_dump(exclude_unset=True)``)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None

    @field_validator("title", "body")
    @classmethod
    def reject_null(cls, value: str | None) -> str:
        # Omitting a field leaves it unchanged; an explicit null would clear a NOT NULL column.
        if value is None:
            raise ValueError("must not be null")
        return value


class NoteRead(NoteBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime


class NotePage(BaseModel):
    """One page of notes, in id order, and how many there are in all."""

    items: list[NoteRead]
    total: int
    skip: int
    limit: int
