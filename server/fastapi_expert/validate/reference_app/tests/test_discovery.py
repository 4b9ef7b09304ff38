"""Drop-in modules: every router module of ``app.routers`` is served, every model of ``app.models`` gets its table.

The drop-in cases run on a copy of the ``app`` package in ``tmp_path``, in a fresh interpreter (``app`` is already
imported here), so the app under test is never changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

from fastapi import APIRouter

import app
from app.models import import_models
from app.routers import discover_routers, health, notes

WIDGET_MODEL = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Widget(Base):
    __tablename__ = "widgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
"""

GADGET_MODEL = """
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class Gadget(Base):
    __tablename__ = "gadgets"

    id: Mapped[int] = mapped_column(primary_key=True)
"""

WIDGETS_ROUTER = """
from fastapi import APIRouter
from sqlalchemy import select

from app.database import SessionDep
from app.models.widget import Widget

router = APIRouter(prefix="/widgets", tags=["widgets"])


@router.post("/", status_code=201)
async def create_widget(name: str, session: SessionDep) -> dict[str, int | str]:
    widget = Widget(name=name)
    session.add(widget)
    await session.commit()
    return {"id": widget.id, "name": widget.name}


@router.get("/")
async def list_widgets(session: SessionDep) -> list[str]:
    return list(await session.scalars(select(Widget.name).order_by(Widget.id)))
"""

CHECK = """
import json
from fastapi.testclient import TestClient
from app.main import app

with TestClient(app) as client:
    created = client.post("/widgets/", params={"name": "sprocket"})
    listed = client.get("/widgets/")
print(json.dumps({
    "created": created.status_code,
    "listed": listed.json(),
    "paths": sorted(app.openapi()["paths"]),
}))
"""


def test_the_shipped_routers_are_found_in_module_order() -> None:
    assert discover_routers() == [health.router, notes.router]


def test_every_model_module_is_imported() -> None:
    assert import_models() == ["note"]


def test_a_dropped_in_router_and_models_are_served(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(Path(app.__file__).parent, project / "app", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "app/models/widget.py").write_text(WIDGET_MODEL)
    (project / "app/models/gadget.py").write_text(GADGET_MODEL)  # imported by nothing: found by the lifespan
    (project / "app/routers/widgets.py").write_text(WIDGETS_ROUTER)
    (project / "app/routers/helpers.py").write_text("def shared() -> int:\n    return 1\n")  # no router: skipped
    (project / "app/routers/labels.py").write_text("router = ['not', 'an', 'APIRouter']\n")  # skipped too
    database = tmp_path / "dropped-in.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    env.pop("PYTHONPATH", None)
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHECK)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["created"] == 201
    assert report["listed"] == ["sprocket"]
    assert report["paths"] == ["/health", "/notes/", "/notes/{note_id}", "/widgets/"]
    with closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"notes", "widgets", "gadgets"}


def test_discover_routers_returns_api_routers() -> None:
    assert all(isinstance(router, APIRouter) for router in discover_routers())
