from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings
from sqlalchemy import Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    skip: int
    limit: int


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./app.db"


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_published_on_id", "published_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[date]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    engine = create_async_engine(Settings().database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield {"sessionmaker": async_sessionmaker(engine, expire_on_commit=False)}
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class ArticleIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    published_on: date


class ArticleOut(ArticleIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


@app.post("/articles", status_code=status.HTTP_201_CREATED)
async def create_article(article_in: ArticleIn, session: SessionDep) -> ArticleOut:
    article = Article(**article_in.model_dump())
    session.add(article)
    await session.commit()
    return ArticleOut.model_validate(article)


@app.get("/articles")
async def list_articles(
    session: SessionDep,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,  # bounded: no client can ask for the whole table
) -> Page[ArticleOut]:
    # A total order: many articles share a date, so the unique id breaks ties. Without it,
    # the database may return tied rows in any order and a row can show up on two pages.
    query = select(Article).order_by(Article.published_on.desc(), Article.id.desc()).offset(skip).limit(limit)
    articles = (await session.scalars(query)).all()
    total = await session.scalar(select(func.count()).select_from(Article)) or 0
    return Page[ArticleOut](
        items=[ArticleOut.model_validate(article) for article in articles], total=total, skip=skip, limit=limit
    )
