"""The database layer: the declarative ``Base``, the engine and the per-request ``AsyncSession`` dependency.

The app's lifespan creates the engine and its session factory from ``Settings.database_url`` and keeps them on
``app.state``: never at import time, so importing the app (or a module of it) opens no connection, and each app (each
test) has its own. The same code serves ``sqlite+aiosqlite://`` and ``postgresql+asyncpg://`` URLs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Every ORM model inherits from it; the lifespan creates the tables of its ``metadata``."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp on every backend.

    PostgreSQL stores ``timestamptz`` and returns aware values; SQLite has no time zones and returns naive ones,
    which this type reads back as UTC, so responses are the same on both. A naive value written is taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _as_utc(value)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def utc_now() -> datetime:
    """The current time, timezone-aware: the default of timestamp columns."""
    return datetime.now(UTC)


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for ``database_url``. SQLite gets foreign keys enforced, as PostgreSQL does."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # Connections dropped by the server (restart, idle timeout) are replaced instead of failing a request.
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(dbapi_connection: DBAPIConnection, connection_record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request. Leaving the block rolls back whatever the route did not commit, then closes it."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
