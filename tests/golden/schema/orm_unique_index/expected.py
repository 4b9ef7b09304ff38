"""Schemas of Customer.

- CustomerCreate: what a client sends to create one.
- CustomerUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- CustomerRead: what the API returns.

Datetimes are ISO 8601; send them timezone-aware (with an offset or Z).
"""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, JsonValue, field_validator


class CustomerLevel(StrEnum):
    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"


class Address(BaseModel):
    street: str
    city: str
    postcode: str | None = None


Username = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[a-z0-9_]+$")]
FullName = Annotated[str, Field(max_length=100)]
Balance = Annotated[Decimal, Field(ge=0)]
Password = Annotated[str, Field(min_length=12)]


class CustomerBase(BaseModel):
    email: EmailStr
    username: Username
    full_name: FullName | None = None
    level: CustomerLevel = CustomerLevel.BRONZE
    balance: Balance = Decimal("0")
    born: dt.date | None = None
    joined_at: dt.datetime
    active: bool = True
    address: Address
    phones: list[str] = []
    preferences: dict[str, JsonValue] | None = None


class CustomerCreate(CustomerBase):
    password: Password


class CustomerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    username: Username | None = None
    full_name: FullName | None = None
    level: CustomerLevel | None = None
    balance: Balance | None = None
    born: dt.date | None = None
    joined_at: dt.datetime | None = None
    active: bool | None = None
    address: Address | None = None
    phones: list[str] | None = None
    preferences: dict[str, JsonValue] | None = None
    password: Password | None = None

    @field_validator(
        "email",
        "username",
        "level",
        "balance",
        "joined_at",
        "active",
        "address",
        "phones",
        "password",
    )
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class CustomerRead(CustomerBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
