import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings
from sqlalchemy import Index, String, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

T = TypeVar("T")


class CursorPage(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None  # null on the last page


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


def encode_cursor(article: Article) -> str:
    # Opaque to clients: the sort key of the last row they saw.
    return base64.urlsafe_b64encode(f"{article.published_on.isoformat()}|{article.id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[date, int]:
    try:
        published_on, article_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return date.fromisoformat(published_on), int(article_id)
    except ValueError as exc:  # bad base64, bad UTF-8, wrong shape, bad date or id
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Invalid cursor") from exc


@app.post("/articles", status_code=status.HTTP_201_CREATED)
async def create_article(article_in: ArticleIn, session: SessionDep) -> ArticleOut:
    article = Article(**article_in.model_dump())
    session.add(article)
    await session.commit()
    return ArticleOut.model_validate(article)


@app.get("/articles")
async def list_articles(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> CursorPage[ArticleOut]:
    query = select(Article).order_by(Article.published_on.desc(), Article.id.desc()).limit(limit + 1)
    if cursor is not None:
        # Keyset: continue strictly after the last row seen. Uses the index, no OFFSET scan, and rows
        # inserted meanwhile cannot shift later pages.
        query = query.where(tuple_(Article.published_on, Article.id) < tuple_(*decode_cursor(cursor)))
    articles = (await session.scalars(query)).all()
    has_more = len(articles) > limit  # fetched one extra row to know whether there is a next page
    articles = articles[:limit]
    return CursorPage[ArticleOut](
        items=[ArticleOut.model_validate(article) for article in articles],
        next_cursor=encode_cursor(articles[-1]) if has_more else None,
    )
