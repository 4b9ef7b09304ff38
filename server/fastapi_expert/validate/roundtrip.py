"""The route round trip: one realistic request per route of a live FastAPI app, each answer checked.

Requests are built from each route's own OpenAPI operation (required path, query, header and cookie parameters, JSON,
form and multipart bodies, with :func:`~fastapi_expert.validate.examples.example_for` values) and sent in the order a
user would: creates first, then reads and updates, deletes last. The ``id`` (or ``<x>_id``) a create answers with is
reused for the id path parameter of later routes under the same path, so ``GET /items/{item_id}`` reads the created
item. Security schemes are satisfied through ``app.dependency_overrides`` (see :func:`satisfied_auth`), restored after.

A route passes when it answers below 500, a 2xx JSON body matches the schema declared for its status (or
``default``), and 204/304 answers are empty. When the app raises, the failure carries the traceback of the app's own
frames (:func:`format_app_traceback`).
"""

from __future__ import annotations

import inspect
import json
import sysconfig
import traceback
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from urllib.parse import quote, urlencode

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasicCredentials
from fastapi.security.api_key import APIKeyBase
from fastapi.security.base import SecurityBase
from fastapi.security.http import HTTPBase, HTTPBasic
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped, unused-ignore]
from pydantic import PydanticUserError, TypeAdapter, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fastapi_expert.validate.examples import UnsatisfiableSchema, example_for

__all__ = [
    "AuthPlan",
    "RoundTripReport",
    "RouteKey",
    "RouteResult",
    "exercise_routes",
    "format_app_traceback",
    "route_dependants",
    "satisfied_auth",
]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RANK = {"POST": 0, "GET": 1, "HEAD": 1, "OPTIONS": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
_ROOT_URI = "urn:fastapi-expert:openapi"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Frames under these are not the app's (the reference app shipped inside the package is).
_LIBRARY_DIRS = (
    *{sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")},
    str(_PACKAGE_DIR),
    "<",
)
_REFERENCE_APP_DIR = str(_PACKAGE_DIR / "validate" / "reference_app")
_NO_BODY = object()


class RouteKey(typing.NamedTuple):
    """A route: its HTTP method (upper case) and its path template as the OpenAPI document spells it."""

    method: str
    path: str


@dataclass(frozen=True, slots=True)
class RouteResult:
    """How one route answered its round trip."""

    method: str
    path: str
    status: int | None
    ok: bool
    request: str
    problem: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RoundTripReport:
    """Every route's result, in the order the requests were sent."""

    results: tuple[RouteResult, ...]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    def render(self) -> str:
        """One line per route, then the first failure in full."""
        failed = [result for result in self.results if not result.ok]
        lines = [f"{len(self.results) - len(failed)} of {len(self.results)} routes passed"]
        for result in self.results:
            status = "---" if result.status is None else str(result.status)
            line = f"  {'ok  ' if result.ok else 'FAIL'} {status} {result.method} {result.path}"
            if result.problem:
                line += f" - {result.problem.strip().splitlines()[-1]}"
            lines.append(line + (f" ({result.note})" if result.note else ""))
        if failed:
            first = failed[0]
            lines += [
                "",
                f"First failure: {first.method} {first.path}",
                f"request: {first.request}",
                f"{first.problem}",
            ]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class AuthPlan:
    """What :func:`satisfied_auth` overrode: scheme names, stand-in dependencies, and what it had to leave."""

    schemes: tuple[str, ...] = ()
    stand_ins: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    secured: frozenset[RouteKey] = field(default_factory=frozenset)

    def note(self, key: RouteKey, status: int | None) -> str | None:
        """'auth not satisfied' for a secured route that still answered 401 or 403."""
        if key not in self.secured or status not in (401, 403):
            return None
        return "auth not satisfied" + (f": could not stand in for {', '.join(self.left)}" if self.left else "")


def route_dependants(app: FastAPI) -> dict[RouteKey, Dependant]:
    """Each documented route's dependency tree (router dependencies included) by (method, OpenAPI path).

    FastAPI's own docs routes are not ``APIRoute``\\ s; routes of included routers are found through
    ``fastapi.routing.iter_route_contexts``, which applies the routers' prefixes and dependencies.
    """
    found: dict[RouteKey, Dependant] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            for method in sorted(context.methods or ()):
                found.setdefault(RouteKey(method, str(context.path_format)), context.dependant)
    return found


@contextmanager
def satisfied_auth(app: FastAPI, routes: Iterable[RouteKey] | None = None) -> Iterator[AuthPlan]:
    """Override every security scheme the routes depend on, and the dependencies directly on a scheme, for the block.

    Schemes answer plausible credentials (a token, an API key, ``HTTPBasicCredentials``,
    ``HTTPAuthorizationCredentials``). A dependency on a scheme (``get_current_user``) answers a stand-in built from
    its return annotation (a pydantic model, a dataclass or a simple type) when it has one. Overrides already set on
    the app are kept; the ones added here are removed afterwards.
    """
    selected = set(routes) if routes is not None else None
    schemes: dict[object, SecurityBase] = {}
    dependents: dict[object, str] = {}
    secured: set[RouteKey] = set()
    for key, dependant in route_dependants(app).items():
        if (selected is None or key in selected) and _collect(dependant, schemes, dependents, top=True):
            secured.add(key)
    added: dict[object, Callable[[], object]] = {call: _credentials(scheme) for call, scheme in schemes.items()}
    left: list[str] = []
    for call, name in dependents.items():
        stand_in = _stand_in(call)
        if stand_in is None:
            left.append(name)
        else:
            added[call] = stand_in
    overrides = typing.cast("dict[object, object]", app.dependency_overrides)
    added = {call: value for call, value in added.items() if call not in overrides}
    overrides.update(added)
    try:
        yield AuthPlan(
            schemes=tuple(sorted({type(scheme).__name__ for scheme in schemes.values()})),
            stand_ins=tuple(sorted(name for call, name in dependents.items() if call in added)),
            left=tuple(sorted(left)),
            secured=frozenset(secured),
        )
    finally:
        for call in added:
            overrides.pop(call, None)


def exercise_routes(
    app: FastAPI, routes: Iterable[RouteKey] | None = None, *, client: TestClient | None = None
) -> RoundTripReport:
    """Send one request to each route (``None``: every route in the OpenAPI document) and check each answer.

    Pass an entered ``client`` to share its lifespan; without one, a ``TestClient`` is entered for the call.
    """
    if client is None:
        with TestClient(app) as own:
            return exercise_routes(app, routes, client=own)
    openapi = app.openapi()
    operations = {
        RouteKey(method.upper(), path): operation
        for path, item in typing.cast("Mapping[str, Mapping[str, object]]", openapi.get("paths", {})).items()
        for method, operation in item.items()
        if method in _METHODS and isinstance(operation, Mapping)
    }
    keys = list(operations) if routes is None else [RouteKey(method.upper(), path) for method, path in routes]
    order = sorted(range(len(keys)), key=lambda index: _order(keys[index], index))
    validator = _ResponseValidator(openapi)
    created: dict[str, dict[str, object]] = {}
    results: list[RouteResult] = []
    with satisfied_auth(app, [key for key in keys if key in operations]) as plan:
        for key in (keys[index] for index in order):
            operation = operations.get(key)
            if operation is None:
                results.append(RouteResult(key.method, key.path, None, False, "-", "not in the OpenAPI document"))
                continue
            results.append(_exercise(client, key, operation, openapi, created, validator, plan))
    return RoundTripReport(tuple(results))


def format_app_traceback(error: BaseException) -> str:
    """The traceback of the app's own frames (library, stdlib and fastapi-expert frames dropped), causes first."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 3:
        chain.insert(0, current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    blocks = []
    for exc in chain:
        frames = traceback.extract_tb(exc.__traceback__)
        own = [
            frame
            for frame in frames
            if frame.filename.startswith(_REFERENCE_APP_DIR) or not frame.filename.startswith(_LIBRARY_DIRS)
        ]
        header = "Traceback (the app's frames, most recent call last):" if own else "Traceback (last frame):"
        text = "".join([header + "\n", *traceback.format_list(own or frames[-1:]), *_exception_only(exc)])
        blocks.append(text.rstrip())
    return "\n\nwhich caused:\n\n".join(blocks)


def _exception_only(exc: BaseException) -> list[str]:
    lines = traceback.format_exception_only(type(exc), exc)
    text = "".join(lines)
    return [text if len(text) <= 2000 else text[:2000] + " [...]\n"]


def _collect(
    dependant: Dependant, schemes: dict[object, SecurityBase], dependents: dict[object, str], *, top: bool
) -> bool:
    found = False
    for sub in dependant.dependencies:
        scheme = inspect.unwrap(sub.call) if sub.call is not None else None
        if isinstance(scheme, SecurityBase):
            schemes[sub.call] = scheme
            found = True
            if not top and dependant.call is not None:
                dependents[dependant.call] = getattr(dependant.call, "__name__", type(dependant.call).__name__)
        else:
            found = _collect(sub, schemes, dependents, top=False) or found
    return found


def _credentials(scheme: SecurityBase) -> Callable[[], object]:
    if isinstance(scheme, HTTPBasic):
        return lambda: HTTPBasicCredentials(username="user", password="password")  # noqa: S106 - a stand-in
    if isinstance(scheme, HTTPBase):
        name = str(getattr(scheme.model, "scheme", "bearer")).title()
        return lambda: HTTPAuthorizationCredentials(scheme=name, credentials="test-token")
    if isinstance(scheme, APIKeyBase):
        return lambda: "test-api-key"
    return lambda: "test-token"


def _stand_in(call: object) -> Callable[[], object] | None:
    annotation = _return_annotation(call)
    try:
        adapter: TypeAdapter[object] = TypeAdapter(typing.cast("type[object]", annotation))
        schema = adapter.json_schema(ref_template="#/$defs/{model}")
        text = json.dumps(example_for(schema, root=schema))
        adapter.validate_json(text)
    except (PydanticUserError, ValidationError, UnsatisfiableSchema, TypeError, ValueError):
        return None
    return lambda: adapter.validate_json(text)


def _return_annotation(call: object) -> object:
    if inspect.isclass(call):
        return call
    function = call if inspect.isfunction(call) or inspect.ismethod(call) else getattr(call, "__call__", None)  # noqa: B004
    try:
        annotation = typing.get_type_hints(inspect.unwrap(function)).get("return", inspect.Signature.empty)  # type: ignore[arg-type]
    except (NameError, TypeError, AttributeError):
        return inspect.Signature.empty
    while True:
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if origin in (Iterator, Generator, AsyncIterator, AsyncGenerator) and args:
            annotation = args[0]
        elif origin in (typing.Union, UnionType) and len([arg for arg in args if arg is not type(None)]) == 1:
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation


def _order(key: RouteKey, index: int) -> tuple[int, int, int]:
    depth = key.path.count("{")
    return (_RANK.get(key.method, 2), -depth if key.method == "DELETE" else depth, index)


@dataclass(slots=True)
class _Request:
    method: str
    url: str
    params: dict[str, str | list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: object = _NO_BODY
    data: dict[str, str | list[str]] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    content: bytes | None = None

    def summary(self) -> str:
        text = f"{self.method} {self.url}" + (f"?{urlencode(self.params, doseq=True)}" if self.params else "")
        parts = [text, *(f"{name}: {value}" for name, value in self.headers.items())]
        if self.json is not _NO_BODY:
            parts.append(f"json={json.dumps(self.json)}")
        if self.data:
            parts.append(f"form={json.dumps(self.data)}")
        if self.files:
            parts.append(f"files=[{', '.join(name for name, _ in self.files)}]")
        summary = " ".join(parts)
        return summary if len(summary) <= 400 else summary[:400] + " [...]"


def _exercise(
    client: TestClient,
    key: RouteKey,
    operation: Mapping[str, object],
    openapi: Mapping[str, object],
    created: dict[str, dict[str, object]],
    validator: _ResponseValidator,
    plan: AuthPlan,
) -> RouteResult:
    try:
        request = _build_request(key, operation, openapi, created)
    except UnsatisfiableSchema as exc:
        return RouteResult(key.method, key.path, None, False, "-", f"could not build a valid request: {exc}")
    try:
        response = client.request(
            request.method,
            request.url,
            params=request.params or None,
            headers=request.headers or None,
            json=None if request.json is _NO_BODY else request.json,
            data=request.data,
            files=request.files,
            content=request.content,
            follow_redirects=False,
        )
    except Exception as exc:  # noqa: BLE001 - the app raised: its traceback is the finding
        raised = f"the app raised {type(exc).__name__}\n{format_app_traceback(exc)}"
        return RouteResult(key.method, key.path, None, False, request.summary(), raised)
    status = response.status_code
    problem = validator.problem(key, operation, status, response.content)
    if problem is None and key.method == "POST" and 200 <= status < 300:
        body = _json_or_none(response.content)
        if isinstance(body, Mapping):
            ids = {name: value for name, value in body.items() if name == "id" or name.endswith("_id")}
            ids = {name: value for name, value in ids.items() if isinstance(value, str | int)}
            if ids:
                created[key.path.rstrip("/")] = ids
    note = plan.note(key, status)
    if status == 422:  # a valid request was rejected: the app validates more than its OpenAPI document says
        note = f"rejected as invalid: {response.content[:300].decode(errors='replace')}"
    return RouteResult(key.method, key.path, status, problem is None, request.summary(), problem, note)


def _build_request(
    key: RouteKey, operation: Mapping[str, object], openapi: Mapping[str, object], created: dict[str, dict[str, object]]
) -> _Request:
    path_values: dict[str, str] = {}
    request = _Request(key.method, key.path)
    cookies: list[str] = []
    for parameter in typing.cast("list[Mapping[str, object]]", operation.get("parameters", [])):
        name, where = str(parameter.get("name")), parameter.get("in")
        if where != "path" and not parameter.get("required"):
            continue  # optional query/header/cookie parameters keep their defaults
        value = example_for(typing.cast("Mapping[str, object]", parameter.get("schema", {})), root=openapi)
        if where == "path":
            reused = _created_id(key.path, name, created)
            path_values[name] = quote(_text(value if reused is None else reused), safe="")
        elif where == "query":
            request.params[name] = [_text(item) for item in value] if isinstance(value, list) else _text(value)
        elif where == "header":
            request.headers[name] = _text(value)
        elif where == "cookie":
            cookies.append(f"{name}={_text(value)}")
    if cookies:
        request.headers["cookie"] = "; ".join(cookies)
    request.url = key.path.format_map(path_values)
    body = operation.get("requestBody")
    content = (
        typing.cast("Mapping[str, Mapping[str, object]]", body.get("content", {})) if isinstance(body, Mapping) else {}
    )
    media = next((m for m in ("application/json", "application/x-www-form-urlencoded") if m in content), None)
    media = media or next((m for m in content if m.startswith("multipart/") or m.endswith("+json")), None)
    media = media or next(iter(content), None)
    if media is None:
        return request
    schema = typing.cast("Mapping[str, object]", content[media].get("schema", {}))
    value = example_for(schema, root=openapi)
    if media == "application/json" or media.endswith("+json"):
        request.json = value
    elif isinstance(value, Mapping) and (media.startswith("multipart/") or media.endswith("x-www-form-urlencoded")):
        binary = _binary_fields(schema, openapi) if media.startswith("multipart/") else set()
        request.files = [
            (name, (f"{name}.txt", b"example file content\n", "text/plain"))
            for name, item in value.items()
            if name in binary
            for _ in (item if isinstance(item, list) else [item])
        ]
        request.data = {
            name: [_text(part) for part in item] if isinstance(item, list) else _text(item)
            for name, item in value.items()
            if name not in binary and item is not None
        }
        request.files = request.files or None
    else:
        request.content = (value if isinstance(value, str) else json.dumps(value)).encode()
        request.headers["content-type"] = media
    return request


def _created_id(path: str, name: str, created: Mapping[str, Mapping[str, object]]) -> object | None:
    """The id a create under the path segment before ``{name}`` answered with, if the name is an id."""
    prefix = path.split("{" + name)[0].rstrip("/")
    ids = created.get(prefix)
    if ids is None or not (name == "id" or name.endswith("_id")):
        return None
    return ids.get(name, ids.get("id"))


def _binary_fields(schema: Mapping[str, object], openapi: Mapping[str, object]) -> set[str]:
    resolved = _deref(schema, openapi)
    properties = typing.cast("Mapping[str, object]", resolved.get("properties", {}))
    return {name for name, sub in properties.items() if _is_binary(_deref(sub, openapi), openapi)}


def _is_binary(schema: Mapping[str, object], openapi: Mapping[str, object]) -> bool:
    if schema.get("format") == "binary" or schema.get("contentMediaType") not in (None, "application/json"):
        return True
    if isinstance(schema.get("items"), Mapping):
        return _is_binary(_deref(schema["items"], openapi), openapi)
    branches = typing.cast("list[object]", schema.get("anyOf", schema.get("oneOf", [])))
    return any(_is_binary(_deref(branch, openapi), openapi) for branch in branches)


def _deref(schema: object, openapi: Mapping[str, object]) -> Mapping[str, object]:
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
        node: object = openapi
        for token in str(schema["$ref"]).lstrip("#/").split("/"):
            node = node.get(token.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, Mapping) else {}
        schema, seen = node, seen + 1
    return schema if isinstance(schema, Mapping) else {}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)


def _json_or_none(content: bytes) -> object:
    try:
        return json.loads(content)
    except ValueError:
        return None


class _ResponseValidator:
    """Checks answers against the response schemas of the OpenAPI document (its ``$ref``\\ s resolve in it)."""

    def __init__(self, openapi: Mapping[str, object]) -> None:
        resource = Resource.from_contents(openapi, default_specification=DRAFT202012)
        self._registry: Registry[object] = Registry().with_resource(_ROOT_URI, resource)

    def problem(self, key: RouteKey, operation: Mapping[str, object], status: int, content: bytes) -> str | None:
        if status >= 500:
            return f"answered {status}: {content[:500].decode(errors='replace')}"
        if status in (204, 304):
            return None if not content else f"{status} must have an empty body, got {content[:200]!r}"
        if not 200 <= status < 300:
            return None
        responses = typing.cast("Mapping[str, Mapping[str, object]]", operation.get("responses", {}))
        code = next((c for c in (str(status), f"{status // 100}XX", "default") if c in responses), "")
        media_types = typing.cast("Mapping[str, Mapping[str, object]]", responses.get(code, {}).get("content", {}))
        media = next((m for m in media_types if m == "application/json" or m.endswith("+json")), None)
        if media is None or "schema" not in media_types[media]:
            return None
        try:
            body = json.loads(content)
        except ValueError:
            return f"answered {status} with a body that is not JSON: {content[:200]!r}"
        pointer = "/".join(
            token.replace("~", "~0").replace("/", "~1")
            for token in ("", "paths", key.path, key.method.lower(), "responses", code, "content", media, "schema")
        )
        schema = {"$ref": f"{_ROOT_URI}#{quote(pointer, safe='/~')}"}
        error = best_match(Draft202012Validator(schema, registry=self._registry).iter_errors(body))
        if error is None:
            return None
        where = error.json_path if error.json_path != "$" else "the body"
        return f"the {status} body does not match the declared response schema at {where}: {error.message[:500]}"
