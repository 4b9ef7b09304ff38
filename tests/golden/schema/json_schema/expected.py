"""Schemas of Product.

- ProductCreate: what a client sends to create one.
- ProductUpdate: a partial update; only the fields sent change
  (apply `model_dump(exclude_unset=True)`).
- ProductRead: what the API returns.

Datetimes are ISO 8601; send them timezone-aware (with an offset or Z).
"""

import datetime as dt
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    JsonValue,
    field_validator,
)


class DimensionsUnit(StrEnum):
    CM = "cm"
    IN = "in"


class ProductCategory(StrEnum):
    TOOLS = "tools"
    GARDEN = "garden"
    KITCHEN = "kitchen"


Width = Annotated[float, Field(ge=0)]
Height = Annotated[float, Field(ge=0)]


class Dimensions(BaseModel):
    width: Width
    height: Height
    unit: DimensionsUnit = DimensionsUnit.CM


Color = Annotated[str, Field(max_length=30)]


class Variant(BaseModel):
    model_config = ConfigDict(validate_by_name=True)

    color: Color
    extra_price: float | None = Field(default=None, alias="extraPrice")


Name = Annotated[str, Field(min_length=1, max_length=120, description="Display name.")]
Sku = Annotated[str, Field(pattern=r"^[A-Z0-9-]{4,20}$")]
Price = Annotated[float, Field(gt=0)]
Stock = Annotated[int, Field(ge=0, le=100000)]
Variants = Annotated[list[Variant], Field(max_length=20)]
Tags = Annotated[list[str], Field(min_length=1)]


class ProductBase(BaseModel):
    model_config = ConfigDict(validate_by_name=True)

    name: Name
    sku: Sku | None = None
    price: Price
    stock: Stock = 0
    category: ProductCategory
    released_on: dt.date | None = Field(default=None, alias="releasedOn")
    updated_at: dt.datetime | None = Field(default=None, alias="updatedAt")
    support_email: EmailStr | None = Field(default=None, alias="supportEmail")
    manual: HttpUrl | None = None
    dimensions: Dimensions
    variants: Variants | None = None
    tags: Tags | None = None
    extra: dict[str, JsonValue] | None = None


class ProductCreate(ProductBase):
    pass


class ProductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_by_name=True)

    name: Name | None = None
    sku: Sku | None = None
    price: Price | None = None
    stock: Stock | None = None
    category: ProductCategory | None = None
    released_on: dt.date | None = Field(default=None, alias="releasedOn")
    updated_at: dt.datetime | None = Field(default=None, alias="updatedAt")
    support_email: EmailStr | None = Field(default=None, alias="supportEmail")
    manual: HttpUrl | None = None
    dimensions: Dimensions | None = None
    variants: Variants | None = None
    tags: Tags | None = None
    extra: dict[str, JsonValue] | None = None

    @field_validator("name", "price", "stock", "category", "dimensions")
    @classmethod
    def reject_null(cls, value: object) -> object:
        # Omitted fields keep their value (validators skip defaults); null is refused.
        if value is None:
            raise ValueError("cannot be null")
        return value


class ProductRead(ProductBase):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
