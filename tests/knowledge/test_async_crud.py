"""Tests for knowledge/async-crud.md: create/read/update/delete on async SQLAlchemy with proper status codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LoadExample = Callable[[str], ModuleType]
HAMMER = {"sku": "HAM-001", "name": "Hammer", "price_cents": 1299}
NAILS = {"sku": "NAIL-100", "name": "Nails", "price_cents": 499}


@pytest.fixture
def module(load_example: LoadExample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'crud.db'}")
    return load_example("examples/async_crud/tutorial001.py")


@pytest.fixture
def client(module: ModuleType) -> Iterator[TestClient]:
    with TestClient(module.app) as client:
        yield client


def test_create_returns_201_with_database_generated_fields(client: TestClient) -> None:
    """POST answers 201 with the new row, including the server-generated id and timestamps that INSERT ... RETURNING
    brought back without a refresh."""
    response = client.post("/items", json=HAMMER)
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == 1
    assert {key: body[key] for key in HAMMER} == HAMMER
    assert body["created_at"]
    assert body["updated_at"]


def test_read_and_list(client: TestClient) -> None:
    """GET by id returns the row, an unknown id is 404, and the list is ordered by id."""
    hammer = client.post("/items", json=HAMMER).json()
    client.post("/items", json=NAILS)
    assert client.get(f"/items/{hammer['id']}").json() == hammer
    missing = client.get("/items/999")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Item not found"})
    assert [item["sku"] for item in client.get("/items").json()] == ["HAM-001", "NAIL-100"]


def test_unique_violation_is_409_and_nothing_is_written(client: TestClient) -> None:
    """A duplicate SKU hits the UNIQUE constraint: IntegrityError becomes 409 and the table is unchanged."""
    assert client.post("/items", json=HAMMER).status_code == 201
    duplicate = client.post("/items", json={**HAMMER, "name": "Other hammer"})
    assert duplicate.status_code == 409
    assert duplicate.json() == {"detail": "An item with this SKU already exists"}
    assert client.post("/items", json=NAILS).status_code == 201
    assert [item["name"] for item in client.get("/items").json()] == ["Hammer", "Nails"]


def test_patch_updates_only_sent_fields(client: TestClient) -> None:
    """PATCH applies `model_dump(exclude_unset=True)`: only the fields sent change."""
    hammer = client.post("/items", json=HAMMER).json()
    response = client.patch(f"/items/{hammer['id']}", json={"price_cents": 999})
    assert response.status_code == 200
    unchanged = {key: value for key, value in hammer.items() if key != "updated_at"}
    assert {key: value for key, value in response.json().items() if key != "updated_at"} == {
        **unchanged,
        "price_cents": 999,
    }
    assert client.get(f"/items/{hammer['id']}").json()["price_cents"] == 999


@pytest.mark.parametrize(
    ("patch", "error_type"),
    [
        ({"name": None}, "value_error"),
        ({"nmae": "typo"}, "extra_forbidden"),
        ({"price_cents": -1}, "greater_than_equal"),
    ],
)
def test_patch_rejects_nulls_typos_and_bad_values(client: TestClient, patch: dict[str, Any], error_type: str) -> None:
    """An explicit null for a NOT NULL column, an unknown field or a bad value is a 422, not a database error."""
    hammer = client.post("/items", json=HAMMER).json()
    response = client.patch(f"/items/{hammer['id']}", json=patch)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == error_type
    assert client.get(f"/items/{hammer['id']}").json() == hammer


def test_patch_to_a_taken_sku_is_409(client: TestClient) -> None:
    """Renaming to an existing SKU is a 409 as well, and the row keeps its old values."""
    hammer = client.post("/items", json=HAMMER).json()
    client.post("/items", json=NAILS)
    assert client.patch(f"/items/{hammer['id']}", json={"sku": "NAIL-100"}).status_code == 409
    assert client.get(f"/items/{hammer['id']}").json()["sku"] == "HAM-001"
    assert client.patch("/items/999", json={"name": "Ghost"}).status_code == 404


def test_delete_is_204_then_404(client: TestClient) -> None:
    """DELETE answers 204 with no body; the row is gone afterwards and a second delete is 404."""
    hammer = client.post("/items", json=HAMMER).json()
    deleted = client.delete(f"/items/{hammer['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get(f"/items/{hammer['id']}").status_code == 404
    assert client.delete(f"/items/{hammer['id']}").status_code == 404


def test_session_needs_rollback_after_integrity_error(module: ModuleType, client: TestClient) -> None:
    """After a failed flush the session refuses work (PendingRollbackError) until it is rolled back, which is
    why commit_or_409 rolls back before raising the 409."""
    client.post("/items", json=HAMMER)

    async def scenario(sessionmaker: Any) -> list[str]:
        seen: list[str] = []
        async with sessionmaker() as session:
            session.add(module.Item(**HAMMER))
            with pytest.raises(IntegrityError):
                await session.commit()
            with pytest.raises(PendingRollbackError):
                await session.scalar(select(func.count()).select_from(module.Item))
            await session.rollback()
            seen.append(f"count={await session.scalar(select(func.count()).select_from(module.Item))}")
        async with sessionmaker() as session:
            session.add(module.Item(**HAMMER))
            with pytest.raises(HTTPException) as raised:
                await module.commit_or_409(session)
            seen.append(f"status={raised.value.status_code}")
            seen.append(f"count={await session.scalar(select(func.count()).select_from(module.Item))}")
        return seen

    assert client.portal is not None
    assert client.portal.call(scenario, client.app_state["sessionmaker"]) == ["count=1", "status=409", "count=1"]


def test_refresh_reloads_columns_expired_by_an_update(module: ModuleType, client: TestClient) -> None:
    """An UPDATE expires the `onupdate=func.now()` column even with expire_on_commit=False: reading it would need
    implicit IO, so the PATCH route awaits refresh(). The INSERT, by contrast, leaves nothing unloaded."""

    async def scenario(sessionmaker: Any) -> list[set[str]]:
        async with sessionmaker() as session:
            item = module.Item(**NAILS)
            session.add(item)
            await session.commit()
            states = [set(inspect(item).unloaded)]
            item.price_cents = 599
            await session.commit()
            states.append(set(inspect(item).unloaded))
            await session.refresh(item)
            states.append(set(inspect(item).unloaded))
            return states

    assert client.portal is not None
    assert client.portal.call(scenario, client.app_state["sessionmaker"]) == [set(), {"updated_at"}, set()]
    hammer = client.post("/items", json=HAMMER).json()
    assert client.patch(f"/items/{hammer['id']}", json={"name": "Claw hammer"}).json()["updated_at"]


@pytest.mark.anyio
async def test_eager_defaults_fetches_update_computed_columns() -> None:
    """The alternative to refresh(): with eager_defaults=True the UPDATE returns the onupdate column at once."""

    class Base(DeclarativeBase):
        pass

    class Gadget(Base):
        __tablename__ = "gadgets"
        __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy reads this class attribute

        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]
        updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            gadget = Gadget(name="one")
            session.add(gadget)
            await session.commit()
            gadget.name = "two"
            await session.commit()
            assert not inspect(gadget).unloaded
    finally:
        await engine.dispose()
