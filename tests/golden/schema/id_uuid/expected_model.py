"""SQLAlchemy model of ApiClient: the `api_clients` table."""

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class ApiClient(Base):
    __tablename__ = "api_clients"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    label: Mapped[str] = mapped_column(String(80), unique=True)
    owner: Mapped[UUID] = mapped_column(index=True)
    homepage: Mapped[str | None] = mapped_column(String(2083))
    rate_limit: Mapped[int]
    scopes: Mapped[list[Any]] = mapped_column(JSON)
