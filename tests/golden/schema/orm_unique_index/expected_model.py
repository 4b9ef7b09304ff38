"""SQLAlchemy model of Customer: the `customers` table."""

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    username: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    full_name: Mapped[str | None] = mapped_column(String(100), index=True)
    level: Mapped[str] = mapped_column(String(6), index=True)
    balance: Mapped[Decimal]
    born: Mapped[dt.date | None]
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool]
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    phones: Mapped[list[Any]] = mapped_column(JSON)
    preferences: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    password: Mapped[str]
