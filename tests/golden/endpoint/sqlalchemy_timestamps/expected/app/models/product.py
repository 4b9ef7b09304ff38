"""SQLAlchemy model of Product: the `products` table."""

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UTCDateTime, utc_now


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal]
    quantity: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(7), index=True)
    homepage: Mapped[str | None] = mapped_column(String(2083))
    tags: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utc_now, onupdate=utc_now
    )
