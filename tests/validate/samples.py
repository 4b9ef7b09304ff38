"""Files the validation tests and the benchmark lay over the reference app: a clean 5-route resource, and code
that fails on purpose (each constant says how)."""

from __future__ import annotations

BOOK_MODEL = '''\
"""A book of the catalogue."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Base


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int]
'''

BOOK_SCHEMAS = '''\
"""What clients send and receive for books."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Title = Annotated[str, Field(min_length=1, max_length=200)]
Pages = Annotated[int, Field(ge=1, le=100_000)]


class BookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    pages: Pages


class BookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    pages: Pages | None = None


class BookRead(BookCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int


class BookPage(BaseModel):
    items: list[BookRead]
    total: int
    skip: int
    limit: int
'''

BOOK_ROUTER = '''\
"""Books: create, list, read, update and delete at ``/books/``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import func, select

from ..database import SessionDep
from ..models.book import Book
from ..schemas.book import BookCreate, BookPage, BookRead, BookUpdate

router = APIRouter(prefix="/books", tags=["books"])


@router.post("/", status_code=status.HTTP_201_CREATED)
async def create_book(book_in: BookCreate, session: SessionDep) -> BookRead:
    book = Book(**book_in.model_dump())
    session.add(book)
    await session.commit()
    return BookRead.model_validate(book)


@router.get("/")
async def list_books(
    session: SessionDep,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> BookPage:
    total = await session.scalar(select(func.count()).select_from(Book))
    books = await session.scalars(select(Book).order_by(Book.id).offset(skip).limit(limit))
    items = [BookRead.model_validate(book) for book in books]
    return BookPage(items=items, total=total or 0, skip=skip, limit=limit)


@router.get("/{book_id}")
async def read_book(book_id: int, session: SessionDep) -> BookRead:
    book = await session.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    return BookRead.model_validate(book)


@router.patch("/{book_id}")
async def update_book(book_id: int, patch: BookUpdate, session: SessionDep) -> BookRead:
    book = await session.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    for field, value in patch.model_dump(exclude_unset=True).items():
        setattr(book, field, value)
    await session.commit()
    return BookRead.model_validate(book)


@router.delete("/{book_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_book(book_id: int, session: SessionDep) -> None:
    book = await session.get(Book, book_id)
    if book is None:
        raise HTTPException(status_code=404, detail="Book not found")
    await session.delete(book)
    await session.commit()
'''

#: A complete resource: model, schemas and a router with five routes.
BOOK_FILES: dict[str, str] = {
    "app/models/book.py": BOOK_MODEL,
    "app/schemas/book.py": BOOK_SCHEMAS,
    "app/routers/books.py": BOOK_ROUTER,
}

#: One schema module and nothing else (what write_schema returns).
SCHEMA_ONLY: dict[str, str] = {"app/schemas/book.py": BOOK_SCHEMAS}


def router_module(body: str, *, imports: str = "") -> str:
    """A router module ``app/routers/probe.py`` whose module level runs ``body`` (hostile or broken code)."""
    return f'''\
"""A probe."""

from __future__ import annotations

{imports}
from fastapi import APIRouter

router = APIRouter(prefix="/probe")

{body}


@router.get("/")
async def read_probe() -> dict[str, str]:
    return {{"probe": "ok"}}
'''
