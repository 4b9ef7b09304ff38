"""How the project's tests reach the app: its tests folder, its ``conftest.py`` files and their client fixtures.

A client is a ``TestClient(app)`` (FastAPI's or Starlette's) or an ``httpx.AsyncClient``/``httpx.Client`` over
``ASGITransport(app=app)``, built in a pytest fixture (``@pytest.fixture``, ``@pytest_asyncio.fixture``, any
arguments) of a ``conftest.py`` or at module level of a test module (``client = TestClient(app)``, FastAPI's docs
style). A tool adding auth adds its own fixture next to these, so the suite that passed before still passes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from fastapi_expert.project.sources import Module, ProjectSources
from fastapi_expert.review.index import FunctionNode

__all__ = ["ClientFixture", "Conftest", "PytestSetup", "find_pytest_setup"]

_CLIENTS = frozenset(
    {
        "fastapi.testclient.TestClient",
        "starlette.testclient.TestClient",
        "httpx.AsyncClient",
        "httpx.Client",
    }
)
_TRANSPORTS = frozenset({"httpx.ASGITransport", "httpx._transports.asgi.ASGITransport"})
_FIXTURES = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})


@dataclass(frozen=True, slots=True)
class ClientFixture:
    """One place the tests build a client for the app."""

    name: str  # the fixture's name, or the module variable
    kind: Literal["fixture", "module-variable"]
    path: str
    line: int
    client_class: str  # qualified (``fastapi.testclient.TestClient``, ``httpx.AsyncClient``)
    app_expression: str  # the app as the test writes it (``app``, ``create_app()``)
    scope: str | None  # the fixture's scope when given (``module``, ``session``); None: the default (function)
    is_async: bool
    uses_context_manager: bool  # ``with TestClient(app) as c: yield c`` (runs the lifespan)


@dataclass(frozen=True, slots=True)
class Conftest:
    path: str
    fixtures: tuple[str, ...]  # every fixture it defines
    clients: tuple[ClientFixture, ...]


@dataclass(frozen=True, slots=True)
class PytestSetup:
    """The tests folder (``None`` when the project has no tests; ``.`` when they sit in the root), its conftests
    (shallowest first) and every client the tests build."""

    directory: str | None
    conftests: tuple[Conftest, ...]
    clients: tuple[ClientFixture, ...]


def _is_test_module(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def find_pytest_setup(sources: ProjectSources) -> PytestSetup:
    test_files = [path for path in sources.files if _is_test_module(path)]
    if not test_files:
        return PytestSetup(None, (), ())
    conftests: list[Conftest] = []
    clients: list[ClientFixture] = []
    for path in sorted(test_files, key=lambda p: (p.count("/"), p)):
        module = sources.at(path)
        if module is None:
            continue
        if PurePosixPath(path).name == "conftest.py":
            fixtures, found = _fixtures(module)
            conftests.append(Conftest(path, fixtures, found))
            clients += found
        else:
            clients += _module_clients(module)
    return PytestSetup(_directory(test_files), tuple(conftests), tuple(clients))


def _directory(test_files: list[str]) -> str:
    """The shallowest folder named ``tests``/``test`` holding test files, else the shallowest folder holding some."""
    folders: set[str] = set()
    for path in test_files:
        parts = PurePosixPath(path).parts[:-1]
        named = [i for i, part in enumerate(parts) if part in {"tests", "test"}]
        if named:
            folders.add("/".join(parts[: named[0] + 1]))
    if folders:
        return min(folders, key=lambda folder: (folder.count("/"), folder))
    parents = {PurePosixPath(path).parent.as_posix() for path in test_files}
    return min(parents, key=lambda folder: (0 if folder == "." else folder.count("/") + 1, folder))


def _fixture_decorator(module: Module, function: FunctionNode) -> ast.expr | None:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if module.resolve(target) in _FIXTURES:
            return decorator
    return None


def _fixtures(module: Module) -> tuple[tuple[str, ...], tuple[ClientFixture, ...]]:
    names: list[str] = []
    clients: list[ClientFixture] = []
    for statement in module.tree.body:
        if not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        decorator = _fixture_decorator(module, statement)
        if decorator is None:
            continue
        names.append(statement.name)
        scope = None
        if isinstance(decorator, ast.Call):
            value = next((k.value for k in decorator.keywords if k.arg == "scope"), None)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                scope = value.value
        in_with = {
            id(item.context_expr)
            for node in module.index.own_nodes(statement)
            if isinstance(node, ast.With | ast.AsyncWith)
            for item in node.items
        }
        for node in module.index.own_nodes(statement):
            built = _client(module, node)
            if built is not None:
                client_class, app = built
                clients.append(
                    ClientFixture(
                        name=statement.name,
                        kind="fixture",
                        path=module.path,
                        line=statement.lineno,
                        client_class=client_class,
                        app_expression=module.segment(app) if app is not None else "",
                        scope=scope,
                        is_async=isinstance(statement, ast.AsyncFunctionDef),
                        uses_context_manager=id(node) in in_with,
                    )
                )
                break
    return tuple(names), tuple(clients)


def _module_clients(module: Module) -> list[ClientFixture]:
    found: list[ClientFixture] = []
    for statement in module.tree.body:
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            continue
        target = statement.targets[0]
        built = _client(module, statement.value)
        if built is not None and isinstance(target, ast.Name):
            client_class, app = built
            found.append(
                ClientFixture(
                    name=target.id,
                    kind="module-variable",
                    path=module.path,
                    line=statement.lineno,
                    client_class=client_class,
                    app_expression=module.segment(app) if app is not None else "",
                    scope=None,
                    is_async=False,
                    uses_context_manager=False,
                )
            )
    return found


def _client(module: Module, node: ast.AST) -> tuple[str, ast.expr | None] | None:
    """``(client class, app expression)`` when ``node`` builds a test client."""
    if not isinstance(node, ast.Call):
        return None
    qualified = module.resolve(node.func)
    if qualified not in _CLIENTS or qualified is None:
        return None
    app = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "app"), None)
    transport = next((k.value for k in node.keywords if k.arg == "transport"), None)
    if qualified.startswith("httpx."):
        if not (isinstance(transport, ast.Call) and module.resolve(transport.func) in _TRANSPORTS):
            return None
        app = (
            transport.args[0] if transport.args else next((k.value for k in transport.keywords if k.arg == "app"), None)
        )
    return qualified, app
