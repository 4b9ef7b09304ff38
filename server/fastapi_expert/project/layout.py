"""A FastAPI project's layout, detected statically: where its app, routers, models, schemas, database session,
settings, security code, migrations, virtualenv and tests are, and where a new router goes.

``detect_layout`` never imports or runs the project's code: it reads the files with ``ast`` (through the review
engine's ``ModuleIndex``), parses only modules that mention FastAPI, SQLAlchemy/SQLModel, settings or test clients
(and those their names lead to), and skips, recording them, the files that do not parse. Three shapes are told
apart: a ``single-module`` app (``main.py`` with ``app = FastAPI()``), a ``package`` (``app/main.py``,
``app/routers/``...), and the ``full-stack`` template's backend (``app/api/main.py`` aggregating ``app/api/routes/``
or ``app/api/v1/endpoints/``, ``app/core/``). Paths in a layout are relative POSIX paths from ``root``.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from fastapi_expert.errors import InputError
from fastapi_expert.project.migrations import AlembicSetup, find_alembic
from fastapi_expert.project.persistence import (
    ModelBase,
    Persistence,
    SessionDependency,
    find_model_base,
    find_session,
    persistence_of,
)
from fastapi_expert.project.routers import Inclusion, RouterGraph, RouterInfo
from fastapi_expert.project.routes import RouteInventory, application_modules, inventory
from fastapi_expert.project.security import SCHEME_CLASSES
from fastapi_expert.project.sources import Module, ProjectSources, UnparsedFile
from fastapi_expert.project.testing import PytestSetup, find_pytest_setup

__all__ = [
    "AppObject",
    "IncludeSite",
    "LayoutKind",
    "ModuleLocation",
    "ProjectLayout",
    "RouterPackage",
    "SchemeInstance",
    "VirtualEnv",
    "detect_layout",
]

LayoutKind = Literal["single-module", "package", "full-stack"]
_APP_MODULE_NAMES = ("main", "app", "application", "server", "api", "asgi")


@dataclass(frozen=True, slots=True)
class AppObject:
    """The FastAPI app: ``module:variable`` is what uvicorn imports (a factory's name when built by one)."""

    module: str
    variable: str
    path: str
    line: int
    factory: str | None  # the function that builds it, when it is built by one

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.variable}"


@dataclass(frozen=True, slots=True)
class ModuleLocation:
    """A module or package of the project (``exists``), or where the project's conventions put it (not ``exists``)."""

    path: str  # the file (``app/models.py``) or, for a package, its ``__init__.py``
    module: str
    package: bool
    exists: bool


@dataclass(frozen=True, slots=True)
class RouterPackage:
    """The folder router modules live in (or go in), and its import path."""

    path: str  # a folder, relative to the root (``app/routers``, ``app/api/routes``, ``.`` for the root)
    module: str  # its import path (``app.routers``; empty for the root)
    exists: bool


@dataclass(frozen=True, slots=True)
class IncludeSite:
    """Where a new router is included: next to the existing includes (or after the app is built when there are none),
    and how router modules are imported there."""

    path: str
    module: str
    receiver: str  # what ``include_router`` is called on: ``app``, ``api_router``
    function: str | None  # the factory the includes are in, if any
    after_line: int  # insert after the statement spanning these lines (1-based)
    after_end_line: int
    after_statement: str
    import_style: Literal["absolute", "relative"]
    import_from: str  # the module new router modules are imported from: ``app.routers``, ``.routers``
    import_line: int | None  # the existing ``from <import_from> import a, b`` to extend, if any
    import_statement: str | None
    reference: Literal["module", "name"]  # ``include_router(items.router)`` or ``include_router(items_router)``


@dataclass(frozen=True, slots=True)
class SchemeInstance:
    """A security scheme the project already builds (``reusable_oauth2 = OAuth2PasswordBearer(...)``)."""

    variable: str
    scheme_class: str
    module: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class VirtualEnv:
    path: Path
    python: Path


@dataclass(frozen=True, slots=True)
class ProjectLayout:
    """Everything the project-level tools need to know about a FastAPI project, found statically."""

    root: Path
    source_root: str  # the folder imports start from (``.``, ``backend``, ``src``)
    kind: LayoutKind
    app: AppObject
    routers: RouterPackage
    existing_routers: tuple[RouterInfo, ...]
    include_site: IncludeSite
    models: ModuleLocation
    schemas: ModuleLocation
    database: ModuleLocation
    settings: ModuleLocation
    security: ModuleLocation
    schemes: tuple[SchemeInstance, ...]
    session: SessionDependency | None
    base: ModelBase | None
    persistence: Persistence
    alembic: AlembicSetup | None
    venv: VirtualEnv | None
    tests: PytestSetup
    routes: RouteInventory
    unparsed: tuple[UnparsedFile, ...]


def detect_layout(project_dir: Path) -> ProjectLayout:
    """The layout of the FastAPI project in ``project_dir``; ``InputError`` (argument ``project_dir``) when it is not
    a directory or holds no FastAPI app."""
    project_dir = Path(project_dir)
    if not project_dir.exists():
        raise InputError(f"{str(project_dir)!r} does not exist", argument="project_dir")
    if not project_dir.is_dir():
        raise InputError(f"{str(project_dir)!r} is not a directory", argument="project_dir")
    root = project_dir.resolve()
    sources = ProjectSources(root)
    modules = application_modules(sources)
    graph = RouterGraph(sources, modules)
    routes = inventory(sources, graph)
    app_info = _choose_app(graph, routes)
    if app_info is None:
        skipped = f" ({len(sources.unparsed)} Python files did not parse)" if sources.unparsed else ""
        raise InputError(
            f"{str(project_dir)!r} is not a FastAPI project: no module creates an app with FastAPI(...){skipped}",
            argument="project_dir",
        )
    app_module = sources.at(app_info.path)
    assert app_module is not None  # noqa: S101 (the graph found the app in it)
    app = _app_object(app_module, app_info)
    package_dir, package_module = _package(app_module)
    kind = _kind(sources, app_module, package_dir)
    routers = tuple(router for router in graph.routers if router.kind == "router")
    router_package = _router_package(sources, kind, routers, app_info, package_dir, package_module)
    session = find_session(sources, modules)
    base = find_model_base(modules)
    layout_tests = find_pytest_setup(sources)
    return ProjectLayout(
        root=root,
        source_root=_source_root(app_module),
        kind=kind,
        app=app,
        routers=router_package,
        existing_routers=routers,
        include_site=_include_site(sources, graph, app_module, app_info, router_package),
        models=_models(sources, modules, base, package_dir, package_module),
        schemas=_located(sources, package_dir, package_module, ("schemas",))
        or _schemas_default(sources, modules, base, package_dir, package_module),
        database=_database(sources, session, base, package_dir, package_module),
        settings=_located(sources, package_dir, package_module, ("core/config", "config", "settings", "core/settings"))
        or _conventional(sources, package_dir, package_module, "core/config" if kind == "full-stack" else "config"),
        security=_security(sources, kind, package_dir, package_module),
        schemes=_schemes(modules),
        session=session,
        base=base,
        persistence=persistence_of(modules, session, base),
        alembic=find_alembic(sources),
        venv=_virtualenv(root, _source_root(app_module)),
        tests=layout_tests,
        routes=routes,
        unparsed=tuple(sources.unparsed[path] for path in sorted(sources.unparsed)),
    )


# -- the app -----------------------------------------------------------------------------------------------------------


def _choose_app(graph: RouterGraph, routes: RouteInventory) -> RouterInfo | None:
    """The project's app when it has several: the one serving the most routes, then by conventional module name
    (``main``, ``app``...), then the shallowest."""
    apps = [router for router in graph.routers if router.kind == "app"]
    if not apps:
        return None
    served = Counter((endpoint.router_module, endpoint.router) for endpoint in routes.endpoints if endpoint.mounted)
    included = Counter(
        (inclusion.receiver_module, inclusion.receiver) for router in graph.routers for inclusion in router.included_in
    )

    def rank(app: RouterInfo) -> tuple[int, int, int, int, str]:
        last = app.module.rsplit(".", 1)[-1]
        conventional = _APP_MODULE_NAMES.index(last) if last in _APP_MODULE_NAMES else len(_APP_MODULE_NAMES)
        return (
            -(served[(app.module, app.variable)] + included[(app.module, app.variable)]),
            conventional,
            app.path.count("/"),
            0 if app.function is None else 1,
            app.path,
        )

    return min(apps, key=rank)


def _app_object(module: Module, app: RouterInfo) -> AppObject:
    if app.function is None:
        return AppObject(module.name, app.variable, module.path, app.line, None)
    factory = app.function.split(".", 1)[0]
    for statement in module.tree.body:  # app = create_app()
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id == factory
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            return AppObject(module.name, statement.targets[0].id, module.path, statement.lineno, factory)
    return AppObject(module.name, factory, module.path, app.line, factory)


def _package(app_module: Module) -> tuple[str, str]:
    """The folder and import path of the app's top-level package (the app file's folder and ``""`` for a module at
    the top)."""
    parts = app_module.name.split(".")
    folder = PurePosixPath(app_module.path).parent
    depth = len(parts) - 1 if not app_module.is_package else len(parts)
    if depth == 0:
        return folder.as_posix(), ""
    top = folder
    for _ in range(depth - 1):
        top = top.parent
    return top.as_posix(), parts[0]


def _source_root(app_module: Module) -> str:
    folder = PurePosixPath(app_module.path).parent
    for _ in range(len(app_module.name.split(".")) - (0 if app_module.is_package else 1)):
        folder = folder.parent
    return folder.as_posix()


def _kind(sources: ProjectSources, app_module: Module, package_dir: str) -> LayoutKind:
    if "." not in app_module.name:
        return "single-module"
    package = sources.root / package_dir
    return "full-stack" if (package / "api").is_dir() and (package / "core").is_dir() else "package"


# -- routers -----------------------------------------------------------------------------------------------------------


def _router_package(
    sources: ProjectSources,
    kind: LayoutKind,
    routers: tuple[RouterInfo, ...],
    app: RouterInfo,
    package_dir: str,
    package_module: str,
) -> RouterPackage:
    aggregators = {(i.receiver_module, i.receiver) for router in routers for i in router.included_in}
    folders = Counter(
        PurePosixPath(router.path).parent.as_posix()
        for router in routers
        if router.function is None
        and router.path != app.path
        and (router.module, router.variable) not in aggregators
        and not router.path.endswith("__init__.py")
    )
    if folders:
        folder = max(folders, key=lambda f: (folders[f], -f.count("/")))
        return RouterPackage(folder, _module_of(sources, folder), True)
    prefix = "" if package_dir == "." else f"{package_dir}/"
    dotted = f"{package_module}." if package_module else ""
    if kind == "full-stack":
        for candidate in ("api/routes", "api/v1/endpoints", "api/endpoints"):
            if (sources.root / f"{prefix}{candidate}").is_dir():
                return RouterPackage(f"{prefix}{candidate}", dotted + candidate.replace("/", "."), True)
        return RouterPackage(f"{prefix}api/routes", f"{dotted}api.routes", False)
    exists = (sources.root / f"{prefix}routers").is_dir()
    return RouterPackage(f"{prefix}routers", f"{dotted}routers", exists)


def _module_of(sources: ProjectSources, folder: str) -> str:
    for path, name in sources.names_by_path.items():
        if PurePosixPath(path).parent.as_posix() == folder:
            return name.rpartition(".")[0] if not path.endswith("__init__.py") else name
    return folder.replace("/", ".")


def _include_site(
    sources: ProjectSources, graph: RouterGraph, app_module: Module, app: RouterInfo, package: RouterPackage
) -> IncludeSite:
    in_package = [
        inclusion
        for router in graph.routers
        if router.kind == "router" and PurePosixPath(router.path).parent.as_posix() == package.path
        for inclusion in router.included_in
    ]
    if in_package:
        groups = Counter((i.path, i.receiver, i.function) for i in in_package)
        path, receiver, function = max(groups, key=lambda group: groups[group])
        group = [i for i in in_package if (i.path, i.receiver, i.function) == (path, receiver, function)]
        last = max((i for i in group if i.top_level), key=lambda i: i.end_line, default=None) or max(
            group, key=lambda i: i.end_line
        )
        module = sources.at(path)
        assert module is not None  # noqa: S101 (the inclusion was found in it)
        return _site_with_includes(module, last, group, package)
    return _site_without_includes(app_module, app, package)


def _site_with_includes(module: Module, last: Inclusion, group: list[Inclusion], package: RouterPackage) -> IncludeSite:
    """After the last include of the group; router modules imported like the existing ones (the statement importing
    from the package itself is the one to extend)."""
    reference: Literal["module", "name"] = "module" if all("." in i.router for i in group) else "name"
    from_package: ast.ImportFrom | None = None
    from_submodule: ast.ImportFrom | None = None
    for statement in module.tree.body:
        if isinstance(statement, ast.ImportFrom):
            absolute = _absolute(module, statement)
            if absolute == package.module:
                from_package = statement
            elif absolute.startswith(f"{package.module}."):
                from_submodule = statement
    example = from_package or from_submodule
    if example is None:
        import_from = _default_import(module, package)
    elif example.level:
        import_from = _relative_import(module, package, example.level)
    else:
        import_from = package.module
    return IncludeSite(
        path=module.path,
        module=module.name,
        receiver=last.receiver,
        function=last.function,
        after_line=last.line,
        after_end_line=last.end_line,
        after_statement=last.statement,
        import_style="relative" if import_from.startswith(".") else "absolute",
        import_from=import_from,
        import_line=from_package.lineno if from_package is not None else None,
        import_statement=module.segment(from_package) if from_package is not None else None,
        reference=reference,
    )


def _relative_import(module: Module, package: RouterPackage, level: int) -> str:
    """``package`` imported from ``module`` with ``level`` dots (``..routers``), or absolute when it is not below."""
    base = module.package.split(".") if module.package else []
    base = base[: len(base) - (level - 1)] if level > 1 else base
    anchor = ".".join(base)
    if anchor and package.module.startswith(f"{anchor}."):
        return "." * level + package.module.removeprefix(f"{anchor}.")
    return package.module


def _absolute(module: Module, statement: ast.ImportFrom) -> str:
    if not statement.level:
        return statement.module or ""
    base = module.package.split(".") if module.package else []
    base = base[: len(base) - (statement.level - 1)] if statement.level > 1 else base
    return ".".join([*base, *([statement.module] if statement.module else [])])


def _default_import(module: Module, package: RouterPackage) -> str:
    """How ``module`` would import from the router package: relative when it imports its own package relatively."""
    if any(isinstance(s, ast.ImportFrom) and s.level > 0 for s in module.tree.body):
        return _relative_import(module, package, 1)
    return package.module


def _site_without_includes(module: Module, app: RouterInfo, package: RouterPackage) -> IncludeSite:
    body = module.tree.body
    if app.function is not None:
        function = module.index.functions.get(app.function.rsplit(".", 1)[-1])
        body = function.body if function is not None else body
    after: ast.stmt | None = None
    for statement in body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.lineno == app.line:
            after = statement
        elif after is not None and _calls_method_of(statement, app.variable):
            after = statement  # app.add_middleware(...), app.mount(...): the app's set-up continues
    after = after or body[-1]
    import_from = _default_import(module, package)
    return IncludeSite(
        path=module.path,
        module=module.name,
        receiver=app.variable,
        function=app.function,
        after_line=after.lineno,
        after_end_line=after.end_lineno or after.lineno,
        after_statement=module.segment(after),
        import_style="relative" if import_from.startswith(".") else "absolute",
        import_from=import_from,
        import_line=None,
        import_statement=None,
        reference="module",
    )


def _calls_method_of(statement: ast.stmt, variable: str) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and isinstance(statement.value.func, ast.Attribute)
        and isinstance(statement.value.func.value, ast.Name)
        and statement.value.func.value.id == variable
    )


# -- modules by convention ---------------------------------------------------------------------------------------------


def _located(
    sources: ProjectSources, package_dir: str, package_module: str, candidates: tuple[str, ...]
) -> ModuleLocation | None:
    prefix = "" if package_dir == "." else f"{package_dir}/"
    dotted = f"{package_module}." if package_module else ""
    for candidate in candidates:
        module = dotted + candidate.replace("/", ".")
        if f"{prefix}{candidate}.py" in sources.files:
            return ModuleLocation(f"{prefix}{candidate}.py", module, False, True)
        if f"{prefix}{candidate}/__init__.py" in sources.files or (sources.root / f"{prefix}{candidate}").is_dir():
            return ModuleLocation(f"{prefix}{candidate}/__init__.py", module, True, True)
    return None


def _conventional(sources: ProjectSources, package_dir: str, package_module: str, name: str) -> ModuleLocation:
    prefix = "" if package_dir == "." else f"{package_dir}/"
    dotted = f"{package_module}." if package_module else ""
    return ModuleLocation(f"{prefix}{name}.py", dotted + name.replace("/", "."), False, False)


def _location_of(module: Module) -> ModuleLocation:
    return ModuleLocation(module.path, module.name, module.is_package, True)


def _models(
    sources: ProjectSources, modules: tuple[Module, ...], base: ModelBase | None, package_dir: str, package_module: str
) -> ModuleLocation:
    found = _located(sources, package_dir, package_module, ("models", "db/models"))
    if found is not None:
        return found
    if base is not None:  # the module declaring the most models
        counts = Counter(
            module.path
            for module in modules
            for statement in module.tree.body
            if isinstance(statement, ast.ClassDef)
            and (
                any(k.arg == "table" for k in statement.keywords)
                or any(
                    module.resolve(b) in {f"{base.module}.{base.name}", f"<local>.{base.name}"} for b in statement.bases
                )
            )
        )
        if counts:
            module = sources.at(max(counts, key=lambda path: counts[path]))
            if module is not None:
                return _location_of(module)
    return _conventional(sources, package_dir, package_module, "models")


def _schemas_default(
    sources: ProjectSources, modules: tuple[Module, ...], base: ModelBase | None, package_dir: str, package_module: str
) -> ModuleLocation:
    """SQLModel projects (the full-stack template) keep their API models next to the tables, in ``models``."""
    if base is not None and base.kind == "sqlmodel":
        return _models(sources, modules, base, package_dir, package_module)
    return _conventional(sources, package_dir, package_module, "schemas")


def _database(
    sources: ProjectSources,
    session: SessionDependency | None,
    base: ModelBase | None,
    package_dir: str,
    package_module: str,
) -> ModuleLocation:
    found = _located(sources, package_dir, package_module, ("database", "db", "db/session", "core/db", "db/database"))
    if found is not None:
        return found
    for path in (session.function_path if session else None, base.path if base else None):
        module = sources.at(path) if path else None
        if module is not None:
            return _location_of(module)
    return _conventional(sources, package_dir, package_module, "database")


def _security(sources: ProjectSources, kind: LayoutKind, package_dir: str, package_module: str) -> ModuleLocation:
    prefix = "" if package_dir == "." else f"{package_dir}/"
    if kind != "single-module" and (sources.root / f"{prefix}core").is_dir():
        return _located(sources, package_dir, package_module, ("core/security",)) or _conventional(
            sources, package_dir, package_module, "core/security"
        )
    return _located(sources, package_dir, package_module, ("auth", "security")) or _conventional(
        sources, package_dir, package_module, "auth"
    )


def _schemes(modules: tuple[Module, ...]) -> tuple[SchemeInstance, ...]:
    found: list[SchemeInstance] = []
    for module in modules:
        for statement in module.tree.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and isinstance(statement.value, ast.Call):
                qualified = module.resolve(statement.value.func)
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if qualified in SCHEME_CLASSES and qualified is not None:
                    for target in targets:
                        if isinstance(target, ast.Name):
                            found.append(
                                SchemeInstance(target.id, qualified, module.name, module.path, statement.lineno)
                            )
    return tuple(found)


# -- virtualenv --------------------------------------------------------------------------------------------------------


def _virtualenv(root: Path, source_root: str) -> VirtualEnv | None:
    """``.venv``/``venv`` in the root or the source root, or ``VIRTUAL_ENV`` when it lies inside the project."""
    candidates = [root / name for name in (".venv", "venv")]
    if source_root not in {".", ""}:
        candidates += [root / source_root / name for name in (".venv", "venv")]
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        path = Path(active)
        if path.resolve().is_relative_to(root):
            candidates.insert(0, path)
    for candidate in candidates:
        if not (candidate / "pyvenv.cfg").is_file():
            continue
        for python in (candidate / "bin" / "python", candidate / "Scripts" / "python.exe"):
            if python.exists():
                return VirtualEnv(candidate.absolute(), python.absolute())
    return None
