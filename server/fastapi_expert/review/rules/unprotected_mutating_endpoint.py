"""FE017: a POST/PUT/PATCH/DELETE route without the auth dependency its app or router's other routes have."""

from __future__ import annotations

import ast
import re
from functools import cached_property
from typing import ClassVar

from fastapi_expert.findings import Severity
from fastapi_expert.review.index import (
    MUTATING_METHODS,
    SECURITY_SCHEME_CLASSES,
    FunctionNode,
    Owner,
    Route,
    dotted_name,
    fastapi_names,
)
from fastapi_expert.review.rule import ROUTES, Invalid, Rule, Valid

__all__ = ["UnprotectedMutatingEndpoint"]

_DEPENDS = fastapi_names("Depends")
_SECURITY = fastapi_names("Security")
_SCHEME_CLASSES = SECURITY_SCHEME_CLASSES
#: What the name of an authentication dependency says: who is calling (get_current_user, verify_token, api_key...).
_AUTHENTICATION = re.compile(
    r"auth|current_?(active_?)?user|logged_?in|login_required|token|jwt|bearer|api_?key|credential|verify"
    r"|principal|oauth|signature|session_?user|sign(ed)?_?in",
    re.IGNORECASE,
)
#: Authorization only says what a caller may do (require_admin, PermissionsDependency): it protects the route that
#: has it, but is no evidence that the others lack authentication (a router is often authenticated where included).
_AUTHORIZATION = re.compile(r"permission|require|admin|superuser|(^|_)scopes?($|_)|guard|protect|role|is_?staff", re.I)
_AUTH = re.compile(f"{_AUTHENTICATION.pattern}|{_AUTHORIZATION.pattern}", re.IGNORECASE)
#: Routes that must work without credentials: signing in and up, token and password flows, webhooks, health.
_PUBLIC = re.compile(
    r"log_?in|log_?out|sign_?in|sign_?up|sign_?out|register|token|auth|oauth|callback|password|forgot|reset"
    r"|verif|confirm|webhook|health|public|refresh|invit|subscribe|contact|feedback",
    re.IGNORECASE,
)
#: ``POST /users`` next to authenticated routes is usually the sign-up itself.
_ACCOUNT_COLLECTIONS = frozenset({"users", "user", "accounts", "account", "members", "customers"})
_HEADER_NAMES = re.compile(r"^(authorization|x-api-key|api-key|x-token|x-auth-token)$", re.IGNORECASE)


class UnprotectedMutatingEndpoint(Rule):
    """## What it does
    Flags a `POST`, `PUT`, `PATCH` or `DELETE` route that takes no auth dependency when other routes of the same app
    or router do. An auth dependency is a `Security(...)`, a `Depends(...)` on a security scheme
    (`OAuth2PasswordBearer`, `APIKeyHeader`, `HTTPBearer`...), or on a function or class whose name says so
    (`get_current_user`, `verify_token`, `require_admin`) or that itself depends on one — in the route's parameters,
    its decorator's `dependencies=`, the router's or app's `dependencies=`, or `include_router(..., dependencies=...)`.

    ## Why is this bad?
    When reads need a user and a write does not, the write was almost always forgotten, not made public on purpose —
    and unauthenticated writes are the worst kind of hole: anyone can create, change or delete data.

    ## Example
    ```python
    from typing import Annotated

    from fastapi import APIRouter, Depends

    router = APIRouter()


    def get_current_user() -> str:
        return "alice"


    @router.get("/items/")
    def read_items(user: Annotated[str, Depends(get_current_user)]) -> list[str]:
        return []


    @router.delete("/items/{item_id}")
    def delete_item(item_id: int) -> None:
        return None
    ```

    ## Use instead
    ```python
    from typing import Annotated

    from fastapi import APIRouter, Depends

    router = APIRouter()


    def get_current_user() -> str:
        return "alice"


    @router.get("/items/")
    def read_items(user: Annotated[str, Depends(get_current_user)]) -> list[str]:
        return []


    @router.delete("/items/{item_id}")
    def delete_item(item_id: int, user: Annotated[str, Depends(get_current_user)]) -> None:
        return None
    ```
    Better still, protect the whole router: `APIRouter(dependencies=[Depends(get_current_user)])`.

    ## Known problems
    Routes that are public by nature are not reported: sign-in, sign-up, token, password-reset, webhook and health
    endpoints (by path or function name), and `POST /users` (usually the sign-up). A route that checks an
    `Authorization` or API-key header by hand is trusted. Only *authentication* on the other routes (a current user,
    a token, an API key, a security scheme) counts as the evidence: when they merely check permissions
    (`require_admin`, `PermissionsDependency`), the router is often authenticated where it is included, so nothing
    is reported. Routers protected where they are included from another module are not seen: add
    `# noqa: FE017` or protect them with `dependencies=` on the router. Test modules are skipped.

    ## References
    - [FastAPI: Security](https://fastapi.tiangolo.com/tutorial/security/)
    - [FastAPI: Dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
    - [FastAPI: Bigger Applications — router dependencies](https://fastapi.tiangolo.com/tutorial/bigger-applications/)
    """

    CODE = "FE017"
    MESSAGE = "this route changes data without the auth dependency the other routes have"
    SEVERITY = Severity.WARNING
    TRIGGERS = ("Depends", "Security")
    REQUIRES = ROUTES

    VALID: ClassVar = [
        # the whole router is protected
        Valid(
            "from fastapi import APIRouter, Depends\ndef get_current_user(): ...\n"
            "router = APIRouter(dependencies=[Depends(get_current_user)])\n"
            "@router.get('/items')\ndef a(): ...\n@router.post('/items')\ndef b(): ...\n"
        ),
        # no route of the app has auth: nothing to compare with
        Valid(
            "from fastapi import FastAPI, Depends\ndef get_db(): ...\napp = FastAPI()\n"
            "@app.get('/items')\ndef a(db=Depends(get_db)): ...\n@app.post('/items')\ndef b(db=Depends(get_db)): ...\n"
        ),
        # the token endpoint and sign-up are public by nature
        Valid(
            "from typing import Annotated\nfrom fastapi import FastAPI, Depends\n"
            "from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm\n"
            "oauth2_scheme = OAuth2PasswordBearer(tokenUrl='token')\napp = FastAPI()\n"
            "@app.post('/token')\nasync def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]): ...\n"
            "@app.post('/users/')\nasync def create_user(): ...\n"
            "@app.get('/users/me')\nasync def me(token: Annotated[str, Depends(oauth2_scheme)]): ...\n"
        ),
        # protected through a sub-dependency, a type alias, or where the router is included
        Valid(
            "from typing import Annotated\nfrom fastapi import APIRouter, Depends, FastAPI\n"
            "from fastapi.security import APIKeyHeader\nkey = APIKeyHeader(name='x-key')\n"
            "def service(k: Annotated[str, Depends(key)]): ...\nService = Annotated[object, Depends(service)]\n"
            "router = APIRouter()\n@router.get('/a')\ndef a(s: Service): ...\n"
            "@router.put('/a')\ndef b(s: Service): ...\n"
            "admin = APIRouter()\n@admin.get('/x')\ndef x(k=Depends(key)): ...\n@admin.delete('/x')\ndef y(): ...\n"
            "app = FastAPI()\napp.include_router(admin, dependencies=[Depends(key)])\n"
        ),
        # the other routes only check permissions: the router may be authenticated where it is included
        Valid(
            "from fastapi import APIRouter, Depends\nfrom app.auth import PermissionsDependency, ViewPermission\n"
            "router = APIRouter()\n"
            "@router.get('/', dependencies=[Depends(PermissionsDependency([ViewPermission]))])\ndef a(): ...\n"
            "@router.post('/{id}/run')\ndef b(id: int): ...\n"
        ),
        # a header read by hand, a check call in the body; a websocket; cyclic dependencies do not hang
        Valid(
            "from fastapi import FastAPI, Depends, Request, WebSocket\nfrom fastapi.security import HTTPBearer\n"
            "class Checker(HTTPBearer): ...\nuser_dep = Depends(Checker())\n"
            "def a_dep(x=Depends(lambda: 1), y=Depends(b_dep)): ...\ndef b_dep(x=Depends(a_dep)): ...\n"
            "app = FastAPI()\n@app.get('/d', dependencies=[Depends(a_dep)])\ndef d(): ...\n"
            "@app.get('/a', dependencies=[audit(), user_dep])\ndef a(): ...\n"
            "@app.websocket('/ws')\nasync def ws(websocket: WebSocket): ...\n"
            "@app.post('/b')\ndef b(request: Request):\n    if request.headers.get('Authorization') != 'x':\n"
            "        return None\n"
            "@app.post('/c')\ndef c(request: Request):\n    ensure_signed_in(request)\n"
            "app.include_router(d, dependencies=DEPENDENCIES)\n"
        ),
        # a manual Authorization header check
        Valid(
            "from fastapi import FastAPI, Depends, Header\ndef get_current_user(): ...\napp = FastAPI()\n"
            "@app.get('/a')\ndef a(u=Depends(get_current_user)): ...\n"
            "@app.post('/b')\ndef b(authorization: str = Header()): ...\n"
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from fastapi import FastAPI, Depends\ndef get_current_user(): ...\napp = FastAPI()\n"
            "@app.get('/items')\ndef a(user=Depends(get_current_user)): ...\n"
            "@app.post('/items')\ndef b(): ...\n",
            line=6,
            column=2,
            message="`POST /items` changes data without an auth dependency, unlike other routes of `app`",
        ),
        # Security(...) in a decorator's dependencies, aliased import, routes inside a factory
        Invalid(
            "import fastapi as fa\ndef build():\n    router = fa.APIRouter(prefix='/orders')\n"
            "    def user(): ...\n"
            "    @router.get('/', dependencies=[fa.Security(user, scopes=['read'])])\n    def a(): ...\n"
            "    @router.api_route('/{id}', methods=['PATCH'])\n    def b(id: int): ...\n    return router\n",
            line=7,
            message="`PATCH /orders/{id}` changes data without an auth dependency, unlike other routes of `router`",
        ),
        # a security scheme instance, Annotated style; another route with a non-auth dependency only
        Invalid(
            "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n"
            "from fastapi.security import HTTPBearer as Bearer\nbearer = Bearer()\ndef get_db(): ...\n"
            "router = APIRouter()\n"
            "@router.get('/notes')\ndef a(c: Annotated[str, Depends(bearer)]): ...\n"
            "@router.delete('/notes/{note_id}')\ndef b(note_id: int, db: Annotated[object, Depends(get_db)]): ...\n",
            line=9,
        ),
    ]

    def finish(self) -> None:
        if self.context.source.is_test:
            return  # test apps are built to exercise one route at a time
        by_owner: dict[str, list[Route]] = {}
        for route in self.context.index.routes:
            if not route.is_websocket:
                by_owner.setdefault(route.owner.name, []).append(route)
        for name, routes in by_owner.items():
            owner = routes[0].owner
            if self._owner_protected(owner):
                continue
            if not any(self._has_auth_dependency(route, _AUTHENTICATION) for route in routes):
                continue
            for route in routes:
                if not set(route.methods) & MUTATING_METHODS or self._has_auth_dependency(route, _AUTH):
                    continue
                if self._public(route) or self._checks_by_hand(route.function):
                    continue
                methods = "/".join(m for m in route.methods if m in MUTATING_METHODS)
                message = (
                    f"`{methods} {route.full_path or '/'}` changes data without an auth dependency, "
                    f"unlike other routes of `{name}`"
                )
                self.report(route.decorator, message)

    # -- where protection comes from ---------------------------------------------------------------------------------

    def _owner_protected(self, owner: Owner) -> bool:
        dependencies = [*owner.dependencies, *self._include_dependencies.get(owner.name, ())]
        return any(self._is_auth(d, _AUTH) for d in dependencies)

    @cached_property
    def _include_dependencies(self) -> dict[str, list[ast.expr]]:
        found: dict[str, list[ast.expr]] = {}
        for node in self.context.index.nodes_of(ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "include_router" and node.args:
                name = dotted_name(node.args[0])
                value = next((k.value for k in node.keywords if k.arg == "dependencies"), None)
                if name is not None and isinstance(value, ast.List | ast.Tuple):
                    found.setdefault(name, []).extend(value.elts)
        return found

    def _has_auth_dependency(self, route: Route, names: re.Pattern[str]) -> bool:
        return any(self._is_auth(d, names) for d in route.dependencies) or self._function_has_auth(
            route.function, names, 0
        )

    def _function_has_auth(self, function: FunctionNode, names: re.Pattern[str], depth: int) -> bool:
        if depth > 5:
            return False
        path_names = self.context.index.route_functions.get(id(function))
        parameters = self.context.index.parameters(function, path_names.path_parameters if path_names else ())
        for parameter in parameters:
            markers = [parameter.marker] if parameter.marker is not None else []
            markers += [m for m in parameter.metadata if isinstance(m, ast.Call)]
            if any(self._is_auth(marker, names, depth) for marker in markers):
                return True
        return False

    def _is_auth(self, node: ast.expr, names: re.Pattern[str], depth: int = 0) -> bool:
        """Whether ``Depends(x)``/``Security(x)`` protects the route (``x`` named after ``names``, a security scheme,
        or depending on one)."""
        call = self.context.index.marker(node)  # Depends(...), or a module-level name bound to one
        if call is None:
            return False
        qualified = self.context.index.resolve(call.func)
        if qualified in _SECURITY:
            return True
        if qualified not in _DEPENDS:
            return False
        target = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dependency"), None)
        return target is not None and self._is_auth_target(target, names, depth)

    def _is_auth_target(self, target: ast.expr, names: re.Pattern[str], depth: int) -> bool:
        index = self.context.index
        if isinstance(target, ast.Call):  # Depends(HTTPBearer()), Depends(RoleChecker(["admin"]))
            return self._is_auth_target(target.func, names, depth)
        name = dotted_name(target)
        if name is None:
            return False
        if names.search(name.rsplit(".", 1)[-1]) or index.resolve(target) in _SCHEME_CLASSES:
            return True
        bound = index.module_constants.get(name)
        if isinstance(bound, ast.Call):  # scheme = OAuth2PasswordBearer(...)
            return self._is_auth_target(bound.func, names, depth)
        if name in index.classes:
            return any(self._is_auth_target(base, names, depth) for base in index.classes[name].bases)
        function = index.functions.get(name)
        return function is not None and self._function_has_auth(function, names, depth + 1)

    # -- routes that need no dependency ------------------------------------------------------------------------------

    def _public(self, route: Route) -> bool:
        path = route.full_path or ""
        if _PUBLIC.search(path) or _PUBLIC.search(route.function.name):
            return True
        segments = [s for s in path.strip("/").split("/") if s]
        return route.methods == ("POST",) and bool(segments) and segments[-1].lower() in _ACCOUNT_COLLECTIONS

    def _checks_by_hand(self, function: FunctionNode) -> bool:
        """A parameter named like a credential, or a credential header read from the request."""
        arguments = function.args
        names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
        if any(_AUTH.search(name) for name in names):
            return True
        for node in self.context.index.own_nodes(function):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _HEADER_NAMES.match(node.value):
                return True
            if isinstance(node, ast.Call) and _AUTH.search((dotted_name(node.func) or "").rsplit(".", 1)[-1]):
                return True
        return False
