"""Request data inside a route: what carries it, and where it sits in the URLs and paths built from it."""

from __future__ import annotations

import ast
import textwrap

import pytest

from fastapi_expert.review.index import ModuleIndex
from fastapi_expert.review.string_shapes import open_prefix
from fastapi_expert.review.taint import RequestData

HEADER = """\
import base64, os, urllib.parse
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Optional, Union
from fastapi import APIRouter, Depends, Query, Request, UploadFile, WebSocket
from pydantic import BaseModel, HttpUrl
router = APIRouter()
BASE = "https://api.example.com/"
class Color(str, Enum):
    red = "red"
class Target(BaseModel):
    url: HttpUrl
    count: int
class Body(BaseModel):
    target: Target
    tags: list[str]
    note: Optional[str] = None
def lookup(value): ...
"""


def data_of(source: str, *, segments: bool = True) -> tuple[RequestData, ast.expr]:
    """The request data of the module's one route, and the argument of its last ``sink(...)`` call."""
    tree = ast.parse(HEADER + textwrap.dedent(source))
    index = ModuleIndex(tree)
    (route,) = index.routes
    calls = [n for n in ast.walk(route.function) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "sink"]
    return RequestData(index, route, (route.function,), segments=segments), calls[-1].args[0]


ROUTE = "@router.{method}('{path}')\ndef r({params}):\n"

CASES = [
    # (parameters, path, body, carries, controls the URL's host, starts a path component)
    ("url: str", "/", "sink(url)", True, True, True),
    ("url", "/", "sink(url)", True, True, True),
    ("n: int", "/", "sink(n)", False, False, False),
    ("c: Color", "/", "sink(c.value)", False, False, False),
    ("q: Annotated[str, Query(pattern='^a$')]", "/", "sink(q)", False, False, False),
    ("d: Annotated[str, Depends(lookup)]", "/", "sink(d)", False, False, False),
    ("q: Optional[str] = None", "/", "sink(q)", True, True, True),
    ("q: Union[str, None] = None", "/", "sink(q)", True, True, True),
    ("q: str | None = None", "/", "sink(q)", True, True, True),
    ("names: list[str] = Query()", "/", "for n in names:\n        sink(n)", True, True, True),
    ("names: dict", "/", "sink(names['a'])", True, True, True),
    ("mode: Literal['a', 'b']", "/", "sink(mode)", False, False, False),
    ("t: None | Target", "/", "sink(t.url)", True, True, True),
    # path parameters: a plain segment holds no "/", a {x:path} one does
    ("name: str", "/{name}", "sink(name)", True, True, True),
    ("item_id: str", "/{item_id:int}", "sink(item_id)", False, False, False),
    ("rest: str", "/{rest:path}", "sink(rest)", True, True, True),
    # the body: string fields of module models, nested; numbers and unknown fields do not
    ("body: Body", "/", "sink(body.target.url)", True, True, True),
    ("body: Body", "/", "sink(body.target.count)", False, False, False),
    ("body: Body", "/", "sink(body.target.missing)", False, False, False),
    ("body: Body", "/", "sink(body.note.strip())", True, True, True),
    ("body: Body", "/", "sink(body.note.x)", True, True, True),
    ("body: Body", "/", "sink(body.target.missing.x)", False, False, False),
    ("body: Annotated[Body, Depends()]", "/", "sink(body.note)", False, False, False),
    # the request object, uploads and websockets
    ("request: Request", "/", "sink(request.query_params['next'])", True, True, True),
    ("request: Request", "/", "sink(request.url.path)", False, False, False),
    ("request: Request", "/", "sink(await request.body())", True, True, True),
    ("request: Request", "/", "sink(request.client)", False, False, False),
    ("file: UploadFile", "/", "sink(file.filename)", True, True, True),
    ("file: UploadFile", "/", "sink(file.size)", False, False, False),
    ("files: list[UploadFile]", "/", "for f in files:\n        sink(f.filename)", True, True, True),
    ("ws: WebSocket", "/", "sink(await ws.receive_text())", True, True, True),
    ("ws: WebSocket", "/", "sink(ws.url)", False, False, False),
    # flow through locals, text building, and where the client's text lands
    ("host: str", "/", "url = f'https://{host}/x'\n    sink(url)", True, True, True),
    ("path: str", "/", "url = BASE + path\n    sink(url)", True, False, True),
    ("path: str", "/", "url = f'{BASE}{path}'\n    sink(url)", True, False, True),
    ("path: str", "/", "url = f'{BASE}x{path}'\n    sink(url)", True, False, False),
    ("path: str", "/", "url = 'https://{}/'.format(path)\n    sink(url)", True, True, True),
    ("path: str", "/", "url = 'https://%s/' % path\n    sink(url)", True, True, True),
    ("path: str", "/", "url = 'https://x.%s/' % path\n    sink(url)", True, True, False),
    ("path: str", "/", "sink('https://{h}/{{x}}'.format(h=path))", True, True, True),
    ("path: str", "/", "sink('{0}'.format(path))", True, True, True),
    ("path: str", "/", "sink('{}{}'.format(path))", True, True, True),
    ("path: str", "/", "sink('{'.format(path))", True, False, False),
    ("path: str", "/", "sink(urllib.parse.urljoin(BASE, path))", True, True, True),
    ("path: str", "/", "sink(urllib.parse.urljoin(path, '/x'))", True, False, False),
    ("path: str", "/", "url = 'https://a.example'\n    url += path\n    sink(url)", True, False, False),
    ("path: str", "/", "sink(str(path))", True, True, True),
    ("path: str", "/", "sink(base64.b64decode(path))", True, False, False),
    ("path: str", "/", "sink(os.path.join('/srv', path))", True, False, True),
    ("path: str", "/", "sink(Path('/srv') / path)", True, False, True),
    ("path: str", "/", "sink(Path('/srv').joinpath(path))", True, False, True),
    ("path: str", "/", "sink(f'/data/{lookup(1)}.{path}')", True, False, False),
    ("path: str", "/", "sink(Path(path).name)", False, False, False),
    ("path: str", "/", "sink(os.path.basename(path))", False, False, False),
    ("path: str", "/", "path = os.path.basename(path)\n    sink(path)", False, False, False),
    ("path: str", "/", "sink(path.startswith('/'))", False, False, False),
    ("path: str", "/", "sink(path == 'a')", False, False, False),
    ("path: str", "/", "sink(not path)", False, False, False),
    ("path: str", "/", "sink(-path)", True, False, False),
    ("path: str", "/", "sink(path if path else 'x')", True, False, False),
    ("path: str", "/", "sink([p for p in path])", True, False, False),
    ("path: str", "/", "sink((x := path))", True, False, False),
    ("path: str", "/", "sink(lambda: path)", False, False, False),
    ("path: str", "/", "sink({'a': path})", True, False, False),
    ("path: str", "/", "sink(lookup(path))", False, False, False),
    ("path: str", "/", "sink(router.url_path_for(path))", False, False, False),
    ("path: str", "/", "path = path.strip()\n    sink(path)", True, True, True),
    ("path: str", "/", "sink(lookup(path).url)", False, False, False),
    ("path: str", "/", "row = lookup(path)\n    sink(row.url)", False, False, False),
    ("path: str", "/", "sink(1)", False, False, False),
    ("path: str", "/", "a, b = path.split('/')\n    sink(b)", True, True, True),
    ("path: str", "/", "sink(''.join([path]))", True, False, False),
]


@pytest.mark.parametrize(("params", "path", "body", "carries", "target", "component"), CASES)
def test_request_data(params: str, path: str, body: str, carries: bool, target: bool, component: bool) -> None:
    source = ROUTE.format(method="post", path=path, params=params) + "    " + body + "\n"
    data, argument = data_of(source)
    assert (data.carries(argument), data.controls_target(argument), data.starts_component(argument)) == (
        carries,
        target,
        component,
    )


def test_plain_path_segments_can_be_left_out() -> None:
    data, argument = data_of("@router.get('/{name}')\ndef r(name: str):\n    sink(name)\n", segments=False)
    assert not data.carries(argument)


def test_self_of_a_class_based_view_is_no_request_data() -> None:
    source = "class View:\n    @router.get('/')\n    def r(self):\n        sink(self.folder)\n"
    data, argument = data_of(source)
    assert not data.carries(argument)


@pytest.mark.parametrize(
    ("test", "checked"),
    [
        ("if url in ALLOWED: ...", True),
        ("if url == 'https://a.example': ...", True),
        ("if url != None: ...", False),
        ("if url == '': ...", False),
        ("if len(url) > 3: ...", False),
        ("if url.startswith('https://a.example/'): ...", True),
        ("if urllib.parse.urlparse(url).hostname not in ALLOWED: ...", True),
        ("if is_safe_url(url): ...", True),
        ("if lookup(url): ...", False),
        ("if lookup(1).startswith('a'): ...", False),
        ("if other == 'x': ...", False),
    ],
)
def test_checks(test: str, checked: bool) -> None:
    data, _ = data_of(f"@router.get('/')\ndef r(url: str, other: int):\n    {test}\n    sink(url)\n")
    assert data.checked() is checked


@pytest.mark.parametrize(
    ("prefix", "open_"),
    [
        ("", True),
        ("https://", True),
        ("https:", True),
        ("http://localhost:8000", True),
        ("/", True),
        ("//", True),
        ("\\\\", True),
        ("https://api.example/", False),
        ("//cdn.example/", False),
        ("/items/", False),
        ("?q=", False),
    ],
)
def test_open_prefix(prefix: str, open_: bool) -> None:
    assert open_prefix(prefix) is open_
