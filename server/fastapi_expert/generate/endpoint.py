"""A REST resource: its spec (``EndpointSpec``) and the three modules that serve it (model, schemas, router).

The schemas and, for ``sqlalchemy``, the model come from the schema generator (``schema.py.j2``,
``orm_model.py.j2``): one resource, one set of schema classes. The router is one template, ``resource/router.py.j2``,
whose variants are parameters: the persistence (``sqlalchemy``, ``sqlmodel``, ``memory``), the operations, the
session (async or sync, the project's dependency), the filters and the timestamps. Where the modules live and how they
import each other is a ``ResourceTarget``: the standalone project's ``app/...`` modules, or a user's project.

REST semantics (the same for every persistence): ``POST /{plural}/`` 201 with the stored object; ``GET /{plural}/``
a page ``{items, total, skip, limit}`` in id order with ``limit`` bounded (422 beyond) and exact-match filters on the
indexed and unique fields; ``GET/PATCH/DELETE /{plural}/{id}`` 404 when missing, PATCH partial, DELETE 204; a taken
unique value 409 (the database decides: ``IntegrityError``, rollback, 409). Ids and unbounded int fields are bounded
to the SQL INTEGER range, so a huge number is a 422, never a driver overflow.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fastapi_expert.errors import SpecError, TemplateError
from fastapi_expert.generate.layout import ColumnView, SchemaLayout, layout
from fastapi_expert.generate.naming import ResourceNames, resource_names
from fastapi_expert.generate.payloads import patch_change, payloads, python_source
from fastapi_expert.generate.render import LINE_LENGTH, format_code, render
from fastapi_expert.generate.specs import FieldSpec, SchemaSpec, spec_error
from fastapi_expert.models import GeneratedFile
from fastapi_expert.review.ruff import RUFF_TIMEOUT

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "OPERATIONS",
    "EndpointSpec",
    "FilterView",
    "Operation",
    "PersistenceName",
    "ResourceTarget",
    "ResourceView",
    "build_endpoint_spec",
    "fix_imports",
    "generate_resource",
    "resource_view",
    "schema_spec",
]

Operation = Literal["list", "read", "create", "update", "delete"]
PersistenceName = Literal["sqlalchemy", "sqlmodel", "memory"]
OPERATIONS: tuple[Operation, ...] = get_args(Operation)
#: The SQL INTEGER range (32-bit on PostgreSQL): ids, and int fields given no bounds.
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
#: Names the list route takes as query parameters (a filter cannot have them) and the generated names of a row.
_LIST_PARAMETERS = frozenset({"skip", "limit", "session", "store", "payload", "row", "rows", "query", "changes"})
_TIMESTAMPS = ("created_at", "updated_at")
#: Field types an exact-match filter makes sense for (not floats, JSON or timestamps).
_FILTER_TYPES = {"str": "str", "int": "int", "bool": "bool", "uuid": "UUID", "email": "str", "date": "dt.date"}


class EndpointSpec(BaseModel):
    """What ``scaffold_endpoint`` is asked for, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resource: str = Field(min_length=1, max_length=40, description="The resource, singular (order, blog_post).")
    fields: list[FieldSpec] = Field(min_length=1, max_length=100)
    operations: tuple[Operation, ...] = Field(default=OPERATIONS, min_length=1)
    persistence: PersistenceName = "sqlalchemy"
    timestamps: bool = False

    @property
    def names(self) -> ResourceNames:
        return resource_names(self.resource)

    def has(self, operation: Operation) -> bool:
        return operation in self.operations


def build_endpoint_spec(
    resource: str,
    fields: Sequence[FieldSpec] | Sequence[dict[str, object]],
    *,
    operations: Sequence[str] | None = None,
    persistence: str = "sqlalchemy",
    timestamps: bool = False,
) -> EndpointSpec:
    """The validated spec; ``SpecError`` naming the argument (``resource``, ``fields[2].name``, ``operations[1]``)."""
    resource_names(resource)
    if not fields:
        raise SpecError("is empty; give the resource at least one field", argument="fields")
    if operations is not None and not operations:
        raise SpecError(f"is empty; pick some of {', '.join(OPERATIONS)}", argument="operations")
    for index, operation in enumerate(operations or ()):
        if operation not in OPERATIONS:
            raise SpecError(f"{operation!r} is not one of {', '.join(OPERATIONS)}", argument=f"operations[{index}]")
    if operations is not None and len(set(operations)) != len(operations):
        raise SpecError("names an operation twice", argument="operations")
    try:
        spec = EndpointSpec(
            resource=resource,
            fields=list(fields),
            operations=tuple(o for o in OPERATIONS if operations is None or o in operations),
            persistence=persistence,
            timestamps=timestamps,
        )
    except ValidationError as exc:
        raise spec_error(exc) from exc
    for index, field in enumerate(spec.fields):
        if field.field_type.model is not None:
            raise SpecError(
                f"{field.type!r}: nested models are not supported by scaffold_endpoint (use dict or json, or "
                "write_schema for the schemas)",
                argument=f"fields[{index}].type",
            )
        if spec.timestamps and field.name in _TIMESTAMPS:
            raise SpecError(f"{field.name!r} is added by timestamps=true", argument=f"fields[{index}].name")
        if _indexed(field) and field.name in _LIST_PARAMETERS:
            raise SpecError(
                f"{field.name!r} would be a list filter, which clashes with a parameter of the list route",
                argument=f"fields[{index}].name",
            )
    schema_spec(spec)  # the field set as a whole (duplicate names, `id`, enum class clashes)
    return spec


def _indexed(field: FieldSpec) -> bool:
    return field.index or field.unique


def _bounded(field: FieldSpec) -> FieldSpec:
    """An int field without bounds gets the SQL INTEGER range: a larger number is a 422, not a driver overflow."""
    if field.type != "int" or field.enum is not None:
        return field
    update: dict[str, int] = {}
    if field.ge is None and field.gt is None:
        update["ge"] = INT_MIN
    if field.le is None and field.lt is None:
        update["le"] = INT_MAX
    return field.model_copy(update=update) if update else field


def schema_spec(spec: EndpointSpec) -> SchemaSpec:
    """The schema generator's spec of the resource (``orm`` unless the persistence is ``memory``)."""
    names = spec.names
    try:
        return SchemaSpec(
            name=names.class_name, fields=[_bounded(f) for f in spec.fields], orm=spec.persistence != "memory"
        )
    except ValidationError as exc:
        raise spec_error(exc) from exc


@dataclass(frozen=True, slots=True)
class ResourceTarget:
    """Where the resource's modules go and what they import: the standalone project's layout by default."""

    model_path: str
    model_module: str
    schema_path: str
    schema_module: str
    router_path: str
    router_module: str
    #: ``from <session_module> import <session_name>``: the session dependency (``SessionDep``) or ``StoreDep``.
    session_module: str
    session_name: str
    #: The session class the helper functions annotate with, qualified (``sqlalchemy.ext.asyncio.AsyncSession``).
    session_class: str
    is_async: bool = True
    #: ``from <base_module> import <base_name>`` for the SQLAlchemy model, and the database helpers' module.
    base_module: str = "app.database"
    base_name: str = "Base"
    #: The module of ``UTCDateTime`` and ``utc_now`` (timestamps); ``None``: the model module defines them (a user's
    #: project, which has no such helpers).
    timestamps_module: str | None = "app.database"
    #: Packages counted as first-party when the imports are sorted.
    first_party: tuple[str, ...] = ("app",)
    #: When the project's dependency is a plain function (``get_db``): the router defines
    #: ``SessionDep = Annotated[<session class>, Depends(<session_name>)]`` and uses that.
    session_is_function: bool = False

    @classmethod
    def standalone(cls, spec: EndpointSpec) -> ResourceTarget:
        names = spec.names
        session_class = {
            "sqlalchemy": "sqlalchemy.ext.asyncio.AsyncSession",
            "sqlmodel": "sqlmodel.ext.asyncio.session.AsyncSession",
            "memory": "app.store.Store",
        }[spec.persistence]
        return cls(
            model_path=f"app/models/{names.snake}.py",
            model_module=f"app.models.{names.snake}",
            schema_path=f"app/schemas/{names.snake}.py",
            schema_module=f"app.schemas.{names.snake}",
            router_path=f"app/routers/{names.plural}.py",
            router_module=f"app.routers.{names.plural}",
            session_module="app.store" if spec.persistence == "memory" else "app.database",
            session_name="StoreDep" if spec.persistence == "memory" else "SessionDep",
            session_class=session_class,
        )


@dataclass(frozen=True, slots=True)
class FilterView:
    """``name: Annotated[annotation | None, Query(...)] = None`` on the list route."""

    name: str
    annotation: str
    description: str


@dataclass(frozen=True, slots=True)
class ResourceView:
    """Everything the router and test templates print for one resource."""

    spec: EndpointSpec
    names: ResourceNames
    target: ResourceTarget
    schema: SchemaSpec
    schema_layout: SchemaLayout
    filters: tuple[FilterView, ...]
    unique: tuple[str, ...]
    #: Fields dumped in JSON mode before they reach a column (URLs as text, JSON columns as plain JSON).
    json_fields: tuple[str, ...]
    schema_imports: tuple[str, ...]  # names imported from the schema module besides Create/Read/Update
    session_class_name: str
    session_class_module: str

    @property
    def persistence(self) -> PersistenceName:
        return self.spec.persistence

    @property
    def needs_id(self) -> bool:
        return any(op in self.spec.operations for op in ("read", "update", "delete"))

    @property
    def json_include(self) -> str:
        return "{" + ", ".join(repr(name) for name in self.json_fields) + "}" if self.json_fields else ""

    @property
    def unique_title(self) -> str:
        return " or ".join(self.unique)


def resource_view(spec: EndpointSpec, target: ResourceTarget | None = None) -> ResourceView:
    """The view the templates print (``target`` defaults to the standalone project's layout)."""
    target = target or ResourceTarget.standalone(spec)
    names = spec.names
    schema = schema_spec(spec)
    view = layout(schema)
    enum_classes = {id(field): name for name, field in schema.enum_classes()}
    filters = []
    imports: list[str] = []
    for field in schema.fields:
        if not _indexed(field):
            continue
        if field.enum is not None:
            annotation = enum_classes[id(field)]
            imports.append(annotation)
        elif field.field_type.kind == "scalar" and field.type in _FILTER_TYPES:
            annotation = _FILTER_TYPES[field.type]
        else:
            continue
        description = f"Only the {names.plural_title} whose {field.name} is this value."
        filters.append(FilterView(field.name, annotation, description))
    json_fields = tuple(f.name for f in schema.fields if f.field_type.is_json_column or f.field_type.item == "url")
    module, _, name = target.session_class.rpartition(".")
    return ResourceView(
        spec=spec,
        names=names,
        target=target,
        schema=schema,
        schema_layout=view,
        filters=tuple(filters),
        unique=tuple(f.name for f in schema.fields if f.unique),
        json_fields=json_fields,
        schema_imports=tuple(imports),
        session_class_name=name,
        session_class_module=module,
    )


def generate_resource(view: ResourceView) -> list[GeneratedFile]:
    """The model (unless in memory), schema and router modules of the resource, formatted."""
    target = view.target
    files = [GeneratedFile(path=target.schema_path, content=_schema_module(view))]
    if view.persistence == "sqlalchemy":
        files.append(GeneratedFile(path=target.model_path, content=_sqlalchemy_model(view)))
    elif view.persistence == "sqlmodel":
        files.append(GeneratedFile(path=target.model_path, content=_sqlmodel_model(view)))
    files.append(GeneratedFile(path=target.router_path, content=_python("resource/router.py.j2", view)))
    return sorted(files, key=lambda file: file.path)


def _python(template: str, view: ResourceView, **context: object) -> str:
    source = render(template, view=view, names=view.names, spec=view.spec, target=view.target, **context)
    return format_code(fix_imports(source, view.target.first_party), filename=template.rsplit("/", 1)[-1][:-3])


def _schema_module(view: ResourceView) -> str:
    """``schema.py.j2``'s module, with ``created_at``/``updated_at`` in ``{Name}Read`` when asked for."""
    schema_layout = view.schema_layout
    if view.spec.timestamps and "import datetime as dt" not in schema_layout.schema_imports:
        schema_layout = dataclasses.replace(
            schema_layout, schema_imports=("import datetime as dt", *schema_layout.schema_imports)
        )
    # The example is a valid body: the API docs show it, and whatever builds requests from the OpenAPI schema (the
    # validation's round trip, Swagger UI's "Try it out") can use it as it is.
    body = payloads(view.schema)[0]
    change = patch_change(view.schema, body)
    update_example = python_source(dict([change]) if change is not None else body)
    update = schema_layout.update
    schema_layout = dataclasses.replace(
        schema_layout,
        update=dataclasses.replace(
            update, config=(*update.config, f'json_schema_extra={{"examples": [{update_example}]}}')
        ),
    )
    source = render("schema.py.j2", spec=view.schema, layout=schema_layout, create_example=python_source(body))
    if view.spec.timestamps:
        head, marker, tail = source.partition(f"class {view.names.class_name}Read(")
        line = f"    id: {schema_layout.id_annotation}\n"
        if not marker or line not in tail:
            raise TemplateError("the Read class has no id line to add the timestamps after", template="schema.py.j2")
        stamps = "    created_at: dt.datetime\n    updated_at: dt.datetime\n"
        source = head + marker + tail.replace(line, line + stamps, 1)
    return format_code(source, filename=view.target.schema_path)


def _sqlalchemy_model(view: ResourceView) -> str:
    """``orm_model.py.j2``'s model, with the resource's table name, the target's ``Base`` and the timestamps."""
    target = view.target
    schema_layout = view.schema_layout
    base_import = f"from {target.base_module} import {target.base_name}"
    if target.base_name != "Base":
        base_import += " as Base"
    imports = [line for line in schema_layout.orm_imports if line != "from app.database import Base"]
    columns = list(schema_layout.columns)
    if view.spec.timestamps:
        if "import datetime as dt" not in imports:
            imports.insert(0, "import datetime as dt")
        imports += _timestamp_imports(target)
        columns.append(ColumnView("created_at", "dt.datetime", ("UTCDateTime", "default=utc_now")))
        columns.append(ColumnView("updated_at", "dt.datetime", ("UTCDateTime", "default=utc_now", "onupdate=utc_now")))
    imports.append(base_import)
    schema_layout = dataclasses.replace(
        schema_layout, orm_imports=tuple(imports), columns=tuple(columns), table_name=view.names.plural
    )
    source = _with_timestamp_helpers(render("orm_model.py.j2", spec=view.schema, layout=schema_layout), view)
    return format_code(fix_imports(source, target.first_party), filename=target.model_path)


#: ``UTCDateTime`` and ``utc_now`` for a model module in a project that has neither (timezone-aware timestamps on
#: every backend: SQLite gives naive values back, read as UTC).
_TIMESTAMP_HELPERS = '''

class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp on every backend (SQLite's naive values read as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return _as_utc(value)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return _as_utc(value)


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def utc_now() -> dt.datetime:
    """The current time, timezone-aware: the default of the timestamp columns."""
    return dt.datetime.now(dt.UTC)

'''


def _timestamp_imports(target: ResourceTarget) -> list[str]:
    if target.timestamps_module is not None:
        return [f"from {target.timestamps_module} import UTCDateTime, utc_now"]
    return ["from sqlalchemy import DateTime, Dialect", "from sqlalchemy.types import TypeDecorator"]


def _with_timestamp_helpers(source: str, view: ResourceView) -> str:
    """``source`` with ``_TIMESTAMP_HELPERS`` before the model class, when the target has no module of them."""
    if not view.spec.timestamps or view.target.timestamps_module is not None:
        return source
    marker = f"\nclass {view.names.class_name}("
    head, found, tail = source.partition(marker)
    if not found:
        raise TemplateError("no model class to put the timestamp helpers before", template="orm_model.py.j2")
    return head + _TIMESTAMP_HELPERS + found + tail


def _sqlmodel_model(view: ResourceView) -> str:
    """The SQLModel table: the same columns as the SQLAlchemy model, spelled as ``Field(sa_type=...)``."""
    target = view.target
    imports = [line for line in view.schema_layout.orm_imports if line != "from app.database import Base"]
    columns = []
    for column in view.schema_layout.columns:
        arguments = []
        for argument in column.arguments:
            if "=" in argument and not argument.startswith(("String(", "DateTime(")):
                arguments.append(argument)
            else:
                arguments.append(f"sa_type={argument}")
        if column.annotation.endswith("| None") or column.annotation == "Any":
            arguments.insert(0, "default=None")
        columns.append(ColumnView(column.name, column.annotation, tuple(arguments)))
    if view.spec.timestamps:
        if "import datetime as dt" not in imports:
            imports.insert(0, "import datetime as dt")
        imports += _timestamp_imports(target)
        columns.append(ColumnView("created_at", "dt.datetime", ("default_factory=utc_now", "sa_type=UTCDateTime")))
        columns.append(
            ColumnView(
                "updated_at",
                "dt.datetime",
                ("default_factory=utc_now", "sa_type=UTCDateTime", 'sa_column_kwargs={"onupdate": utc_now}'),
            )
        )
    source = render(
        "resource/sqlmodel_model.py.j2",
        view=view,
        names=view.names,
        spec=view.spec,
        target=view.target,
        imports=imports,
        columns=columns,
    )
    source = _with_timestamp_helpers(source, view)
    return format_code(fix_imports(source, target.first_party), filename=target.model_path)


def fix_imports(source: str, first_party: Sequence[str]) -> str:
    """``source`` with its imports sorted and unused ones removed (ruff's ``I`` and ``F401`` fixes, isolated)."""
    from ruff.__main__ import find_ruff_bin

    known = ", ".join(repr(name) for name in first_party)
    command = [
        str(find_ruff_bin()),
        "check",
        "--isolated",
        "--no-cache",
        "--fix",
        "--exit-zero",
        "--quiet",
        "--select",
        "I,F401",
        "--line-length",
        str(LINE_LENGTH),
        "--target-version",
        "py311",
        "--config",
        f"lint.isort.known-first-party = [{known}]",
        "--stdin-filename",
        "generated.py",
        "-",
    ]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command line; the source goes through stdin
            command, input=source.encode(), capture_output=True, timeout=RUFF_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TemplateError(f"ruff could not sort the imports: {exc}", template="generated.py") from exc
    if completed.returncode != 0:
        detail = completed.stderr.decode(errors="replace").strip()[-2000:]
        raise TemplateError(f"ruff could not sort the imports: {detail}", template="generated.py")
    return completed.stdout.decode()
