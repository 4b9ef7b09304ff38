"""A realistic FastAPI module of about 300 lines: the file ``bench/review_corpus.py`` sends through the MCP client.

Never run: it is review input (settings, async SQLAlchemy, OAuth2 with JWT, routers, pagination, background tasks,
exception handlers, a lifespan and a WebSocket), written the way a production service's main module often is.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Generic, TypeVar

import jwt
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    FastAPI,
    HTTPException,
    Query,
    Request,
    WebSocket,
    WebSocketDisconnect,
    status,
)
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pydantic import BaseModel, ConfigDict, EmailStr, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

logger = logging.getLogger("shop")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", env_file=".env")

    database_url: str = "sqlite+aiosqlite:///./shop.db"
    jwt_secret: str = Field(min_length=32)
    jwt_algorithm: str = "HS256"
    token_minutes: int = 30
    page_size_limit: int = 100


settings = Settings()  # type: ignore[call-arg]  # jwt_secret comes from the environment
engine = create_async_engine(settings.database_url)
SessionFactory = async_sessionmaker(engine, expire_on_commit=False)
password_hash = PasswordHash.recommended()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    hashed_password: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    orders: Mapped[list[OrderRow]] = relationship(back_populates="owner")


class ProductRow(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    price_cents: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)


class OrderRow(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    owner: Mapped[UserRow] = relationship(back_populates="orders")


class UserCreate(BaseModel):
    email: EmailStr
    full_name: str | None = None
    password: str = Field(min_length=12)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: EmailStr
    full_name: str | None
    is_active: bool


class ProductCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    price_cents: int = Field(gt=0)
    stock: int = Field(default=0, ge=0)


class ProductPublic(ProductCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int


class OrderCreate(BaseModel):
    product_id: int
    quantity: int = Field(gt=0, le=100)


class OrderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    quantity: int
    created_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: str


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class OutOfStockError(Exception):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} is out of stock")
        self.product_id = product_id


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionFactory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def create_access_token(subject: str) -> str:
    expires = datetime.now(UTC) + timedelta(minutes=settings.token_minutes)
    return jwt.encode({"sub": subject, "exp": expires}, settings.jwt_secret, algorithm=settings.jwt_algorithm)


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep) -> UserRow:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        payload = jwt.decode(token, settings.jwt_secret, algorithms=[settings.jwt_algorithm])
    except jwt.InvalidTokenError as exc:
        raise unauthorized from exc
    user = await session.scalar(select(UserRow).where(UserRow.email == payload.get("sub")))
    if user is None or not user.is_active:
        raise unauthorized
    return user


CurrentUser = Annotated[UserRow, Depends(get_current_user)]


class Pagination(BaseModel):
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=20, ge=1, le=100)


PageDep = Annotated[Pagination, Query()]

auth = APIRouter(prefix="/auth", tags=["auth"])
users = APIRouter(prefix="/users", tags=["users"])
products = APIRouter(prefix="/products", tags=["products"])
orders = APIRouter(prefix="/orders", tags=["orders"], dependencies=[Depends(get_current_user)])


@auth.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep) -> Token:
    user = await session.scalar(select(UserRow).where(UserRow.email == form.username))
    if user is None or not password_hash.verify(form.password, user.hashed_password):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Incorrect email or password")
    return Token(access_token=create_access_token(user.email), token_type="bearer")  # noqa: S106


def send_welcome_email(email: str) -> None:
    logger.info("welcome email queued for %s", email)


@users.post("/", status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, session: SessionDep, tasks: BackgroundTasks) -> UserPublic:
    existing = await session.scalar(select(UserRow).where(UserRow.email == body.email))
    if existing is not None:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Email already registered")
    user = UserRow(email=body.email, full_name=body.full_name, hashed_password=password_hash.hash(body.password))
    session.add(user)
    await session.commit()
    await session.refresh(user)
    tasks.add_task(send_welcome_email, user.email)
    return UserPublic.model_validate(user)


@users.get("/me")
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@products.get("/")
async def list_products(session: SessionDep, page: PageDep, name: str | None = None) -> Page[ProductPublic]:
    query = select(ProductRow)
    if name:
        query = query.where(ProductRow.name.contains(name))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(ProductRow.id).offset(page.offset).limit(page.limit))
    return Page(
        items=[ProductPublic.model_validate(row) for row in rows],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@products.get("/{product_id}")
async def read_product(product_id: int, session: SessionDep) -> ProductPublic:
    product = await session.get(ProductRow, product_id)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    return ProductPublic.model_validate(product)


@products.post("/", status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductCreate, session: SessionDep, user: CurrentUser) -> ProductPublic:
    logger.info("user %s creates product %s", user.id, body.name)
    product = ProductRow(**body.model_dump())
    session.add(product)
    await session.commit()
    await session.refresh(product)
    return ProductPublic.model_validate(product)


@orders.post("/", status_code=status.HTTP_201_CREATED)
async def place_order(body: OrderCreate, session: SessionDep, user: CurrentUser) -> OrderPublic:
    product = await session.get(ProductRow, body.product_id, with_for_update=True)
    if product is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Product not found")
    if product.stock < body.quantity:
        raise OutOfStockError(product.id)
    product.stock -= body.quantity
    order = OrderRow(owner_id=user.id, product_id=product.id, quantity=body.quantity)
    session.add(order)
    await session.commit()
    await session.refresh(order)
    return OrderPublic.model_validate(order)


@orders.get("/")
async def list_orders(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[OrderPublic]:
    query = select(OrderRow).where(OrderRow.owner_id == user.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(OrderRow.created_at.desc()).offset(page.offset).limit(page.limit))
    return Page(
        items=[OrderPublic.model_validate(row) for row in rows],
        total=total,
        offset=page.offset,
        limit=page.limit,
    )


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(title="Shop", lifespan=lifespan)
app.include_router(auth)
app.include_router(users)
app.include_router(products)
app.include_router(orders)


@app.exception_handler(OutOfStockError)
async def out_of_stock(_: Request, exc: OutOfStockError) -> JSONResponse:
    return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": str(exc)})


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.websocket("/ws/stock/{product_id}")
async def stock_updates(websocket: WebSocket, product_id: int) -> None:
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive_text()
            if message == "ping":
                await websocket.send_text("pong")
            else:
                await websocket.send_json({"product_id": product_id, "echo": message})
    except WebSocketDisconnect:
        logger.info("stock subscriber for %s left", product_id)
