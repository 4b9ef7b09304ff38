from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated, TypedDict

from fastapi import Depends, FastAPI, Request, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./app.db"  # DATABASE_URL in the environment overrides it
    echo_sql: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()


class Base(DeclarativeBase):
    pass


class Hero(Base):
    __tablename__ = "heroes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    secret_name: Mapped[str] = mapped_column(String(100))
    age: Mapped[int | None]  # nullable, inferred from the annotation


class State(TypedDict):
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    settings = get_settings()
    # Created at startup, inside each worker process: never shared across a fork.
    engine = create_async_engine(settings.database_url, echo=settings.echo_sql)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)  # demo only: use Alembic migrations in production
        # expire_on_commit=False: objects stay readable after commit without a lazy (implicit IO) reload.
        yield {"engine": engine, "sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}
    finally:
        await engine.dispose()  # close pooled connections at shutdown


app = FastAPI(lifespan=lifespan)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:  # one session per request, closed afterwards
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class HeroCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    secret_name: str = Field(min_length=1, max_length=100)
    age: int | None = Field(default=None, ge=0)


class HeroPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    age: int | None


@app.post("/heroes", response_model=HeroPublic, status_code=status.HTTP_201_CREATED)
async def create_hero(hero_in: HeroCreate, session: SessionDep) -> Hero:
    hero = Hero(**hero_in.model_dump())
    session.add(hero)
    await session.commit()
    return hero  # still loaded: expire_on_commit=False


@app.get("/heroes", response_model=list[HeroPublic])
async def list_heroes(session: SessionDep) -> Sequence[Hero]:
    result = await session.scalars(select(Hero).order_by(Hero.id))
    return result.all()
