"""SQLModel table of Person: the `people` table."""

import datetime as dt
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel


class Person(SQLModel, table=True):
    __tablename__ = "people"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(320), unique=True)
    full_name: str = Field(sa_type=String(100), index=True)
    born: dt.date | None = Field(default=None)
    external_id: UUID | None = Field(default=None, unique=True)
    active: bool = Field(index=True)
    preferences: dict[str, Any] | None = Field(default=None, sa_type=JSON)
