"""Schemas of ApiClient.

- ApiClientCreate: what a client sends to create one.
- ApiClientUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- ApiClientRead: what the API returns.
"""

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

Label = Annotated[str, Field(max_length=80)]
RateLimit = Annotated[int, Field(gt=0, le=10000)]
Scopes = Annotated[list[str], Field(min_length=1)]


class ApiClientBase(BaseModel):
    label: Label
    owner: UUID
    homepage: HttpUrl | None = None
    rate_limit: RateLimit = 100
    scopes: Scopes


class ApiClientCreate(ApiClientBase):
    pass


class ApiClientUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Label | None = None
    owner: UUID | None = None
    homepage: HttpUrl | None = None
    rate_limit: RateLimit | None = None
    scopes: Scopes | None = None

    @field_validator("label", "owner", "rate_limit", "scopes")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class ApiClientRead(ApiClientBase):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
