"""detect_layout on projects written as users write them: a single module, an app/ package, the full-stack
template's backend, and the edge cases (a src/ layout with an app factory and async SQLAlchemy, nested routers, a
file that does not parse, a directory that is no FastAPI project)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fastapi_expert.errors import InputError
from fastapi_expert.project.layout import (
    AppObject,
    IncludeSite,
    ModuleLocation,
    RouterPackage,
    SchemeInstance,
    VirtualEnv,
    detect_layout,
)
from fastapi_expert.project.migrations import AlembicRevision, AlembicSetup
from fastapi_expert.project.persistence import ModelBase, SessionDependency
from fastapi_expert.project.sources import UnparsedFile
from fastapi_expert.project.testing import ClientFixture, Conftest, PytestSetup

FIXTURES = Path(__file__).parent / "fixtures"


def test_single_module_app() -> None:
    layout = detect_layout(FIXTURES / "single_module")
    assert layout.root == (FIXTURES / "single_module").resolve()
    assert layout.kind == "single-module"
    assert layout.source_root == "."
    assert layout.app == AppObject(module="main", variable="app", path="main.py", line=11, factory=None)
    assert layout.app.import_string == "main:app"
    assert layout.routers == RouterPackage("routers", "routers", exists=False)
    assert layout.existing_routers == ()
    assert layout.include_site == IncludeSite(
        path="main.py",
        module="main",
        receiver="app",
        function=None,
        after_line=11,
        after_end_line=11,
        after_statement='app = FastAPI(title="Inventory", version="0.1.0")',
        import_style="absolute",
        import_from="routers",
        import_line=None,
        import_statement=None,
        reference="module",
    )
    assert layout.models == ModuleLocation("models.py", "models", package=False, exists=False)
    assert layout.schemas == ModuleLocation("schemas.py", "schemas", package=False, exists=False)
    assert layout.security == ModuleLocation("auth.py", "auth", package=False, exists=False)
    assert (layout.session, layout.base, layout.persistence) == (None, None, "none")
    assert layout.alembic is None
    assert layout.tests == PytestSetup(
        directory=".",
        conftests=(),
        clients=(
            ClientFixture(
                name="client",
                kind="module-variable",
                path="test_main.py",
                line=5,
                client_class="fastapi.testclient.TestClient",
                app_expression="app",
                scope=None,
                is_async=False,
                uses_context_manager=False,
            ),
        ),
    )
    assert layout.unparsed == ()


def test_app_package_with_routers_models_schemas_and_database() -> None:
    layout = detect_layout(FIXTURES / "package_app")
    assert layout.kind == "package"
    assert layout.app == AppObject("app.main", "app", "app/main.py", 8, None)
    assert layout.routers == RouterPackage("app/routers", "app.routers", exists=True)
    routers = {(r.module, r.variable): r for r in layout.existing_routers}
    assert set(routers) == {("app.routers.items", "router"), ("app.routers.users", "router")}
    items, users = routers["app.routers.items", "router"], routers["app.routers.users", "router"]
    assert (items.path, items.line, items.prefix.value, items.tags) == ("app/routers/items.py", 7, "/items", ("items",))
    assert (users.prefix.value, users.tags) == ("", ())
    [included] = users.included_in
    assert (included.path, included.line, included.receiver, included.prefix.value) == (
        "app/main.py",
        12,
        "app",
        "/api",
    )
    assert included.statement == 'app.include_router(users.router, prefix="/api")'
    assert layout.include_site == IncludeSite(
        path="app/main.py",
        module="app.main",
        receiver="app",
        function=None,
        after_line=12,
        after_end_line=12,
        after_statement='app.include_router(users.router, prefix="/api")',
        import_style="relative",
        import_from=".routers",
        import_line=4,
        import_statement="from .routers import items, users",
        reference="module",
    )
    assert layout.models == ModuleLocation("app/models.py", "app.models", package=False, exists=True)
    assert layout.schemas == ModuleLocation("app/schemas.py", "app.schemas", package=False, exists=True)
    assert layout.database == ModuleLocation("app/database.py", "app.database", package=False, exists=True)
    assert layout.security == ModuleLocation("app/auth.py", "app.auth", package=False, exists=False)
    assert layout.session == SessionDependency(
        name="get_db",
        kind="function",
        module="app.database",
        path="app/database.py",
        line=15,
        function="get_db",
        function_module="app.database",
        function_path="app/database.py",
        session_class="sqlalchemy.orm.Session",
        is_async=False,
    )
    assert layout.base == ModelBase("declarative-base-class", "Base", "app.database", "app/database.py", 10)
    assert layout.persistence == "sqlalchemy-sync"
    assert layout.tests.directory == "tests"
    [conftest] = layout.tests.conftests
    assert conftest.path == "tests/conftest.py"
    assert conftest.fixtures == ("client",)
    [client] = conftest.clients
    assert (client.name, client.kind, client.scope, client.uses_context_manager) == ("client", "fixture", None, True)
    assert layout.tests.clients == (client,)


@pytest.mark.parametrize("where", ["fullstack", "fullstack/backend"])
def test_full_stack_template_backend(where: str) -> None:
    layout = detect_layout(FIXTURES / where)
    at = "backend/" if where == "fullstack" else ""
    assert layout.kind == "full-stack"
    assert layout.source_root == ("backend" if at else ".")
    assert layout.app == AppObject("app.main", "app", f"{at}app/main.py", 17, None)
    assert layout.routers == RouterPackage(f"{at}app/api/routes", "app.api.routes", exists=True)
    by_module = {r.module: r for r in layout.existing_routers}
    assert set(by_module) == {
        "app.api.main",
        *(f"app.api.routes.{n}" for n in ("items", "login", "private", "users", "utils")),
    }
    api_router = by_module["app.api.main"]
    assert api_router.variable == "api_router"
    [mounted] = api_router.included_in
    assert (mounted.receiver, mounted.prefix.expression, mounted.prefix.value) == (
        "app",
        "settings.API_V1_STR",
        "/api/v1",
    )
    private = by_module["app.api.routes.private"]
    [conditional] = private.included_in
    assert not conditional.top_level  # inside `if settings.ENVIRONMENT == "local":`
    assert layout.include_site == IncludeSite(
        path=f"{at}app/api/main.py",
        module="app.api.main",
        receiver="api_router",
        function=None,
        after_line=10,  # the last include at the top level, not the one inside the `if`
        after_end_line=10,
        after_statement="api_router.include_router(items.router)",
        import_style="absolute",
        import_from="app.api.routes",
        import_line=3,
        import_statement="from app.api.routes import items, login, private, users, utils",
        reference="module",
    )
    assert layout.models == ModuleLocation(f"{at}app/models.py", "app.models", package=False, exists=True)
    assert layout.schemas == layout.models  # SQLModel: the API models live next to the tables
    assert layout.database == ModuleLocation(f"{at}app/core/db.py", "app.core.db", package=False, exists=True)
    assert layout.settings == ModuleLocation(f"{at}app/core/config.py", "app.core.config", package=False, exists=True)
    assert layout.security == ModuleLocation(f"{at}app/core/security.py", "app.core.security", False, exists=True)
    assert layout.schemes == (
        SchemeInstance(
            "reusable_oauth2", "fastapi.security.OAuth2PasswordBearer", "app.api.deps", f"{at}app/api/deps.py", 16
        ),
    )
    assert layout.session == SessionDependency(
        name="SessionDep",
        kind="annotated",
        module="app.api.deps",
        path=f"{at}app/api/deps.py",
        line=26,
        function="get_db",
        function_module="app.api.deps",
        function_path=f"{at}app/api/deps.py",
        session_class="sqlmodel.Session",
        is_async=False,
    )
    assert layout.base == ModelBase("sqlmodel", "SQLModel", "sqlmodel", None, None)
    assert layout.persistence == "sqlmodel"
    versions = f"{at}app/alembic/versions"
    assert layout.alembic == AlembicSetup(
        config=f"{at}alembic.ini",
        script_location=f"{at}app/alembic",
        versions=(versions,),
        revisions=(
            AlembicRevision("e2412789c190", (), f"{versions}/e2412789c190_initialize_models.py", "Initialize models"),
            AlembicRevision(
                "9c0a54914c78",
                ("e2412789c190",),
                f"{versions}/9c0a54914c78_add_max_length_for_string_varchar_.py",
                "Add max length for string(varchar) fields in User and Items models",
            ),
        ),
        heads=("9c0a54914c78",),
    )
    assert layout.tests.directory == f"{at}app/tests"
    assert layout.tests.conftests == (
        Conftest(
            path=f"{at}app/tests/conftest.py",
            fixtures=("db", "client", "superuser_token_headers"),
            clients=(
                ClientFixture(
                    name="client",
                    kind="fixture",
                    path=f"{at}app/tests/conftest.py",
                    line=26,
                    client_class="fastapi.testclient.TestClient",
                    app_expression="app",
                    scope="module",
                    is_async=False,
                    uses_context_manager=True,
                ),
            ),
        ),
    )


def test_src_layout_with_an_app_factory_async_sqlalchemy_and_branching_migrations() -> None:
    layout = detect_layout(FIXTURES / "async_factory")
    assert layout.kind == "package"
    assert layout.source_root == "src"
    assert layout.app == AppObject("shop.main", "app", "src/shop/main.py", 24, factory="create_app")
    assert layout.routers == RouterPackage("src/shop/routers", "shop.routers", exists=True)
    site = layout.include_site
    assert (site.path, site.receiver, site.function, site.after_line) == ("src/shop/main.py", "app", "create_app", 20)
    assert (site.import_style, site.import_from, site.reference) == ("absolute", "shop.routers", "name")
    assert (site.import_line, site.import_statement) == (None, None)  # routers are imported one module at a time
    assert layout.models == ModuleLocation("src/shop/models/__init__.py", "shop.models", package=True, exists=True)
    assert layout.schemas == ModuleLocation("src/shop/schemas/__init__.py", "shop.schemas", package=True, exists=True)
    assert layout.database == ModuleLocation("src/shop/db.py", "shop.db", package=False, exists=True)
    assert layout.session is not None
    assert (layout.session.name, layout.session.kind, layout.session.module) == ("get_session", "function", "shop.deps")
    assert layout.session.session_class == "sqlalchemy.ext.asyncio.AsyncSession"  # through the imported factory
    assert layout.session.is_async
    assert layout.base == ModelBase("declarative-base-call", "Base", "shop.db", "src/shop/db.py", 9)
    assert layout.persistence == "sqlalchemy-async"
    assert layout.alembic is not None
    assert (layout.alembic.config, layout.alembic.script_location) == ("pyproject.toml", "migrations")
    assert [r.revision for r in layout.alembic.revisions] == ["1a2b3c4d5e6f", "aaaa00000001", "bbbb00000002"]
    assert layout.alembic.heads == ("aaaa00000001", "bbbb00000002")  # two branches: two heads
    [client] = layout.tests.clients
    assert (client.client_class, client.is_async, client.uses_context_manager) == ("httpx.AsyncClient", True, True)


def test_nested_routers_put_the_new_router_next_to_the_aggregated_ones() -> None:
    layout = detect_layout(FIXTURES / "nested_routers")
    site = layout.include_site
    assert (site.path, site.receiver, site.after_statement) == (
        "app/api.py",
        "api_router",
        "api_router.include_router(users.router)",
    )
    assert (site.import_from, site.import_statement) == ("app.routers", "from app.routers import orders, users")


def test_a_file_that_does_not_parse_is_skipped_and_recorded() -> None:
    layout = detect_layout(FIXTURES / "broken_neighbour")
    assert layout.app == AppObject("main", "app", "main.py", 3, None)
    assert [e.full_path for e in layout.routes.endpoints] == ["/status"]
    assert layout.unparsed == (UnparsedFile("scripts/seed.py", "syntax error: invalid syntax", 4, 10),)


def test_not_a_fastapi_project() -> None:
    with pytest.raises(InputError, match="is not a FastAPI project: no module creates an app") as caught:
        detect_layout(FIXTURES / "not_fastapi")
    assert caught.value.argument == "project_dir"


def test_missing_directory_and_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist") as caught:
        detect_layout(tmp_path / "missing")
    assert caught.value.argument == "project_dir"
    (tmp_path / "main.py").write_text("")
    with pytest.raises(InputError, match="is not a directory"):
        detect_layout(tmp_path / "main.py")


def test_routers_that_are_never_included_still_locate_the_router_package(tmp_path: Path) -> None:
    (tmp_path / "app" / "routers").mkdir(parents=True)
    (tmp_path / "app" / "main.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\napp.add_middleware(M)\n"
    )
    (tmp_path / "app" / "routers" / "things.py").write_text("from fastapi import APIRouter\n\nrouter = APIRouter()\n")
    layout = detect_layout(tmp_path)
    assert layout.routers == RouterPackage("app/routers", "app.routers", exists=True)
    site = layout.include_site
    assert (site.path, site.receiver, site.after_statement) == ("app/main.py", "app", "app.add_middleware(M)")
    assert (site.import_style, site.import_from) == ("absolute", "app.routers")


def test_the_full_stack_shape_without_routes_yet(tmp_path: Path) -> None:
    for folder in ("app/api/v1/endpoints", "app/core"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "app" / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n")
    layout = detect_layout(tmp_path)
    assert layout.kind == "full-stack"
    assert layout.routers == RouterPackage("app/api/v1/endpoints", "app.api.v1.endpoints", exists=True)
    assert layout.security == ModuleLocation("app/core/security.py", "app.core.security", package=False, exists=False)
    assert layout.settings == ModuleLocation("app/core/config.py", "app.core.config", package=False, exists=False)


def _fake_venv(folder: Path) -> Path:
    (folder / "bin").mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python = folder / "bin" / "python"
    python.write_text("")
    return python


@pytest.mark.parametrize("name", [".venv", "venv"])
def test_the_project_virtualenv(tmp_path: Path, name: str) -> None:
    shutil.copytree(FIXTURES / "single_module", tmp_path / "project")
    python = _fake_venv(tmp_path / "project" / name)
    (python.parent.parent / "lib" / "site-packages" / "fastapi").mkdir(parents=True)
    (python.parent.parent / "lib" / "site-packages" / "fastapi" / "applications.py").write_text("app = FastAPI()\n")
    layout = detect_layout(tmp_path / "project")
    assert layout.venv == VirtualEnv(tmp_path / "project" / name, python)
    assert [r.path for r in layout.routes.routers] == ["main.py"]  # nothing read inside the virtualenv


def test_virtual_env_counts_only_inside_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "single_module", tmp_path / "project")
    inside = _fake_venv(tmp_path / "project" / "envs" / "dev")
    monkeypatch.setenv("VIRTUAL_ENV", str(inside.parent.parent))
    assert detect_layout(tmp_path / "project").venv == VirtualEnv(inside.parent.parent, inside)
    _fake_venv(tmp_path / "elsewhere")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "elsewhere"))
    assert detect_layout(tmp_path / "project").venv is None


def test_the_users_code_is_never_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "main.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('x')\n"
        "from fastapi import FastAPI\napp = FastAPI()\n"
    )
    assert detect_layout(tmp_path).app.variable == "app"
    assert not marker.exists()


def test_the_older_full_stack_template(tmp_path: Path) -> None:
    """``app/api/api_v1/api.py`` aggregating ``app/api/api_v1/endpoints/*``, mounted at ``settings.API_V1_STR``."""
    files = {
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/config.py": (
            "from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
            '    API_V1_STR: str = "/api/v1"\n\n\nsettings = Settings()\n'
        ),
        "app/api/__init__.py": "",
        "app/api/api_v1/__init__.py": "",
        "app/api/api_v1/api.py": (
            "from fastapi import APIRouter\n\nfrom app.api.api_v1.endpoints import items, login\n\n"
            "api_router = APIRouter()\napi_router.include_router(login.router, tags=['login'])\n"
            'api_router.include_router(items.router, prefix="/items", tags=["items"])\n'
        ),
        "app/api/api_v1/endpoints/__init__.py": "",
        "app/api/api_v1/endpoints/items.py": (
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/')\ndef read_items(): ...\n"
        ),
        "app/api/api_v1/endpoints/login.py": (
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
            "@router.post('/login/access-token')\ndef login(): ...\n"
        ),
        "app/main.py": (
            "from fastapi import FastAPI\n\nfrom app.api.api_v1.api import api_router\n"
            "from app.core.config import settings\n\napp = FastAPI()\n"
            "app.include_router(api_router, prefix=settings.API_V1_STR)\n"
        ),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    layout = detect_layout(tmp_path)
    assert layout.kind == "full-stack"
    assert layout.routers == RouterPackage("app/api/api_v1/endpoints", "app.api.api_v1.endpoints", exists=True)
    site = layout.include_site
    assert (site.path, site.receiver, site.after_line, site.import_from, site.import_line) == (
        "app/api/api_v1/api.py",
        "api_router",
        7,
        "app.api.api_v1.endpoints",
        3,
    )
    lines = (tmp_path / site.path).read_text().splitlines()
    assert lines[site.after_end_line - 1] == site.after_statement
    assert sorted(e.full_path for e in layout.routes.endpoints) == ["/api/v1/items/", "/api/v1/login/access-token"]
