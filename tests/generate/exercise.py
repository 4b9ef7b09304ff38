"""Generated schemas, imported and exercised in-process: mounted in a copy of the reference app under a temporary
folder, then driven with valid data, with one violation per constraint, through the update model, through an ORM row
in SQLite, and through the probe router with a ``TestClient``.

``mounted`` puts the copy first on ``sys.path`` and removes every ``app`` module afterwards, so tests never see
each other's ``app`` package.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from fastapi_expert.generate.schema import probe_files
from fastapi_expert.generate.specs import FieldSpec, SchemaSpec
from fastapi_expert.models import GeneratedFile
from fastapi_expert.validate.examples import example_for
from fastapi_expert.validate.reference import copy_reference_app

_EXPECTED_ERROR = {
    "min_length": {"string_too_short", "too_short"},
    "max_length": {"string_too_long", "too_long", "value_error", "url_too_long"},
    "ge": {"greater_than_equal"},
    "gt": {"greater_than"},
    "le": {"less_than_equal"},
    "lt": {"less_than"},
    "pattern": {"string_pattern_mismatch"},
    "enum": {"enum", "literal_error"},
}
_WRONG_TYPE: dict[str, object] = {
    "str": 12,
    "int": "twelve",
    "float": "twelve",
    "bool": "maybe",
    "decimal": "twelve",
    "datetime": "yesterday",
    "date": "2024-13-45",
    "uuid": "not-a-uuid",
    "email": "not-an-email",
    "url": "not a url",
}


def _purge_app_modules() -> None:
    for name in [n for n in sys.modules if n == "app" or n.startswith("app.")]:
        del sys.modules[name]


@contextmanager
def mounted(root: Path, files: Sequence[GeneratedFile]) -> Iterator[Path]:
    """A copy of the reference app in ``root`` with ``files`` laid over it, importable as ``app`` meanwhile."""
    copy_reference_app(root)
    for file in files:
        path = root / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.content, encoding="utf-8")
    _purge_app_modules()
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        _purge_app_modules()


def schema_module(spec: SchemaSpec) -> ModuleType:
    return importlib.import_module(f"app.schemas.{spec.snake_name}")


def classes(spec: SchemaSpec) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    module = schema_module(spec)
    return (
        getattr(module, f"{spec.name}Create"),
        getattr(module, f"{spec.name}Update"),
        getattr(module, f"{spec.name}Read"),
    )


def valid_example(create: type[BaseModel]) -> dict[str, Any]:
    """A valid create body, drawn from the model's own JSON schema (an oracle independent of the generator)."""
    schema = create.model_json_schema()
    example = example_for(schema, root=schema)
    assert isinstance(example, dict)
    return example


def _key(spec: FieldSpec) -> str:
    return spec.alias or spec.name


def _violations(spec: FieldSpec, valid: object) -> Iterator[tuple[str, object]]:
    """``(constraint, value)`` pairs: a value that breaks exactly that constraint of the field."""
    kind = spec.field_type
    listy = kind.kind in {"list", "dict"}
    item = (valid[0] if isinstance(valid, list) and valid else "x") if kind.kind == "list" else None
    if spec.min_length:
        if listy:
            yield "min_length", [item] * (spec.min_length - 1) if kind.kind == "list" else {}
        else:
            yield "min_length", "a" * (spec.min_length - 1)
    if spec.max_length is not None:
        if kind.kind == "list":
            yield "max_length", [item] * (spec.max_length + 1)
        elif kind.kind == "dict":
            yield "max_length", {f"k{i}": i for i in range(spec.max_length + 1)}
        elif kind.item == "str":
            yield "max_length", "a" * (spec.max_length + 1)
    for name, step in (("ge", -1), ("gt", 0), ("le", 1), ("lt", 0)):
        bound = getattr(spec, name)
        if bound is not None:
            yield name, bound + step
    if spec.pattern is not None:
        size = max(spec.min_length or 0, 1)
        misses = [c * size for c in ("!", " ", "a", "0", "é") if re.search(spec.pattern, c * size) is None]
        if misses:
            yield "pattern", misses[0]
    if spec.enum is not None:
        yield "enum", "not-one-of-them"


def check_constraints(spec: SchemaSpec, create: type[BaseModel], valid: dict[str, Any]) -> int:
    """Each constraint's violation is rejected at that field with the constraint's error; returns how many ran."""
    checked = 0
    for field in [f for f in spec.fields if not f.allows_null or f.constraints() or f.enum]:
        key = _key(field)
        cases = list(_violations(field, valid.get(key)))
        if field.type in _WRONG_TYPE and field.type != "json":
            cases.append(("type", _WRONG_TYPE[field.type]))
        for constraint, value in cases:
            with pytest.raises(ValidationError) as info:
                create.model_validate({**valid, key: value})
            errors = [e for e in info.value.errors() if e["loc"][:1] == (key,)]
            assert errors, f"{key}={value!r} broke no check of {key} ({info.value})"
            if constraint != "type":
                types = {e["type"] for e in errors}
                assert types & _EXPECTED_ERROR[constraint], f"{key} {constraint}: {types}"
            checked += 1
        if not field.optional:
            with pytest.raises(ValidationError) as info:
                create.model_validate({k: v for k, v in valid.items() if k != key})
            assert any(e["type"] == "missing" and e["loc"] == (key,) for e in info.value.errors())
            checked += 1
    return checked


def check_update(spec: SchemaSpec, update: type[BaseModel], valid: dict[str, Any]) -> None:
    """Empty update, one-field partial updates, nulls refused where the field is not nullable, extras refused."""
    empty = update()
    assert empty.model_dump(exclude_unset=True) == {}
    for field in spec.fields:
        key = _key(field)
        if key in valid:
            partial = update.model_validate({key: valid[key]})
            assert set(partial.model_dump(exclude_unset=True)) == {field.name}
        if field.allows_null:
            assert update.model_validate({key: None}).model_dump(exclude_unset=True) == {field.name: None}
        else:
            with pytest.raises(ValidationError, match="cannot be null"):
                update.model_validate({key: None})
    with pytest.raises(ValidationError, match=r"extra_forbidden|Extra inputs"):
        update.model_validate({"no_such_field_at_all": 1})


def json_values(spec: SchemaSpec, instance: BaseModel, **dump: Any) -> dict[str, Any]:
    """``model_dump()`` with JSON columns and URLs in their JSON form, as the ORM model stores them."""
    values = instance.model_dump(**dump)
    through_json = {f.name for f in spec.fields if f.field_type.is_json_column or f.field_type.item == "url"}
    values.update(instance.model_dump(mode="json", include=through_json, **dump))
    return values


def check_orm(spec: SchemaSpec, create: type[BaseModel], read: type[BaseModel], valid: dict[str, Any]) -> None:
    """A row inserted from the create model, read back through ``{Name}Read.model_validate(row)``."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    database = importlib.import_module("app.database")
    model = getattr(importlib.import_module(f"app.models.{spec.snake_name}"), spec.name)
    engine = create_engine("sqlite://")
    try:
        database.Base.metadata.create_all(engine, tables=[model.__table__])
        created = create.model_validate(valid)
        with Session(engine, expire_on_commit=False) as session:
            row = model(**json_values(spec, created))
            session.add(row)
            session.commit()
            fetched = session.get(model, row.id)
        answer = read.model_validate(fetched)
        assert answer.id == row.id  # type: ignore[attr-defined]
        shared = set(read.model_fields) - {"id"}
        expected = created.model_dump(mode="json", include=shared)
        got = answer.model_dump(mode="json", include=shared)
        for name in shared:
            if isinstance(expected[name], str) and spec_type(spec, name) == "datetime":
                continue  # SQLite keeps no offset: compared as instants below
            assert got[name] == expected[name], name
    finally:
        engine.dispose()


def spec_type(spec: SchemaSpec, name: str) -> str:
    return next(f.type for f in spec.fields if f.name == name)


def check_routes(spec: SchemaSpec, root: Path, valid: dict[str, Any]) -> None:
    """The probe's create and update answer through a started app, and /openapi.json builds."""
    from fastapi.testclient import TestClient

    main = importlib.import_module("app.main")
    settings = importlib.import_module("app.settings").Settings(database_url=f"sqlite+aiosqlite:///{root / 'p.db'}")
    with TestClient(main.create_app(settings)) as client:
        created = client.post(f"/probe/{spec.snake_name}/", json=valid)
        assert created.status_code == 201, created.text
        body = created.json()
        assert "id" in body
        for field in spec.fields:
            assert (_key(field) in body) is not field.write_only, field.name
        updated = client.patch(f"/probe/{spec.snake_name}/{body['id']}", json={})
        assert updated.status_code == 200, updated.text
        assert client.get("/openapi.json").status_code == 200


def exercise(spec: SchemaSpec, files: Sequence[GeneratedFile], root: Path) -> int:
    """Mount ``files`` (and the probe) and run every check; returns how many constraint checks ran."""
    with mounted(root, [*files, *probe_files(spec)]):
        create, update, read = classes(spec)
        valid = valid_example(create)
        assert create.model_validate(valid).model_dump(mode="json", by_alias=True).keys() >= valid.keys()
        read.model_validate({**valid, "id": _an_id(spec)})
        checked = check_constraints(spec, create, valid)
        check_update(spec, update, valid)
        if spec.orm:
            check_orm(spec, create, read, valid)
        check_routes(spec, root, valid)
    return checked


def _an_id(spec: SchemaSpec) -> object:
    return "3fa85f64-5717-4562-b3fc-2c963f66afa6" if spec.id_type == "uuid" else 7
