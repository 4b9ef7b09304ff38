"""Schemas of Product.

- ProductCreate: what a client sends to create one.
- ProductUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- ProductRead: what the API returns.
"""

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator


class ProductStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


Sku = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^[A-Z0-9-]+$")]
Title = Annotated[str, Field(max_length=200, description="Shown in listings.")]
Price = Annotated[Decimal, Field(ge=0)]
Quantity = Annotated[int, Field(ge=-2147483648, le=2147483647)]


class ProductBase(BaseModel):
    sku: Sku
    title: Title
    price: Price
    quantity: Quantity = 0
    status: ProductStatus = ProductStatus.DRAFT
    homepage: HttpUrl | None = None
    tags: list[str] = []


class ProductCreate(ProductBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "8NZ",
                    "title": "example",
                    "price": 1,
                    "quantity": 1,
                    "status": "draft",
                    "homepage": "https://example.com/",
                    "tags": ["example"],
                }
            ]
        }
    )


class ProductUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"sku": "8N0"}]}
    )

    sku: Sku | None = None
    title: Title | None = None
    price: Price | None = None
    quantity: Quantity | None = None
    status: ProductStatus | None = None
    homepage: HttpUrl | None = None
    tags: list[str] | None = None

    @field_validator("sku", "title", "price", "quantity", "status", "tags")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class ProductRead(ProductBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: dt.datetime
    updated_at: dt.datetime
