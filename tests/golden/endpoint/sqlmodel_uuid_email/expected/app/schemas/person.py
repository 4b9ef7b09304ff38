"""Schemas of Person.

- PersonCreate: what a client sends to create one.
- PersonUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- PersonRead: what the API returns.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, JsonValue, field_validator

FullName = Annotated[str, Field(min_length=1, max_length=100)]


class PersonBase(BaseModel):
    email: EmailStr
    full_name: FullName
    born: dt.date | None = None
    external_id: UUID | None = None
    active: bool = True
    preferences: dict[str, JsonValue] | None = None


class PersonCreate(PersonBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "user@example.com",
                    "full_name": "example",
                    "born": "2024-01-01",
                    "external_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "active": False,
                    "preferences": {"key": "example"},
                }
            ]
        }
    )


class PersonUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "user2@example.com"}]}
    )

    email: EmailStr | None = None
    full_name: FullName | None = None
    born: dt.date | None = None
    external_id: UUID | None = None
    active: bool | None = None
    preferences: dict[str, JsonValue] | None = None

    @field_validator("email", "full_name", "active")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class PersonRead(PersonBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
