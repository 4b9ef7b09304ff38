from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import String
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Hero(Base):
    __tablename__ = "heroes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, async_sessionmaker]]:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield {"sessionmaker": async_sessionmaker(engine)}  # WRONG for async: expire_on_commit defaults to True
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/heroes")
async def create_hero(name: str, request: Request) -> dict[str, str]:
    async with request.state.sessionmaker() as session:
        hero = Hero(name=name)
        session.add(hero)
        await session.commit()  # expires every attribute of `hero`
        return {"name": hero.name}  # reading it triggers a lazy refresh: implicit IO outside await
