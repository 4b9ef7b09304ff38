"""The route round trip sends one realistic request per route, in a user's order, and judges each answer."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import (
    APIRouter,
    Cookie,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Response,
    Security,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from fastapi_expert.validate.examples import UnsatisfiableSchema, example_for
from fastapi_expert.validate.roundtrip import (
    RouteKey,
    RouteResult,
    exercise_routes,
    format_app_traceback,
    route_dependants,
)


def by_route(results: tuple[RouteResult, ...]) -> dict[tuple[str, str], RouteResult]:
    return {(result.method, result.path): result for result in results}


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    price: float = Field(gt=0)
    tags: list[str] = []


class Item(ItemIn):
    id: int


def crud_app() -> FastAPI:
    app = FastAPI()
    items: dict[int, Item] = {}

    @app.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: int) -> None:
        if items.pop(item_id, None) is None:
            raise HTTPException(404, "Item not found")

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> Item:
        if item_id not in items:
            raise HTTPException(404, "Item not found")
        return items[item_id]

    @app.patch("/items/{item_id}")
    def update_item(item_id: int, patch: ItemIn) -> Item:
        if item_id not in items:
            raise HTTPException(404, "Item not found")
        items[item_id] = Item(id=item_id, **patch.model_dump())
        return items[item_id]

    @app.get("/items/")
    def list_items(skip: int = 0, limit: Annotated[int, Query(le=100)] = 10) -> list[Item]:
        return list(items.values())[skip : skip + limit]

    @app.post("/items/", status_code=201)
    def create_item(item: ItemIn) -> Item:
        created = Item(id=len(items) + 41, **item.model_dump())
        items[created.id] = created
        return created

    return app


def test_crud_app_passes_and_reads_the_created_item() -> None:
    """A correct CRUD app passes; the create runs first, its id feeds GET/PATCH/DELETE by id (200/204, not 404)."""
    report = exercise_routes(crud_app())
    assert report.ok, report.render()
    assert [(r.method, r.path) for r in report.results] == [
        ("POST", "/items/"),
        ("GET", "/items/"),
        ("GET", "/items/{item_id}"),
        ("PATCH", "/items/{item_id}"),
        ("DELETE", "/items/{item_id}"),
    ]
    results = by_route(report.results)
    assert results["POST", "/items/"].status == 201
    assert results["GET", "/items/{item_id}"].status == 200
    assert results["GET", "/items/{item_id}"].request.startswith("GET /items/41")
    assert results["PATCH", "/items/{item_id}"].status == 200
    assert results["DELETE", "/items/{item_id}"].status == 204
    assert "json=" in results["POST", "/items/"].request


def test_a_route_that_raises_fails_with_the_apps_own_traceback() -> None:
    """When the app raises, the route fails and the traceback names the user's function and line, without framework
    frames."""
    app = FastAPI()

    def ratio(total: int, count: int) -> float:
        return total / count

    @app.get("/average")
    def average(total: int) -> float:
        return ratio(total, 0)

    report = exercise_routes(app)
    assert not report.ok
    (result,) = report.results
    assert result.status is None
    assert result.problem is not None
    line = inspect.getsourcelines(ratio)[1] + 1
    assert f'{__file__}", line {line}, in ratio' in result.problem
    assert "in average" in result.problem
    assert result.problem.rstrip().endswith("ZeroDivisionError: division by zero")
    for library in ("starlette", "fastapi/", "anyio", "httpx"):
        assert library not in result.problem
    rendered = report.render()
    assert "FAIL --- GET /average - ZeroDivisionError: division by zero" in rendered
    assert "First failure: GET /average" in rendered
    assert "request: GET /average?total=1" in rendered


def test_traceback_keeps_the_cause() -> None:
    """A chained exception shows its cause first, then the exception it caused."""

    settings: dict[str, str] = {}

    def load() -> str:
        try:
            return settings["missing"]
        except KeyError as exc:
            raise RuntimeError("config incomplete") from exc

    with pytest.raises(RuntimeError) as caught:
        load()
    text = format_app_traceback(caught.value)
    assert text.index("KeyError: 'missing'") < text.index("which caused:") < text.index("RuntimeError: config")


def test_traceback_frames_of_the_package_are_dropped_but_the_reference_apps_kept() -> None:
    """Frames in fastapi_expert's own modules are dropped; the reference app shipped inside the package is app code."""
    import fastapi_expert.validate.roundtrip as roundtrip

    fake = Path(roundtrip.__file__).parent / "reference_app" / "app" / "fake_router.py"
    namespace: dict[str, object] = {"example_for": example_for}
    source = "def handler():\n    return example_for({'type': 'integer', 'minimum': 2, 'maximum': 1}, root={})\n"
    exec(compile(source, str(fake), "exec"), namespace)  # noqa: S102 - a frame that claims to be in the reference app
    with pytest.raises(UnsatisfiableSchema) as caught:
        namespace["handler"]()  # type: ignore[operator]
    text = format_app_traceback(caught.value)
    assert f'File "{fake}", line 2, in handler' in text
    assert "examples.py" not in text


def test_response_violating_its_schema_fails() -> None:
    """A 200 whose JSON body does not match the schema declared for 200 fails, naming where it differs."""
    app = FastAPI()

    @app.get("/item", response_model=None, responses={200: {"model": Item}})
    def item() -> JSONResponse:
        return JSONResponse({"id": "not a number", "name": "x", "price": 1})

    (result,) = exercise_routes(app).results
    assert not result.ok
    assert result.status == 200
    assert result.problem is not None
    assert "$.id" in result.problem
    assert "'not a number' is not of type 'integer'" in result.problem


def test_no_content_with_a_body_fails() -> None:
    """A 204 answer with a body fails."""
    app = FastAPI()

    @app.delete("/things/{thing_id}", status_code=204)
    def delete(thing_id: int) -> Response:
        return Response(content=b'{"deleted": true}', status_code=204)

    (result,) = exercise_routes(app).results
    assert not result.ok
    assert result.problem == "204 must have an empty body, got b'{\"deleted\": true}'"


def test_server_error_answer_fails() -> None:
    """An answer of 500 or more fails even when the app did not raise."""
    app = FastAPI()

    @app.get("/down")
    def down() -> JSONResponse:
        return JSONResponse({"detail": "database unavailable"}, status_code=503)

    (result,) = exercise_routes(app).results
    assert (result.ok, result.status) == (False, 503)
    assert "database unavailable" in (result.problem or "")


class User(BaseModel):
    username: str
    email: str | None = None
    disabled: bool | None = None


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    raise HTTPException(status_code=401, detail="Could not validate credentials")  # no real token in a test


async def get_active_user(user: Annotated[User, Depends(get_current_user)]) -> User:
    if user.disabled:
        raise HTTPException(400, "Inactive user")
    return user


def test_oauth2_with_a_current_user_dependency_is_satisfied_and_restored() -> None:
    """OAuth2PasswordBearer and get_current_user (returning a pydantic User) are overridden for the round trip, so the
    protected route answers 200; the app's overrides are exactly as before afterwards."""
    app = FastAPI()

    @app.get("/users/me")
    async def me(user: Annotated[User, Depends(get_active_user)]) -> User:
        return user

    @app.get("/token-echo")
    async def token_echo(token: Annotated[str, Depends(oauth2_scheme)]) -> dict[str, str]:
        return {"token": token}

    def existing() -> None:
        return None

    app.dependency_overrides[existing] = existing
    before = dict(app.dependency_overrides)
    with TestClient(app) as client:
        report = exercise_routes(app, client=client)
        assert report.ok, report.render()
        assert {result.status for result in report.results} == {200}
        assert all(result.note is None for result in report.results)
        assert client.get("/token-echo").status_code == 401  # the scheme is real again
    assert app.dependency_overrides == before


api_key = APIKeyHeader(name="X-API-Key")
basic = HTTPBasic()
bearer = HTTPBearer()


def test_api_key_header_bearer_and_http_basic() -> None:
    """APIKeyHeader, HTTPBearer and HTTPBasic schemes get plausible credentials: the routes answer 200."""
    app = FastAPI()

    @app.get("/keyed")
    def keyed(key: Annotated[str, Security(api_key)]) -> dict[str, str]:
        return {"key": key}

    @app.get("/basic")
    def basic_route(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> dict[str, str]:
        return {"user": credentials.username}

    @app.get("/bearer")
    def bearer_route(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> dict[str, str]:
        return {"scheme": credentials.scheme}

    report = exercise_routes(app)
    assert report.ok, report.render()
    assert {result.status for result in report.results} == {200}
    assert app.dependency_overrides == {}


class Account:
    """Not a pydantic model nor a dataclass: no stand-in can be built from it."""

    def __init__(self, name: str) -> None:
        self.name = name


async def get_account(token: Annotated[str, Depends(oauth2_scheme)]) -> Account:
    raise HTTPException(status_code=401, detail="Not authenticated")


def test_auth_not_satisfied_is_noted() -> None:
    """A dependency on a scheme with no buildable return type is left alone: the 401 passes, noted in the report."""
    app = FastAPI()

    @app.get("/account")
    def account(current: Annotated[Account, Depends(get_account)]) -> dict[str, str]:
        return {"name": current.name}

    report = exercise_routes(app)
    (result,) = report.results
    assert (result.ok, result.status) == (True, 401)
    assert result.note == "auth not satisfied: could not stand in for get_account"
    assert "(auth not satisfied" in report.render()


@dataclass
class Principal:
    name: str
    admin: bool


def principal(token: Annotated[str, Depends(oauth2_scheme)]) -> Principal:
    raise HTTPException(401)


def user_id(token: Annotated[str, Depends(oauth2_scheme)]) -> int:
    raise HTTPException(401)


def test_dataclass_and_simple_stand_ins() -> None:
    """Dependencies on a scheme returning a dataclass or a plain type get stand-ins too."""
    app = FastAPI()

    @app.get("/whoami")
    def whoami(
        who: Annotated[Principal, Depends(principal)], uid: Annotated[int, Depends(user_id)]
    ) -> dict[str, object]:
        return {"name": who.name, "admin": who.admin, "uid": uid}

    (result,) = exercise_routes(app).results
    assert (result.ok, result.status, result.note) == (True, 200, None)


def test_form_upload_and_constrained_parameters() -> None:
    """Form bodies, multipart uploads (single and list), and query/header/cookie parameters with patterns and bounds
    are built valid: every route answers 200 with what it was sent."""
    app = FastAPI()
    seen: dict[str, object] = {}

    @app.post("/token")
    def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
        seen["login"] = form.username
        return {"access_token": "t", "token_type": "bearer"}

    @app.post("/contact")
    def contact(email: Annotated[str, Form()], age: Annotated[int, Form(ge=18)]) -> dict[str, object]:
        seen["contact"] = (email, age)
        return {"ok": True}

    @app.post("/upload")
    async def upload(
        file: UploadFile, extra: list[UploadFile], note: Annotated[str, Form()], raw: Annotated[bytes, File()]
    ) -> dict[str, object]:
        seen["upload"] = (await file.read(), len(extra), note, raw)
        return {"size": file.size}

    @app.get("/search")
    def search(
        code: Annotated[str, Query(pattern=r"^[A-Z]{3}-\d{2}$")],
        page: Annotated[int, Query(ge=3, le=9)],
        x_trace: Annotated[str, Header(min_length=4)],
        session: Annotated[str, Cookie()],
        optional: Annotated[int | None, Query(gt=1000)] = None,
    ) -> dict[str, object]:
        seen["search"] = (code, page, x_trace, session, optional)
        return {}

    report = exercise_routes(app)
    assert report.ok, report.render()
    assert {result.status for result in report.results} == {200}
    assert seen["login"] == "example"
    assert seen["contact"] == ("example", 18)
    assert seen["upload"] == (b"example file content\n", 1, "example", b"example file content\n")
    assert seen["search"] == ("AAA-00", 3, "example", "example", None)
    request = by_route(report.results)["GET", "/search"].request
    assert request == "GET /search?code=AAA-00&page=3 x-trace: example cookie: session=example"


def test_explicit_routes_and_unknown_ones() -> None:
    """Only the given routes run; a route missing from the OpenAPI document is a failure saying so."""
    report = exercise_routes(crud_app(), [RouteKey("post", "/items/"), RouteKey("GET", "/nowhere")])
    assert [(r.method, r.path, r.ok) for r in report.results] == [("POST", "/items/", True), ("GET", "/nowhere", False)]
    assert report.results[1].problem == "not in the OpenAPI document"


def test_lifespan_runs_once_with_a_given_client() -> None:
    """A given client's lifespan is reused; without a client the round trip runs the lifespan itself."""
    started: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
        started.append("up")
        yield {"db": "ready"}

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    with TestClient(app) as client:
        assert exercise_routes(app, client=client).ok
        assert exercise_routes(app, client=client).ok
    assert started == ["up"]
    assert exercise_routes(app).ok
    assert started == ["up", "up"]


def test_rejected_request_is_noted() -> None:
    """A 422 to a request built from the route's own schema passes (below 500) but says what the app rejected."""
    app = FastAPI()

    @app.post("/events")
    def create(body: dict[str, int]) -> dict[str, int]:
        raise RequestValidationError([{"type": "value_error", "loc": ("body",), "msg": "no events today"}])

    (result,) = exercise_routes(app).results
    assert (result.ok, result.status) == (True, 422)
    assert result.note is not None
    assert result.note.startswith("rejected as invalid: ")
    assert "no events today" in result.note


def test_route_dependants_lists_the_documented_routes() -> None:
    """route_dependants maps (method, OpenAPI path) to the dependency tree: router prefixes and router dependencies
    included, docs and hidden routes not."""
    app = FastAPI()
    router = APIRouter(prefix="/v1", dependencies=[Depends(oauth2_scheme)])
    inner = APIRouter(prefix="/files")

    @inner.get("/{name:path}")
    def read_file(name: str) -> str:
        return name

    @router.put("/notes/{note_id}")
    def put_note(note_id: int) -> int:
        return note_id

    @app.get("/hidden", include_in_schema=False)
    def hidden() -> None:
        return None

    router.include_router(inner)
    app.include_router(router)
    dependants = route_dependants(app)
    assert sorted(dependants) == [RouteKey("GET", "/v1/files/{name}"), RouteKey("PUT", "/v1/notes/{note_id}")]
    assert [sub.call for sub in dependants[RouteKey("GET", "/v1/files/{name}")].dependencies] == [oauth2_scheme]


def test_router_level_security_is_satisfied() -> None:
    """A scheme required by an included router's dependencies is overridden too: the nested route answers 200."""
    app = FastAPI()
    router = APIRouter(prefix="/admin", dependencies=[Depends(oauth2_scheme)])

    @router.get("/stats")
    def stats() -> dict[str, int]:
        return {"users": 1}

    app.include_router(router)
    (result,) = exercise_routes(app).results
    assert (result.ok, result.status, result.path) == (True, 200, "/admin/stats")
