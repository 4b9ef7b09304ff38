"""``add_auth`` on one module: each scheme applied to an app written as a user would, then run; and bad input."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import libcst
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash

from fastapi_expert.codemods.add_auth import AddAuthCommand
from fastapi_expert.codemods.single import MAX_SOURCE_BYTES, add_auth_to_source
from fastapi_expert.errors import InputError, SourceParseError
from fastapi_expert.review.engine import ReviewRequest, review_code

USER_APP = '''"""A small notes service, as its author wrote it."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path
from pydantic import BaseModel

# In memory: good enough for a demo.
NOTES: dict[int, str] = {}


class Note(BaseModel):
    """A note."""

    text: str


app = FastAPI(title="Notes")  # the one app
admin = APIRouter(prefix="/admin", tags=["admin"])


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe: must stay public."""
    return {"status": "ok"}


@app.get("/notes")
def list_notes() -> list[str]:
    return list(NOTES.values())


@app.post("/notes", status_code=201)
def add_note(note: Note) -> dict[str, int]:
    """Store a note."""
    note_id = len(NOTES) + 1
    NOTES[note_id] = note.text
    return {"id": note_id}


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: Annotated[int, Path(ge=1)]) -> None:
    NOTES.pop(note_id, None)


@admin.post("/reset")
def reset() -> dict[str, str]:
    # Wipe everything.
    NOTES.clear()
    return {"reset": "done"}


app.include_router(admin)
'''

SECRET = "s" * 40
PASSWORD = "correct horse battery staple"


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Write the files under a fresh package in tmp_path and import ``<package>.main``."""
    loaded: list[str] = []

    def _load(files: dict[str, str], package: str) -> FastAPI:
        for path, content in files.items():
            target = tmp_path / package / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        (tmp_path / package / "__init__.py").write_text("")
        monkeypatch.syspath_prepend(str(tmp_path))
        loaded.append(package)
        return importlib.import_module(f"{package}.main").app

    yield _load
    for name in list(sys.modules):
        if name.split(".")[0] in loaded:
            del sys.modules[name]


def _apply(scheme: str) -> dict[str, str]:
    result = add_auth_to_source(USER_APP, "main.py", scheme=scheme)
    assert [file.path for file in result.files] == ["main.py", "auth.py"]
    return {file.path: file.content.replace("from auth import", "from .auth import") for file in result.files}


def _assert_public_routes_unchanged(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/notes").status_code == 200


def _assert_clean(result_files: dict[str, str]) -> None:
    for path, content in result_files.items():
        findings = review_code(content, path, ReviewRequest()).findings
        assert findings == [], (path, findings)


def _assert_openapi(client: TestClient, scheme_type: str) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert [entry["type"] for entry in schemes.values()] == [scheme_type]
    assert "security" in schema["paths"]["/notes"]["post"]
    assert "security" not in schema["paths"]["/notes"]["get"]
    assert "security" in schema["paths"]["/admin/reset"]["post"]


def test_api_key(load, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutating routes need X-API-Key = $API_KEY (401 with WWW-Authenticate otherwise); reads stay public."""
    monkeypatch.setenv("API_KEY", SECRET)
    files = _apply("api-key")
    client = TestClient(load(files, "keyed"))
    _assert_public_routes_unchanged(client)
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": "é".encode()}):
        response = client.post("/notes", json={"text": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "APIKey"
        assert client.post("/admin/reset", headers=headers).status_code == 401
    good = {"X-API-Key": SECRET}
    assert client.post("/notes", json={"text": "x"}, headers=good).status_code == 201
    assert client.delete("/notes/1", headers=good).status_code == 204
    assert client.post("/admin/reset", headers=good).json() == {"reset": "done"}
    _assert_openapi(client, "apiKey")
    _assert_clean(files)


def test_http_basic(load, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutating routes need Basic credentials equal to $AUTH_USERNAME/$AUTH_PASSWORD."""
    monkeypatch.setenv("AUTH_USERNAME", "alice")
    monkeypatch.setenv("AUTH_PASSWORD", PASSWORD)
    files = _apply("http-basic")
    client = TestClient(load(files, "basic"))
    _assert_public_routes_unchanged(client)
    for auth in (None, ("alice", "wrong password"), ("bob", PASSWORD)):
        response = client.post("/notes", json={"text": "x"}, auth=auth)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Basic"
    assert client.post("/notes", json={"text": "x"}, auth=("alice", PASSWORD)).status_code == 201
    assert client.post("/admin/reset", auth=("alice", PASSWORD)).status_code == 200
    _assert_openapi(client, "http")
    _assert_clean(files)


def test_oauth2_password_jwt(load, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token from /token (for $AUTH_USERNAME with the argon2 $AUTH_PASSWORD_HASH) opens the mutating routes."""
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("AUTH_USERNAME", "alice")
    monkeypatch.setenv("AUTH_PASSWORD_HASH", PasswordHash.recommended().hash(PASSWORD))
    files = _apply("oauth2-password-jwt")
    client = TestClient(load(files, "jwt_app"))
    _assert_public_routes_unchanged(client)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = client.post("/notes", json={"text": "x"}, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.post("/token", data={"username": "alice", "password": "wrong"}).status_code == 401
    assert client.post("/token", data={"username": "nobody", "password": PASSWORD}).status_code == 401
    token = client.post("/token", data={"username": "alice", "password": PASSWORD}).json()["access_token"]
    good = {"Authorization": f"Bearer {token}"}
    assert client.post("/notes", json={"text": "x"}, headers=good).status_code == 201
    assert client.post("/admin/reset", headers=good).status_code == 200
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "token"
    _assert_openapi(client, "oauth2")
    _assert_clean(files)


THREADPOOL_APP = """from fastapi import Depends, FastAPI

from . import auth
from .auth import require_auth

app = FastAPI()
if hasattr(auth, "router"):
    app.include_router(auth.router)


@app.get("/closed", dependencies=[Depends(require_auth)])
async def closed() -> dict[str, str]:
    return {"ok": "yes"}
"""


@pytest.mark.parametrize("scheme", ["oauth2-password-jwt", "api-key", "http-basic"])
def test_an_authenticated_request_takes_no_threadpool_hop(load, monkeypatch: pytest.MonkeyPatch, scheme: str) -> None:
    """Every dependency a request goes through is async and cheap: nothing runs in the threadpool, where each hop
    costs a thread switch (the sync settings, store and check cost three). Only /token uses it, for argon2."""
    for name, value in {"API_KEY": SECRET, "SECRET_KEY": SECRET, "AUTH_USERNAME": "alice"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AUTH_PASSWORD", PASSWORD)
    monkeypatch.setenv("AUTH_PASSWORD_HASH", PasswordHash.recommended().hash(PASSWORD))
    auth = add_auth_to_source(USER_APP, "main.py", scheme=scheme).files[1].content
    package = f"hops_{scheme.replace('-', '_')}"
    client = TestClient(load({"main.py": THREADPOOL_APP, "auth.py": auth}, package))
    credentials: dict[str, Any] = {"headers": {"X-API-Key": SECRET}} if scheme == "api-key" else {}
    if scheme == "http-basic":
        credentials = {"auth": ("alice", PASSWORD)}
    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(function: Callable[..., object], *args: object, **kwargs: Any) -> object:
        hops.append(function)
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    if scheme == "oauth2-password-jwt":
        token = client.post("/token", data={"username": "alice", "password": PASSWORD}).json()["access_token"]
        verify = sys.modules[f"{package}.auth"].password_hash.verify
        assert verify in [getattr(hop, "func", None) for hop in hops]  # argon2 runs in the threadpool
        credentials = {"headers": {"Authorization": f"Bearer {token}"}}
        hops.clear()
    assert client.get("/closed").status_code == 401
    assert client.get("/closed", **credentials).json() == {"ok": "yes"}
    assert hops == []


@pytest.mark.parametrize("scheme", ["oauth2-password-jwt", "api-key", "http-basic"])
def test_second_run_is_a_no_op(scheme: str) -> None:
    """Applied to its own output, add_auth changes nothing and returns no files."""
    first = add_auth_to_source(USER_APP, "main.py", scheme=scheme)
    edited = first.files[0].content
    second = add_auth_to_source(edited, "main.py", scheme=scheme)
    assert (second.files, second.diff) == ([], "")
    assert first.diff.startswith("diff --git a/auth.py b/auth.py\nnew file mode")


def test_a_no_op_run_builds_no_libcst_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deciding that nothing changes takes the route inventory only (the ast tree), not a libcst parse."""
    edited = add_auth_to_source(USER_APP, "main.py", scheme="api-key").files[0].content

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("libcst.parse_module called on a no-op run")

    monkeypatch.setattr(libcst, "parse_module", refuse)
    assert add_auth_to_source(edited, "main.py", scheme="api-key").files == []


def _module_with_bodies(lines: int) -> str:
    """20 routes (10 mutating: 5 on the app, 5 on a router), each body ``lines`` long."""
    body = "".join(f"    step_{k} = item_id + {k}  # step {k}\n" for k in range(lines))
    kinds = [("app", "get"), ("app", "post"), ("admin", "delete"), ("admin", "get")] * 5
    routes = "".join(
        f'\n\n@{router}.{method}("/r{n}/{{item_id}}")\n'
        f"def handler_{n}(item_id: int) -> int:\n{body}    return item_id\n"
        for n, (router, method) in enumerate(kinds)
    )
    head = "from fastapi import APIRouter, FastAPI\n\napp = FastAPI()\nadmin = APIRouter()\n"
    return f"{head}{routes}\n\napp.include_router(admin)\n"


def test_the_codemod_enters_only_what_it_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The codemod's work does not grow with the size of the route bodies it does not edit: it enters the same nodes
    whether each body has 2 or 40 lines (no pass over the whole module, no metadata computed for it)."""
    entered: list[int] = []
    on_visit = AddAuthCommand.on_visit

    def counting(self: AddAuthCommand, node: libcst.CSTNode) -> bool:
        result = on_visit(self, node)
        entered[-1] += result
        return result

    monkeypatch.setattr(AddAuthCommand, "on_visit", counting)
    for lines in (2, 40):
        entered.append(0)
        result = add_auth_to_source(_module_with_bodies(lines), "main.py", scheme="oauth2-password-jwt")
        assert len(result.protected) == 10
    assert entered[0] == entered[1] < 10 * 15


@pytest.mark.parametrize(
    ("filename", "taken", "auth_path", "imported"),
    [
        ("main.py", [], "auth.py", "from auth import"),
        ("main.py", ["auth.py"], "security.py", "from security import"),
        ("app/main.py", ["auth", "security.py"], "app/fastapi_auth.py", "from .fastapi_auth import"),
        ("auth.py", [], "security.py", "from security import"),
    ],
)
def test_the_auth_module_takes_a_free_name(filename: str, taken: list[str], auth_path: str, imported: str) -> None:
    """A file or folder next to the module (``taken``), or the module itself, keeps its name; a second run with the
    same neighbours changes nothing."""
    result = add_auth_to_source(USER_APP, filename, scheme="api-key", taken=taken)
    assert [file.path for file in result.files] == [filename, auth_path]
    assert imported in result.files[0].content
    assert add_auth_to_source(result.files[0].content, filename, scheme="api-key", taken=taken).files == []


def test_a_module_the_source_imports_other_names_from_is_the_users() -> None:
    """``from auth import verify_token``: the module's own auth.py exists; ours must not replace or shadow it."""
    source = USER_APP.replace(
        "from pydantic import BaseModel\n", "from pydantic import BaseModel\n\nfrom auth import verify_token\n"
    )
    result = add_auth_to_source(source, "main.py", scheme="api-key")
    assert [file.path for file in result.files] == ["main.py", "security.py"]
    assert "from auth import verify_token" in result.files[0].content
    assert "from security import require_auth" in result.files[0].content
    assert add_auth_to_source(result.files[0].content, "main.py", scheme="api-key").files == []


def test_every_name_taken_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^filename: auth\.py, security\.py, fastapi_auth\.py are all taken"):
        add_auth_to_source(USER_APP, "main.py", taken=["auth.py", "security", "fastapi_auth.py"])


LOGIN_APP = """from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordRequestForm

app = FastAPI()
auth = APIRouter(prefix="/auth")


@app.post("/token")
def token() -> dict[str, str]:
    return {"access_token": "x"}


@auth.post("/session")
def open_session(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    return {"user": form.username}


@auth.post("/login/access-token")
def login_access_token() -> None:
    return None


@app.post("/items")
def create_item() -> None:
    return None


app.include_router(auth)
"""


@pytest.mark.parametrize("protect", ["all", "mutating"])
def test_the_users_login_routes_are_left_open_with_a_note(protect: str) -> None:
    """Protecting the routes clients log in through would lock everybody out: a path with /token or /login, or a
    route taking OAuth2PasswordRequestForm, is skipped (and said so); the other routes are protected."""
    result = add_auth_to_source(LOGIN_APP, "main.py", scheme="api-key", protect=protect)
    assert [(route.methods, route.path) for route in result.protected] == [(["POST"], "/items")]
    edited = result.files[0].content
    assert edited.count("Depends(require_auth)") == 1
    assert 'auth = APIRouter(prefix="/auth")' in edited  # not protected at the router level either
    note = next(note for note in result.notes if note.startswith("left "))
    assert "POST /token (main.py), POST /auth/session (main.py), POST /auth/login/access-token (main.py)" in note
    assert add_auth_to_source(edited, "main.py", scheme="api-key", protect=protect).files == []


def test_a_login_route_named_in_protect_is_protected() -> None:
    result = add_auth_to_source(LOGIN_APP, "main.py", scheme="api-key", protect=["POST /token"])
    assert [(route.methods, route.path) for route in result.protected] == [(["POST"], "/token")]
    assert not any(note.startswith("left ") for note in result.notes)


def test_comments_docstrings_and_layout_are_kept() -> None:
    """Only the edited lines differ: every other line of the module is unchanged and in order."""
    edited = add_auth_to_source(USER_APP, "main.py", scheme="api-key").files[0].content
    original_lines = USER_APP.splitlines()
    kept = [line for line in original_lines if line in edited.splitlines()]
    changed = set(original_lines) - set(kept)
    assert changed == {
        "from fastapi import APIRouter, FastAPI, Path",
        'admin = APIRouter(prefix="/admin", tags=["admin"])',
        '@app.post("/notes", status_code=201)',
        '@app.delete("/notes/{note_id}", status_code=204)',
    }


def test_a_module_in_a_folder_imports_its_auth_module_relatively() -> None:
    result = add_auth_to_source(USER_APP, "app/main.py", scheme="api-key")
    assert [file.path for file in result.files] == ["app/main.py", "app/auth.py"]
    assert "from .auth import require_auth\n" in result.files[0].content


def test_protected_routes_are_reported() -> None:
    result = add_auth_to_source(USER_APP, "main.py", scheme="api-key")
    assert [(route.methods, route.path, route.how) for route in result.protected] == [
        (["POST"], "/notes", "decorator"),
        (["DELETE"], "/notes/{note_id}", "decorator"),
        (["POST"], "/admin/reset", "router"),
    ]
    assert any("API_KEY" in note for note in result.notes)


# -- bad input -----------------------------------------------------------------------------------------------------


def test_unknown_scheme() -> None:
    with pytest.raises(InputError, match=r"^scheme: unknown scheme 'jwt'; the schemes are oauth2-password-jwt"):
        add_auth_to_source(USER_APP, scheme="jwt")


def test_a_pattern_matching_no_route_is_named() -> None:
    with pytest.raises(InputError, match=r"^protect: 'DELETE /nope' matches no route \(the routes are: .*POST /notes"):
        add_auth_to_source(USER_APP, protect=["/notes", "DELETE /nope"])


@pytest.mark.parametrize(
    ("protect", "message"),
    [([], "the list of routes is empty"), (["notes"], "must start with '/'"), ("some", "is not 'mutating'")],
)
def test_malformed_protect(protect: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        add_auth_to_source(USER_APP, protect=protect)  # type: ignore[arg-type]


def test_source_that_does_not_parse() -> None:
    with pytest.raises(SourceParseError, match=r"^main\.py:3:7: does not parse") as caught:
        add_auth_to_source("import x\n\ndef f(:\n    pass\n")
    assert (caught.value.line, caught.value.column) == (3, 7)


def test_no_app_or_router() -> None:
    with pytest.raises(InputError, match=r"^source: main\.py defines no FastAPI app or APIRouter"):
        add_auth_to_source("def f() -> int:\n    return 1\n")


def test_oversize_source() -> None:
    with pytest.raises(InputError, match=r"^source: is 1,000,0\d\d bytes; the limit is 1,000,000"):
        add_auth_to_source("#" * (MAX_SOURCE_BYTES + 10) + "\n")


@pytest.mark.parametrize("filename", ["/etc/main.py", "../main.py", "main.txt"])
def test_bad_filename(filename: str) -> None:
    with pytest.raises(InputError, match=r"^filename: "):
        add_auth_to_source(USER_APP, filename)
