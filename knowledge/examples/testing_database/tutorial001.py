from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, status
from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Settings(BaseSettings):
    database_url: str = "sqlite+aiosqlite:///./todos.db"


settings = Settings()
engine = create_async_engine(settings.database_url)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


class Todo(Base):
    __tablename__ = "todos"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class TodoIn(BaseModel):
    title: str


class TodoOut(TodoIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionFactory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@app.post("/todos/", status_code=status.HTTP_201_CREATED)
async def create_todo(todo_in: TodoIn, session: SessionDep) -> TodoOut:
    todo = Todo(title=todo_in.title)
    session.add(todo)
    await session.commit()
    return TodoOut.model_validate(todo)


@app.get("/todos/")
async def list_todos(session: SessionDep) -> list[TodoOut]:
    todos = await session.scalars(select(Todo).order_by(Todo.id))
    return [TodoOut.model_validate(todo) for todo in todos]
