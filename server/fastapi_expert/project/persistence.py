"""How a project talks to its database: the session dependency its routes use, its declarative base, the flavour.

The session dependency is a module-level generator function that yields an ORM session (``def get_db(): db =
SessionLocal(); try: yield db ...``, ``async def get_session(): async with async_session() as session: yield
session``, ``def get_db() -> Generator[Session, None, None]: with Session(engine) as session: yield session``), told
by its return annotation or by what it binds, also through a session factory imported from another module; and,
when the project has one, the ``Annotated`` alias over it (``SessionDep = Annotated[Session, Depends(get_db)]``),
which is what new code should use. Test modules (whose ``override_get_db`` yields sessions too) are left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from fastapi_expert.project.sources import Module, ProjectSources
from fastapi_expert.review.index import ASYNC_SESSIONS, SYNC_SESSIONS, FunctionNode, fastapi_names

__all__ = ["ModelBase", "Persistence", "SessionDependency", "find_model_base", "find_session", "persistence_of"]

Persistence = Literal["sqlalchemy-async", "sqlalchemy-sync", "sqlmodel", "none"]

_SESSIONS = SYNC_SESSIONS | ASYNC_SESSIONS
_DEPENDS = fastapi_names("Depends")
_PREFERRED_NAMES = ("get_db", "get_session", "get_async_session", "get_db_session", "get_async_db")
_DECLARATIVE_CLASSES = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
    }
)
_DECLARATIVE_FUNCTIONS = frozenset(
    {
        "sqlalchemy.orm.declarative_base",
        "sqlalchemy.orm.decl_api.declarative_base",
        "sqlalchemy.ext.declarative.declarative_base",
    }
)
_SQLMODEL = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
_ASYNC_ENGINES = frozenset({"sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.ext.asyncio.AsyncSession"})


@dataclass(frozen=True, slots=True)
class SessionDependency:
    """What a route should depend on to get a database session, and what it yields."""

    name: str  # what new code uses: the alias (``SessionDep``) when there is one, else the function (``get_db``)
    kind: Literal["annotated", "function"]
    module: str  # where ``name`` is defined
    path: str
    line: int
    function: str  # the generator function yielding the session
    function_module: str
    function_path: str
    session_class: str  # qualified: ``sqlalchemy.orm.Session``, ``sqlmodel.Session``, ``...asyncio.AsyncSession``
    is_async: bool


@dataclass(frozen=True, slots=True)
class ModelBase:
    """The base the project's ORM models derive from."""

    kind: Literal["declarative-base-class", "declarative-base-call", "sqlmodel"]
    name: str  # ``Base``, or ``SQLModel``
    module: str  # where it is defined (``sqlmodel`` for SQLModel itself)
    path: str | None  # None for SQLModel
    line: int | None


# -- session dependency ------------------------------------------------------------------------------------------------


def find_session(sources: ProjectSources, modules: tuple[Module, ...]) -> SessionDependency | None:
    """The project's session dependency (alias preferred), or ``None`` when it has none."""
    functions: list[tuple[Module, FunctionNode, str]] = []
    for module in modules:
        if "yield" not in module.source.text:
            continue
        for statement in module.tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and _yields(module, statement):
                session_class = _session_class(sources, module, statement)
                if session_class is not None:
                    functions.append((module, statement, session_class))
    if not functions:
        return None
    functions.sort(key=lambda found: _PREFERRED_NAMES.index(found[1].name) if found[1].name in _PREFERRED_NAMES else 99)
    by_identity = {(module.name, function.name): (module, function, cls) for module, function, cls in functions}
    for module in modules:
        for name, value in module.index.module_constants.items():
            if not isinstance(value, ast.Subscript):
                continue
            _, metadata = module.index.annotated_parts(value)
            for item in metadata:
                target = _depends_target(module, item)
                if target is None:
                    continue
                qualified = module.resolve(target)
                definition = sources.definition(qualified) if qualified and not qualified.startswith("<") else None
                key = (
                    (definition.module.name, definition.name)
                    if definition is not None
                    else (module.name, qualified.removeprefix("<local>."))
                    if qualified
                    else None
                )
                if key in by_identity:
                    function_module, function, session_class = by_identity[key]
                    return _dependency(module, name, "annotated", function_module, function, session_class)
    module, function, session_class = functions[0]
    return _dependency(module, function.name, "function", module, function, session_class)


def _dependency(
    module: Module,
    name: str,
    kind: Literal["annotated", "function"],
    function_module: Module,
    function: FunctionNode,
    session_class: str,
) -> SessionDependency:
    line = function.lineno
    if kind == "annotated":
        line = next(
            (
                s.lineno
                for s in module.tree.body
                if isinstance(s, ast.Assign | ast.AnnAssign)
                and any(isinstance(t, ast.Name) and t.id == name for t in _targets(s))
            ),
            line,
        )
    return SessionDependency(
        name=name,
        kind=kind,
        module=module.name,
        path=module.path,
        line=line,
        function=function.name,
        function_module=function_module.name,
        function_path=function_module.path,
        session_class=session_class,
        is_async=session_class in ASYNC_SESSIONS or isinstance(function, ast.AsyncFunctionDef),
    )


def _targets(statement: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return statement.targets if isinstance(statement, ast.Assign) else [statement.target]


def _depends_target(module: Module, node: ast.expr) -> ast.expr | None:
    if isinstance(node, ast.Call) and module.resolve(node.func) in _DEPENDS and node.args:
        return node.args[0]
    return None


def _yields(module: Module, function: FunctionNode) -> bool:
    if "yield" not in module.source.segment(function):
        return False  # the text says so much faster than the tree
    return any(isinstance(node, ast.Yield) for node in module.index.own_nodes(function))


def _session_class(sources: ProjectSources, module: Module, function: FunctionNode) -> str | None:
    """The session class ``function`` yields: named in its return annotation, or bound in its body (directly or
    through a session factory, here or imported)."""
    candidates: list[str] = []
    if function.returns is not None:
        for node in ast.walk(function.returns):
            if isinstance(node, ast.Name | ast.Attribute):
                candidates.append(module.resolve(node) or "")
    candidates += module.index.local_types(function).values()
    for node in module.index.own_nodes(function):  # with SessionLocal() as db / db = SessionLocal()
        if isinstance(node, ast.Call):
            candidates.append(module.resolve(node.func) or "")
    for candidate in candidates:
        if candidate in _SESSIONS:
            return candidate
    for candidate in candidates:
        definition = sources.definition(candidate) if candidate and not candidate.startswith("<") else None
        if definition is not None and not definition.attributes:
            built = definition.module.index.session_factories.get(definition.name)
            if built is not None:
                return built
    return None


# -- declarative base --------------------------------------------------------------------------------------------------


def find_model_base(modules: tuple[Module, ...]) -> ModelBase | None:
    """The project's declarative base (a ``DeclarativeBase`` subclass or ``declarative_base()``), else SQLModel when
    the project declares ``table=True`` models, else ``None``."""
    uses_sqlmodel = False
    for module in modules:
        for statement in module.tree.body:
            if isinstance(statement, ast.ClassDef):
                bases = {module.resolve(base) for base in statement.bases}
                if bases & _DECLARATIVE_CLASSES:
                    return ModelBase(
                        "declarative-base-class", statement.name, module.name, module.path, statement.lineno
                    )
                if any(k.arg == "table" for k in statement.keywords) and _derives_from_sqlmodel(module, statement):
                    uses_sqlmodel = True
            elif isinstance(statement, ast.Assign | ast.AnnAssign) and isinstance(statement.value, ast.Call):
                call = statement.value
                declarative = module.resolve(call.func) in _DECLARATIVE_FUNCTIONS or (
                    isinstance(call.func, ast.Attribute) and call.func.attr == "generate_base"
                )
                names = [t.id for t in _targets(statement) if isinstance(t, ast.Name)]
                if declarative and names:
                    return ModelBase("declarative-base-call", names[0], module.name, module.path, statement.lineno)
    return ModelBase("sqlmodel", "SQLModel", "sqlmodel", None, None) if uses_sqlmodel else None


def _derives_from_sqlmodel(module: Module, node: ast.ClassDef) -> bool:
    return node.name in module.index.subclasses_of(_SQLMODEL) or any(
        module.resolve(base) in _SQLMODEL for base in node.bases
    )


def persistence_of(
    modules: tuple[Module, ...], session: SessionDependency | None, base: ModelBase | None
) -> Persistence:
    """``sqlmodel``, ``sqlalchemy-async``, ``sqlalchemy-sync`` or ``none``, from the session and base found (and, when
    there is no session dependency, from what the modules import)."""
    if (session is not None and session.session_class.startswith("sqlmodel")) or (
        base is not None and base.kind == "sqlmodel"
    ):
        return "sqlmodel"
    if session is not None:
        return "sqlalchemy-async" if session.is_async else "sqlalchemy-sync"
    imported = {qualified for module in modules for qualified in module.index.imports.values()}
    if imported & _ASYNC_ENGINES:
        return "sqlalchemy-async"
    if base is not None or any(name.startswith("sqlalchemy") for name in imported):
        return "sqlalchemy-sync"
    return "none"
