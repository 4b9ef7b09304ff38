from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./app.db"


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # lazy="raise": an accidental lazy load fails loudly instead of doing hidden IO.
    heroes: Mapped[list["Hero"]] = relationship(back_populates="team", lazy="raise")


class Hero(Base):
    __tablename__ = "heroes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship(back_populates="heroes", lazy="raise")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, async_sessionmaker[AsyncSession]]]:
    engine = create_async_engine(Settings().database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        async with sessionmaker.begin() as session:  # seed demo data in one transaction
            if await session.scalar(select(Team.id).limit(1)) is None:
                session.add(Team(name="Avengers", heroes=[Hero(name="Iron Man"), Hero(name="Thor")]))
        yield {"sessionmaker": sessionmaker}
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class HeroPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class TeamWithHeroes(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    heroes: list[HeroPublic]


@app.get("/teams", response_model=list[TeamWithHeroes])
async def list_teams(session: SessionDep) -> Sequence[Team]:
    # Load the relationship eagerly, in the same await: one extra SELECT ... WHERE team_id IN (...).
    result = await session.scalars(select(Team).options(selectinload(Team.heroes)).order_by(Team.id))
    return result.all()
