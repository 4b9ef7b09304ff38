from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./app.db"


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())  # set by the database
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


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
    async with request.state.sessionmaker() as session:  # closing rolls back anything left uncommitted
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

Sku = Annotated[str, Field(pattern=r"^[A-Z0-9-]{3,32}$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Price = Annotated[int, Field(ge=0)]


class ItemCreate(BaseModel):
    sku: Sku
    name: Name
    price_cents: Price


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    name: Name | None = None
    price_cents: Price | None = None

    @field_validator("sku", "name", "price_cents")
    @classmethod
    def not_null(cls, value: object) -> object:
        if value is None:  # omitted fields skip validators; an explicit null reaches here
            raise ValueError("cannot be null")
        return value


class ItemRead(ItemCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime


async def commit_or_409(session: AsyncSession) -> None:
    # Let the UNIQUE constraint decide: a check-then-insert races under concurrency.
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()  # the session is unusable until rolled back
        raise HTTPException(status.HTTP_409_CONFLICT, "An item with this SKU already exists") from exc


async def get_item_or_404(session: AsyncSession, item_id: int) -> Item:
    item = await session.get(Item, item_id)  # primary-key lookup, served from the identity map if loaded
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return item


@app.post("/items", response_model=ItemRead, status_code=status.HTTP_201_CREATED)
async def create_item(item_in: ItemCreate, session: SessionDep) -> Item:
    item = Item(**item_in.model_dump())
    session.add(item)
    await commit_or_409(session)
    # No refresh needed: id and created_at come back with INSERT ... RETURNING (PostgreSQL, SQLite, MariaDB).
    return item


@app.get("/items", response_model=list[ItemRead])
async def list_items(session: SessionDep) -> Sequence[Item]:
    return (await session.scalars(select(Item).order_by(Item.id))).all()


@app.get("/items/{item_id}", response_model=ItemRead)
async def read_item(item_id: int, session: SessionDep) -> Item:
    return await get_item_or_404(session, item_id)


@app.patch("/items/{item_id}", response_model=ItemRead)
async def update_item(item_id: int, patch: ItemUpdate, session: SessionDep) -> Item:
    item = await get_item_or_404(session, item_id)
    for field, value in patch.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    await commit_or_409(session)
    await session.refresh(item)  # the UPDATE expired updated_at (set by SQL); reload it explicitly, with await
    return item


@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: int, session: SessionDep) -> None:
    item = await get_item_or_404(session, item_id)
    await session.delete(item)
    await session.commit()
