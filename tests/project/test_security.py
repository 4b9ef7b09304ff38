"""DependencySchemes: which security schemes a dependency reaches, however deep the chain of dependencies, and never
a cached "unprotected" for a dependency whose walk was cut short."""

from __future__ import annotations

import pytest

from fastapi_expert.codemods.single import add_auth_to_source
from fastapi_expert.project.routes import inventory_source
from fastapi_expert.project.security import _MAX_DEPTH

OAUTH2 = ("fastapi.security.OAuth2PasswordBearer",)
API_KEY = ("fastapi.security.APIKeyHeader",)

#: The usual hand-written chain: Depends(require_auth) -> user: CurrentUser -> get_current_user -> oauth2_scheme.
HAND_WRITTEN = '''"""An app secured by hand, the way the FastAPI tutorial does it."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    return token


CurrentUser = Annotated[str, Depends(get_current_user)]


def require_auth(user: CurrentUser) -> None:
    """Only checks that there is a user."""


app = FastAPI()
admin = APIRouter(prefix="/admin", dependencies=[Depends(require_auth)])


@app.get("/items")
def list_items() -> list[str]:
    return []


@app.post("/items", dependencies=[Depends(require_auth)])
def create_item() -> None:
    return None


@app.delete("/items/{item_id}")
def delete_item(item_id: int, user: CurrentUser) -> str:
    return user


@admin.put("/settings")
def replace_settings() -> None:
    return None


app.include_router(admin)
'''


def protection(source: str) -> dict[str, tuple[str, ...]]:
    return {f"{' '.join(e.methods)} {e.full_path}": e.schemes for e in inventory_source(source).endpoints}


def test_the_hand_written_chain_protects_through_depends_through_the_alias_and_through_the_router() -> None:
    assert protection(HAND_WRITTEN) == {
        "GET /items": (),
        "POST /items": OAUTH2,
        "DELETE /items/{item_id}": OAUTH2,
        "PUT /admin/settings": OAUTH2,
    }


def test_the_order_the_routes_are_walked_in_does_not_matter() -> None:
    """The alias route walked first this time (each route's walk caches what it met for the next one)."""
    post = '@app.post("/items", dependencies=[Depends(require_auth)])\ndef create_item() -> None:\n    return None\n'
    delete = (
        '@app.delete("/items/{item_id}")\ndef delete_item(item_id: int, user: CurrentUser) -> str:\n    return user\n'
    )
    swapped = HAND_WRITTEN.replace(post, "POST").replace(delete, post).replace("POST", delete)
    assert swapped.index("def delete_item") < swapped.index("def create_item")
    assert protection(swapped) == protection(HAND_WRITTEN)


@pytest.mark.parametrize("scheme", ["oauth2-password-jwt", "api-key", "http-basic"])
def test_add_auth_leaves_the_hand_written_app_alone(scheme: str) -> None:
    result = add_auth_to_source(HAND_WRITTEN, "main.py", scheme=scheme)
    assert (result.files, result.diff, result.protected) == ([], "", [])


def test_add_auth_protects_only_what_the_hand_written_app_left_open_then_changes_nothing() -> None:
    source = HAND_WRITTEN.replace('@app.post("/items", dependencies=[Depends(require_auth)])', '@app.post("/items")')
    source = source.replace("require_auth", "authenticated").replace("CurrentUser", "Me")
    first = add_auth_to_source(source, "main.py", scheme="api-key")
    assert [(route.methods, route.path) for route in first.protected] == [(["POST"], "/items")]
    edited = first.files[0].content
    assert add_auth_to_source(edited, "main.py", scheme="api-key").files == []


def _chain(length: int) -> str:
    """``step_0`` depends on ``step_1`` ... on ``step_<length - 1>``, which depends on the scheme."""
    steps = [f"def step_{n}(x: Annotated[str, Depends(step_{n + 1})]) -> str:\n    return x\n" for n in range(length)]
    steps[-1] = f"def step_{length - 1}(x: Annotated[str, Depends(scheme)]) -> str:\n    return x\n"
    return (
        "from typing import Annotated\n\nfrom fastapi import Depends, FastAPI\n"
        "from fastapi.security import OAuth2PasswordBearer\n\n"
        'scheme = OAuth2PasswordBearer(tokenUrl="token")\n\n' + "\n\n".join(reversed(steps)) + "\n\napp = FastAPI()\n"
    )


def test_a_chain_cut_by_the_depth_limit_is_not_cached_for_its_shallower_part() -> None:
    """The walk from step_0 stops before the scheme; step_5, walked on the way, must not be cached as unprotected."""
    source = _chain(_MAX_DEPTH + 3) + (  # step_5 is 14 levels from the scheme
        '\n@app.post("/deep", dependencies=[Depends(step_0)])\ndef deep() -> None:\n    return None\n'
        '\n@app.post("/shallow", dependencies=[Depends(step_5)])\ndef shallow() -> None:\n    return None\n'
    )
    assert protection(source) == {"POST /deep": (), "POST /shallow": OAUTH2}


def test_chains_up_to_the_limit_are_followed() -> None:
    source = (
        _chain(_MAX_DEPTH) + '\n@app.post("/x", dependencies=[Depends(step_0)])\ndef x() -> None:\n    return None\n'
    )
    assert protection(source) == {"POST /x": OAUTH2}


def test_a_cycle_is_not_cached_as_unprotected() -> None:
    """``a`` reaches the scheme; ``b`` only through ``a``. Walked from ``a`` first, ``b`` meets ``a`` being walked
    (cut by the cycle guard): cached, ``b`` would then say unprotected for the second route. (Analysed, never run.)"""
    source = """
from fastapi import Depends, FastAPI
from fastapi.security import APIKeyHeader

scheme = APIKeyHeader(name="X-Key")


def a(value: str = Depends(b), key: str = Depends(scheme)) -> str:
    return key


def b(value: str = Depends(a)) -> str:
    return value


app = FastAPI()


@app.post("/first", dependencies=[Depends(a)])
def first() -> None:
    return None


@app.post("/second", dependencies=[Depends(b)])
def second() -> None:
    return None
"""
    assert protection(source) == {"POST /first": API_KEY, "POST /second": API_KEY}
