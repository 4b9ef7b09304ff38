"""The database: the declarative `Base`, the async engine and the per-request session.

The app's lifespan creates the engine from `Settings.database_url` (never at import
time) and keeps the session factory on `app.state`. The same code serves
`sqlite+aiosqlite://` and `postgresql+asyncpg://` URLs.
"""

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Every ORM model inherits from it; the lifespan creates its metadata's tables."""


metadata: MetaData = Base.metadata


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp on every backend.

    SQLite returns naive values: they are read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return _as_utc(value)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return _as_utc(value)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def utc_now() -> dt.datetime:
    """The current time, timezone-aware: the default of timestamp columns."""
    return dt.datetime.now(dt.UTC)


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for `database_url` (SQLite enforces foreign keys too)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(
    dbapi_connection: DBAPIConnection, connection_record: ConnectionPoolEntry
) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep their objects loaded after a commit (routes return them)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def create_tables(engine: AsyncEngine) -> None:
    """Create the missing tables (a project that outgrows this uses Alembic)."""
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)


async def drop_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


async def empty_tables(engine: AsyncEngine) -> None:
    """Delete every row (tests start from empty tables without re-creating them)."""
    async with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(table.delete())


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request.

    Leaving the block rolls back what the route did not commit, then closes it.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
