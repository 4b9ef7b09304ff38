from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    heroes: Mapped[list["Hero"]] = relationship()  # default lazy="select": loads on first attribute access


class Hero(Base):
    __tablename__ = "heroes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, async_sessionmaker]]:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    async with sessionmaker.begin() as session:
        session.add(Team(name="Avengers", heroes=[Hero(name="Thor")]))
    yield {"sessionmaker": sessionmaker}
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/teams")
async def list_teams(request: Request) -> list[dict[str, object]]:
    async with request.state.sessionmaker() as session:
        teams = (await session.scalars(select(Team))).all()  # WRONG: no selectinload(Team.heroes)
        return [{"name": team.name, "heroes": [hero.name for hero in team.heroes]} for team in teams]
