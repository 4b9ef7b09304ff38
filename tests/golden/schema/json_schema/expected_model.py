"""SQLAlchemy model of Product: the `products` table."""

import datetime as dt
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Product(Base):
    __tablename__ = "products"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    name: Mapped[str] = mapped_column(String(120))
    sku: Mapped[str | None]
    price: Mapped[float]
    stock: Mapped[int]
    category: Mapped[str] = mapped_column(String(7))
    released_on: Mapped[dt.date | None]
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    support_email: Mapped[str | None] = mapped_column(String(320))
    manual: Mapped[str | None] = mapped_column(String(2083))
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON)
    variants: Mapped[list[Any] | None] = mapped_column(JSON)
    tags: Mapped[list[Any] | None] = mapped_column(JSON)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
