"""The route inventory: every route's methods and full path (router prefixes, include prefixes through nested
routers, aliases and factories, settings constants), the auth that already protects it, and protect patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_expert.errors import InputError, SourceParseError
from fastapi_expert.project.routes import (
    Endpoint,
    RouteInventory,
    inventory_project,
    inventory_source,
    match_routes,
)

FIXTURES = Path(__file__).parent / "fixtures"
OAUTH2 = ("fastapi.security.OAuth2PasswordBearer",)
API_KEY = ("fastapi.security.APIKeyHeader",)


def table(inventory: RouteInventory) -> set[tuple[str, str, str, str, int, bool]]:
    """(methods, full path, function, file, line, protected) of every endpoint."""
    return {(",".join(e.methods), e.full_path, e.function, e.file, e.line, e.protected) for e in inventory.endpoints}


def test_single_module_routes() -> None:
    assert table(inventory_project(FIXTURES / "single_module")) == {
        ("GET", "/", "root", "main.py", 26, False),
        ("GET", "/items", "list_items", "main.py", 31, False),
        ("POST", "/items/", "create_item", "main.py", 37, False),
        ("GET", "/items/{item_id}", "read_item", "main.py", 44, False),
        ("PUT", "/items/{item_id}", "update_item", "main.py", 51, False),
        ("DELETE", "/items/{item_id}", "delete_item", "main.py", 58, False),
    }


def test_package_routes_with_router_and_include_prefixes() -> None:
    inventory = inventory_project(FIXTURES / "package_app")
    assert table(inventory) == {
        ("GET", "/health", "health", "app/main.py", 15, False),
        ("GET", "/items/", "read_items", "app/routers/items.py", 14, False),
        ("POST", "/items/", "create_item", "app/routers/items.py", 19, False),
        ("GET", "/items/{item_id}", "read_item", "app/routers/items.py", 28, False),
        ("DELETE", "/items/{item_id}", "delete_item", "app/routers/items.py", 36, False),
        ("GET", "/api/users/", "read_users", "app/routers/users.py", 10, False),
        ("POST", "/api/users/", "create_user", "app/routers/users.py", 15, False),
    }
    assert all(e.resolved and e.mounted for e in inventory.endpoints)
    assert [(a.module, a.variable) for a in inventory.apps] == [("app.main", "app")]


@pytest.mark.parametrize("where", ["fullstack", "fullstack/backend"])
def test_full_stack_routes_through_the_aggregating_router_and_a_settings_prefix(where: str) -> None:
    at = "backend/" if where == "fullstack" else ""
    routes = f"{at}app/api/routes"
    assert table(inventory_project(FIXTURES / where)) == {
        ("GET", "/api/v1/items/", "read_items", f"{routes}/items.py", 13, True),
        ("GET", "/api/v1/items/{id}", "read_item", f"{routes}/items.py", 23, True),
        ("POST", "/api/v1/items/", "create_item", f"{routes}/items.py", 34, True),
        ("PUT", "/api/v1/items/{id}", "update_item", f"{routes}/items.py", 46, True),
        ("DELETE", "/api/v1/items/{id}", "delete_item", f"{routes}/items.py", 61, True),
        ("POST", "/api/v1/login/access-token", "login_access_token", f"{routes}/login.py", 16, False),
        ("POST", "/api/v1/login/test-token", "test_token", f"{routes}/login.py", 28, True),
        ("POST", "/api/v1/private/users/", "create_user", f"{routes}/private.py", 20, False),
        ("GET", "/api/v1/users/", "read_users", f"{routes}/users.py", 13, True),
        ("GET", "/api/v1/users/me", "read_user_me", f"{routes}/users.py", 21, True),
        ("POST", "/api/v1/users/signup", "register_user", f"{routes}/users.py", 29, False),
        ("GET", "/api/v1/utils/health-check/", "health_check", f"{routes}/utils.py", 6, False),
    }


def endpoint(inventory: RouteInventory, function: str) -> Endpoint:
    [found] = [e for e in inventory.endpoints if e.function == function]
    return found


def test_auth_is_found_through_imported_annotated_aliases_and_sub_dependencies() -> None:
    inventory = inventory_project(FIXTURES / "fullstack" / "backend")
    [auth] = endpoint(inventory, "read_items").auth
    # CurrentUser (app.api.deps) -> get_current_user -> TokenDep -> reusable_oauth2 = OAuth2PasswordBearer(...)
    assert (auth.site, auth.expression, auth.schemes) == ("parameter", "current_user: CurrentUser", OAUTH2)
    assert (auth.path, auth.line) == ("app/api/routes/items.py", 14)
    [decorated] = endpoint(inventory, "read_users").auth
    assert (decorated.site, decorated.expression) == ("decorator", "Depends(get_current_active_superuser)")
    assert decorated.schemes == OAUTH2
    # OAuth2PasswordRequestForm is a form, not a security scheme: the token route is public
    assert endpoint(inventory, "login_access_token").auth == ()


def test_nested_routers_aliases_factories_and_every_kind_of_declaration() -> None:
    inventory = inventory_project(FIXTURES / "nested_routers")
    legacy = '<os.environ.get("LEGACY_PREFIX", "/legacy")>'
    assert {(",".join(e.methods), e.full_path, e.declaration, e.factory, e.resolved) for e in inventory.endpoints} == {
        ("GET", "/api/v2/orders/", "decorator", None, True),
        ("GET,PATCH", "/api/v2/orders/{order_id}", "api_route", None, True),
        ("POST", "/api/v2/orders/{order_id}/cancel", "add_api_route", None, True),
        ("GET", "/api/v2/users/me", "decorator", None, True),
        ("DELETE", "/admin/cache", "decorator", "build_admin_router", True),
        ("GET", f"{legacy}/ping", "decorator", None, False),
    }
    cancel = endpoint(inventory, "cancel_order")
    assert (cancel.file, cancel.line, cancel.router, cancel.router_module) == (
        "app/routers/orders.py",
        20,
        "router",
        "app.routers.orders",
    )
    [router_auth] = endpoint(inventory, "me").auth
    assert (router_auth.site, router_auth.expression, router_auth.schemes) == (
        "router",
        "Security(get_current_user)",
        API_KEY,
    )
    [include_auth] = endpoint(inventory, "clear_cache").auth
    assert (include_auth.site, include_auth.expression, include_auth.schemes) == (
        "include",
        "fa.Depends(verify_key)",
        API_KEY,
    )
    assert (include_auth.path, include_auth.line) == ("app/main.py", 13)
    assert not endpoint(inventory, "list_orders").protected


def test_mounts_of_a_nested_router() -> None:
    inventory = inventory_project(FIXTURES / "nested_routers")
    [orders] = [r for r in inventory.routers if r.module == "app.routers.orders"]
    [mount] = orders.mounts
    assert mount.text == "/api/v2/orders"
    assert [p.expression for p in mount.prefixes] == ["API_PREFIX", 'f"/{VERSION}"', '"/orders"']
    assert mount.mounted
    [inclusion] = orders.included_in
    assert (inclusion.path, inclusion.receiver, inclusion.router, inclusion.tags) == (
        "app/api.py",
        "api_router",
        "orders.router",
        ("orders",),
    )


def test_a_router_included_twice_gives_each_route_twice() -> None:
    source = (
        "from fastapi import APIRouter, FastAPI\n"
        "router = APIRouter(prefix='/things')\n"
        "@router.get('/')\ndef things(): ...\n"
        "app = FastAPI()\n"
        "app.include_router(router, prefix='/v1')\n"
        "app.include_router(router, prefix='/v2')\n"
    )
    assert sorted(e.full_path for e in inventory_source(source).endpoints) == ["/v1/things/", "/v2/things/"]


def test_a_router_never_included_is_not_mounted() -> None:
    source = "from fastapi import APIRouter\nr = APIRouter(prefix='/x')\n@r.post('/y')\nasync def y(): ...\n"
    [found] = inventory_source(source, "routes.py").endpoints
    assert (found.full_path, found.mounted, found.module, found.file) == ("/x/y", False, "routes", "routes.py")


def test_one_module_with_aliases_a_factory_and_scheme_dependencies() -> None:
    source = '''"""Orders."""
from typing import Annotated

import fastapi as fa
from fastapi import APIRouter as R, Depends
from fastapi.security import HTTPBasic, HTTPBasicCredentials

basic = HTTPBasic()
User = Annotated[HTTPBasicCredentials, Depends(basic)]


def create_app() -> fa.FastAPI:
    application = fa.FastAPI(dependencies=[Depends(lambda: None)])
    orders = R(prefix="/orders")

    @orders.get("")
    def list_orders(user: User): ...

    @orders.post("", dependencies=[Depends(basic)])
    def create_order(): ...

    @orders.delete("/{order_id}")
    def delete_order(order_id: int, credentials=Depends(basic)): ...

    @orders.patch("/{order_id}")
    def patch_order(order_id: int): ...

    application.include_router(orders, prefix="/shop")
    return application


app = create_app()


@app.get("/ping")
def ping(): ...
'''
    inventory = inventory_source(source)
    found = {e.function: e for e in inventory.endpoints}
    assert {(name, e.full_path, e.factory) for name, e in found.items()} == {
        ("list_orders", "/shop/orders", "create_app"),
        ("create_order", "/shop/orders", "create_app"),
        ("delete_order", "/shop/orders/{order_id}", "create_app"),
        ("patch_order", "/shop/orders/{order_id}", "create_app"),
        ("ping", "/ping", None),
    }
    assert [(a.site, a.expression) for a in found["list_orders"].auth] == [("parameter", "user: User")]
    assert [(a.site, a.expression) for a in found["create_order"].auth] == [("decorator", "Depends(basic)")]
    assert [(a.site, a.expression) for a in found["delete_order"].auth] == [("parameter", "credentials=Depends(basic)")]
    assert found["delete_order"].schemes == ("fastapi.security.HTTPBasic",)
    assert not found["patch_order"].protected
    assert not found["ping"].protected  # a lambda dependency on the app reaches no scheme
    assert [(a.variable, a.function) for a in inventory.apps] == [("application", "create_app")]


def test_app_level_dependencies_protect_every_route_and_subclassed_schemes_count() -> None:
    source = (
        "from fastapi import Depends, FastAPI\nfrom fastapi.security import HTTPBearer\n"
        "class Bearer(HTTPBearer):\n    pass\n"
        "def user(token=Depends(Bearer())): ...\n"
        "app = FastAPI(dependencies=[Depends(user)])\n"
        "@app.get('/a')\ndef a(): ...\n"
    )
    [found] = inventory_source(source).endpoints
    [auth] = found.auth
    assert (auth.site, auth.expression, auth.schemes) == ("app", "Depends(user)", ("fastapi.security.HTTPBearer",))


def test_cyclic_dependencies_terminate() -> None:
    source = (
        "from fastapi import Depends, FastAPI\n"
        "def a(x=Depends(lambda: 1), y=Depends(b)): ...\ndef b(x=Depends(a)): ...\n"
        "app = FastAPI()\n@app.post('/d', dependencies=[Depends(a)])\ndef d(): ...\n"
    )
    [found] = inventory_source(source).endpoints
    assert not found.protected


def test_websocket_routes_are_left_out() -> None:
    source = "from fastapi import FastAPI\napp = FastAPI()\n@app.websocket('/ws')\nasync def ws(w): ...\n"
    assert inventory_source(source).endpoints == ()


def test_source_that_does_not_parse_names_line_and_column() -> None:
    with pytest.raises(SourceParseError) as caught:
        inventory_source("from fastapi import FastAPI\napp = FastAPI(\n", "api/main.py")
    assert caught.value.path == "api/main.py"
    assert caught.value.line == 2
    assert caught.value.column is not None


def test_inventory_project_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not a directory"):
        inventory_project(tmp_path / "nope")


# -- match_routes ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def package_routes() -> RouteInventory:
    return inventory_project(FIXTURES / "package_app")


def matched(inventory: RouteInventory, *patterns: str) -> list[tuple[str, str]]:
    return [(",".join(e.methods), e.full_path) for e in match_routes(inventory, patterns).endpoints]


def test_a_path_matches_every_method_and_ignores_the_trailing_slash(package_routes: RouteInventory) -> None:
    assert matched(package_routes, "/items") == [("GET", "/items/"), ("POST", "/items/")]


def test_a_method_and_path_match_one_route(package_routes: RouteInventory) -> None:
    assert matched(package_routes, "POST /items/") == [("POST", "/items/")]
    assert matched(package_routes, "post /items") == [("POST", "/items/")]


def test_path_parameters_match_whatever_their_name(package_routes: RouteInventory) -> None:
    assert matched(package_routes, "/items/{item_id}") == [("GET", "/items/{item_id}"), ("DELETE", "/items/{item_id}")]
    assert matched(package_routes, "DELETE /items/{id}") == [("DELETE", "/items/{item_id}")]


def test_patterns_match_full_paths_with_include_prefixes(package_routes: RouteInventory) -> None:
    assert matched(package_routes, "/users/") == []
    assert matched(package_routes, "/api/users") == [("GET", "/api/users/"), ("POST", "/api/users/")]


def test_unmatched_patterns_are_named(package_routes: RouteInventory) -> None:
    matches = match_routes(package_routes, ["/items", "/nowhere", "PUT /items/{item_id}"])
    assert matches.unmatched == ("/nowhere", "PUT /items/{item_id}")
    assert [(m.pattern, m.method, m.path, len(m.endpoints)) for m in matches.patterns] == [
        ("/items", None, "/items", 2),
        ("/nowhere", None, "/nowhere", 0),
        ("PUT /items/{item_id}", "PUT", "/items/{item_id}", 0),
    ]


def test_each_endpoint_is_matched_once_in_inventory_order(package_routes: RouteInventory) -> None:
    matches = match_routes(package_routes, ["POST /items/", "/items", "/health"])
    assert [e.function for e in matches.endpoints] == ["health", "read_items", "create_item"]


def test_an_unresolved_prefix_matches_any_prefix() -> None:
    inventory = inventory_project(FIXTURES / "nested_routers")
    assert matched(inventory, "GET /legacy/ping") == [("GET", '<os.environ.get("LEGACY_PREFIX", "/legacy")>/ping')]
    assert matched(inventory, "/ping") == [("GET", '<os.environ.get("LEGACY_PREFIX", "/legacy")>/ping')]


def test_a_multi_method_route_matches_each_of_its_methods() -> None:
    inventory = inventory_project(FIXTURES / "nested_routers")
    assert matched(inventory, "PATCH /api/v2/orders/{id}") == [("GET,PATCH", "/api/v2/orders/{order_id}")]
    assert matched(inventory, "DELETE /api/v2/orders/{id}") == []


def test_the_root_path() -> None:
    inventory = inventory_project(FIXTURES / "single_module")
    assert matched(inventory, "/") == [("GET", "/")]
    assert matched(inventory, "GET /") == [("GET", "/")]


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("items", "must start with '/'"),
        ("FETCH /items", "'FETCH' is not an HTTP method"),
        ("GET /items extra", "is not"),
        ("", "is not"),
    ],
)
def test_malformed_patterns_are_input_errors(package_routes: RouteInventory, pattern: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        match_routes(package_routes, [pattern])
    assert caught.value.argument == "protect"
