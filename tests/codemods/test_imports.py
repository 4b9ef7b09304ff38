"""The imports the codemod adds: names in isort order, new statements where isort puts them when the module's
imports were sorted (ruff's I001 stays silent), and a module whose imports were not sorted keeps its order."""

from __future__ import annotations

import subprocess
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from ruff.__main__ import find_ruff_bin

from fastapi_expert.codemods.imports import add_imports, isort_key
from fastapi_expert.codemods.single import add_auth_to_source


def added(source: str, *imports: tuple[str, str | None, str | None]) -> str:
    context = CodemodContext()
    for module, name, alias in imports:
        AddImportsVisitor.add_needed_import(context, module, name, asname=alias)
    return add_imports(context, cst.parse_module(source), first_party={"auth"}).code


def test_constants_then_classes_then_the_rest_case_insensitively() -> None:
    names = ["status", "Depends", "HTTP_X", "APIRouter", "apple", "FastAPI"]
    assert sorted(names, key=isort_key) == ["HTTP_X", "APIRouter", "Depends", "FastAPI", "apple", "status"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("from fastapi import APIRouter\n\nx = 1\n", "from fastapi import APIRouter, Depends\n\nx = 1\n"),
        ("from fastapi import FastAPI, status\nx = 1\n", "from fastapi import Depends, FastAPI, status\nx = 1\n"),
        (
            "from fastapi import (\n    APIRouter,\n    FastAPI,\n)\n\nx = 1\n",
            "from fastapi import (\n    APIRouter,\n    Depends,\n    FastAPI,\n)\n\nx = 1\n",
        ),
        (
            "from fastapi import (APIRouter, FastAPI)  # web\n\nx = 1\n",
            "from fastapi import (APIRouter, Depends, FastAPI)  # web\n\nx = 1\n",
        ),
    ],
)
def test_an_extended_statement_gets_its_names_sorted_in_its_own_layout(before: str, after: str) -> None:
    assert added(before, ("fastapi", "Depends", None)) == after


def test_an_unsorted_block_keeps_its_order_only_the_touched_names_are_sorted() -> None:
    before = "from typing import cast, Annotated\nfrom fastapi import APIRouter\n\nx = 1\n"
    after = added(before, ("fastapi", "Depends", None), ("auth", "require_auth", None))
    assert after == (
        "from typing import cast, Annotated\nfrom fastapi import APIRouter, Depends\n"
        "from auth import require_auth\n\nx = 1\n"
    )


def test_a_sorted_block_gets_the_new_statement_in_its_section() -> None:
    before = '"""Doc."""\n\nimport os\n\nfrom fastapi import APIRouter\n\nfrom .db import Session\n\nx = 1\n'
    after = added(before, ("fastapi", "Depends", None), ("auth", "require_auth", None))
    assert after == (
        '"""Doc."""\n\nimport os\n\nfrom fastapi import APIRouter, Depends\n\nfrom auth import require_auth\n\n'
        "from .db import Session\n\nx = 1\n"
    )


def test_nothing_scheduled_nothing_changed() -> None:
    source = "from fastapi import FastAPI  # keep\napp = FastAPI()\n"
    assert add_imports(CodemodContext(), cst.parse_module(source)).code == source


SORTED_MODULES = {
    "main.py": '''"""One module, imports sorted (ruff's isort)."""

import logging
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path

app = FastAPI()
admin = APIRouter(prefix="/admin")


@app.post("/items")
def create(item_id: Annotated[int, Path()]) -> int:
    logging.info("created")
    return item_id


@admin.delete("/all")
def wipe() -> None:
    return current_user


app.include_router(admin)
''',
    "app/routes.py": """from fastapi import (
    APIRouter,
    status,
)
from pydantic import BaseModel

from app.models import Item

from .db import Session

router = APIRouter()


@router.post("/", status_code=status.HTTP_201_CREATED)
def create(item: Item, session: Session) -> BaseModel:
    return item
""",
}


def ruff_isort(root: Path, path: str) -> str:
    command = [str(find_ruff_bin()), "check", "--isolated", "--no-cache", "--select", "I001", path]
    completed = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    return completed.stdout


@pytest.mark.parametrize("scheme", ["oauth2-password-jwt", "api-key", "http-basic"])
@pytest.mark.parametrize("path", list(SORTED_MODULES))
def test_a_module_whose_imports_were_sorted_stays_sorted(tmp_path: Path, path: str, scheme: str) -> None:
    """ruff's isort, run where the files land (the auth module next to the module, the package's other modules
    present), is silent on the original and on the edited module."""
    source = SORTED_MODULES[path]
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    for package in {"app/__init__.py", "app/models.py", "app/db.py"}:
        (tmp_path / package).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / package).write_text("")
    (tmp_path / path).write_text(source)
    assert "All checks passed" in ruff_isort(tmp_path, path)
    for file in add_auth_to_source(source, path, scheme=scheme).files:
        (tmp_path / file.path).write_text(file.content)
    assert "All checks passed" in ruff_isort(tmp_path, path), (tmp_path / path).read_text()
