"""What the client controls inside one route: a light, flow-insensitive taint from the route's parameters.

The security rules (path traversal, SSRF, open redirect, unpickling, shell injection) ask two questions about an
expression in a route function: does it *carry* request data at all, and does request data *decide where it points*
(the start of a URL: scheme and host)? The sources are the route's own parameters that FastAPI fills from the request
— ``str``/``bytes``/URL-typed path, query, header, cookie, form and body values, the string fields of body models
defined in the module, ``UploadFile.filename`` and its content, and ``Request``/``WebSocket`` reads — never a
dependency's result, a number, an enum, a ``Literal`` or a value constrained by ``pattern=``. Taint flows through
assignments, f-strings, concatenation, path joins, string methods and text-building functions (``str``,
``os.path.join``, ``base64``, ``urllib.parse``...). It stops at conversions (``int()``, ``len()``), tests
(``.startswith()``), sanitizers (``os.path.basename``, ``shlex.quote``, ``Path(x).name``) and at any other
function: what a database lookup returns for the client's id is the program's data, not the client's.

Each local remembers how it was built (literal text, client data, program values in order), so rules can ask
where the client's text sits: at the start of a URL (it picks the host), or at the start of a path component (a
``../`` in it climbs out).
"""

from __future__ import annotations

import ast
import re
import string
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from fastapi_expert.review.index import FunctionNode, ModuleIndex, Parameter, Route, dotted_name, fastapi_names, walk
from fastapi_expert.review.string_shapes import (
    DATA,
    OPAQUE,
    Part,
    Shape,
    danger,
    joined,
    opens_target,
    starts_component,
)

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["RequestData", "request_data_here"]

Scopes = tuple[FunctionNode | ast.Lambda, ...]
_Kind = Literal["data", "request", "websocket", "upload", "uploads", "model"]
_Binding = Literal["assign", "append", "iterate"]
#: How many ways of building one local are remembered (one per assignment; enough for real functions).
_MAX_SHAPES = 4
#: When a union mixes kinds (``UploadFile | str``), the first one here wins.
_KIND_ORDER: tuple[_Kind, ...] = ("request", "websocket", "upload", "uploads", "model", "data")

_REQUEST = fastapi_names("Request") | {"starlette.requests.Request", "fastapi.requests.Request"}
_WEBSOCKET = fastapi_names("WebSocket") | {"starlette.websockets.WebSocket", "fastapi.websockets.WebSocket"}
_UPLOAD = fastapi_names("UploadFile") | {"starlette.datastructures.UploadFile", "fastapi.datastructures.UploadFile"}
_UNIONS = frozenset({"typing.Optional", "typing.Union", "typing_extensions.Optional", "typing_extensions.Union"})
_CONTAINERS = frozenset(
    {
        *(f"builtins.{name}" for name in ("list", "set", "frozenset", "tuple", "dict")),
        *(f"typing.{name}" for name in ("List", "Set", "FrozenSet", "Tuple", "Dict", "Sequence", "Mapping")),
        *(f"collections.abc.{name}" for name in ("Sequence", "Mapping", "Iterable")),
    }
)
_URL_TYPES = ("HttpUrl", "AnyUrl", "AnyHttpUrl", "Url", "FileUrl", "StrictStr", "EmailStr", "NameEmail")
_STRINGS = frozenset(
    {
        "builtins.str",
        "builtins.bytes",
        "typing.Any",
        "typing_extensions.Any",
        "pydantic_core.Url",
        *(f"pydantic.{name}" for name in _URL_TYPES),
        *(f"pydantic.networks.{name}" for name in _URL_TYPES),
        *(f"pydantic.types.{name}" for name in _URL_TYPES),
    }
)
_ENUMS = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"})
#: Calls whose result tells nothing about the text of their argument (a number, a bool, a safe file name).
_CLEANSERS = frozenset(
    {
        *(f"builtins.{name}" for name in ("int", "float", "bool", "len", "isinstance", "hash", "ord", "any", "all")),
        *(f"builtins.{name}" for name in ("id", "type", "callable", "round", "abs")),
        "uuid.UUID",
        "os.path.basename",
        "os.path.exists",
        "os.path.isfile",
        "os.path.isdir",
        "werkzeug.utils.secure_filename",
        "werkzeug.security.safe_join",
        "werkzeug.utils.safe_join",
        "werkzeug.secure_filename",
        "pathvalidate.sanitize_filename",
        "shlex.quote",
        "shlex.join",
        "pipes.quote",
        "re.match",
        "re.fullmatch",
        "re.search",
    }
)
#: Methods that answer a question about their receiver instead of returning (part of) it.
_TESTS = frozenset(
    {
        "startswith",
        "endswith",
        "isdigit",
        "isalnum",
        "isalpha",
        "isnumeric",
        "isdecimal",
        "isidentifier",
        "islower",
        "isupper",
        "isspace",
        "isascii",
        "count",
        "find",
        "rfind",
        "index",
        "rindex",
        "exists",
        "is_file",
        "is_dir",
        "is_relative_to",
        "fullmatch",
        "match",
        "search",
    }
)
#: Functions whose result is built from their arguments' text: request data in, request data out.
_PROPAGATORS = frozenset(
    {
        *(f"builtins.{name}" for name in ("str", "bytes", "bytearray", "format", "list", "tuple", "set", "sorted")),
        *(f"os.path.{name}" for name in ("join", "normpath", "expanduser", "expandvars", "abspath", "realpath")),
        *(f"posixpath.{name}" for name in ("join", "normpath")),
        "os.fspath",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PurePosixPath",
        "anyio.Path",
        "io.BytesIO",
        "io.StringIO",
        "httpx.URL",
        "yarl.URL",
        "json.loads",
        "codecs.decode",
        "html.unescape",
    }
)
#: Calls whose result starts like their first argument: ``str(url)``, ``os.path.realpath(path)``.
_SAME_TEXT = frozenset(
    {"builtins.str", "httpx.URL", "yarl.URL", "starlette.datastructures.URL", "os.fspath"}
    | {f"os.path.{name}" for name in ("realpath", "abspath", "normpath", "expanduser")}
)
_PATH_JOINS = frozenset(
    {"os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "anyio.Path"}
)
#: Modules whose functions transform text: ``base64.b64decode``, ``urllib.parse.urljoin``, ``zlib.decompress``...
_PROPAGATING_MODULES = ("base64.", "binascii.", "urllib.parse.", "zlib.", "gzip.", "bz2.", "lzma.", "string.")
#: Methods that build a value from their arguments whatever the receiver: ``"/".join(parts)``, ``base.joinpath(x)``.
_BUILDING_METHODS = frozenset({"join", "joinpath", "format", "format_map", "with_name", "with_stem", "with_suffix"})
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "anyio.Path"})
_REQUEST_MAPPINGS = frozenset({"query_params", "path_params", "headers", "cookies"})
_REQUEST_READS = frozenset({"json", "body", "form", "stream"})
_WEBSOCKET_READS = frozenset({"receive_text", "receive_bytes", "receive_json", "receive", "iter_text", "iter_bytes"})
_UPLOAD_ATTRIBUTES = frozenset({"filename", "file"})
_UPLOAD_READS = frozenset({"read"})
_PATH_PARAMETER = re.compile(r"{([^}:]+)(?::([^}]+))?}")


def request_data_here(
    context: RuleContext, cache: dict[int, RequestData], *, segments: bool = True
) -> RequestData | None:
    """The request data of the route the current node is in (``None`` outside routes), computed once per route
    into the rule's ``cache``."""
    function = context.enclosing_function()
    route = context.route_of(function)
    if function is None or route is None:
        return None
    key = id(function)
    if key not in cache:
        scopes = context.scopes
        cache[key] = RequestData(context.index, route, scopes[: scopes.index(function) + 1], segments=segments)
    return cache[key]


class RequestData:
    """The request data of one route function.

    ``segments=False`` leaves out plain ``{name}`` path parameters, which cannot hold a ``/`` (what path traversal
    needs); ``{name:path}`` ones always count.
    """

    def __init__(self, index: ModuleIndex, route: Route, scopes: Scopes, *, segments: bool = True) -> None:
        self.index = index
        self.route = route
        self.function = route.function
        self.scopes = scopes
        self.segments = segments
        #: Parameters and locals holding client text -> how their values are built (parts, client data marked).
        self._data: dict[str, list[Shape]] = {}
        self._kinds: dict[str, _Kind] = {}
        self._models: dict[str, str] = {}
        self._parameters()
        self._propagate()

    # -- the questions rules ask -------------------------------------------------------------------------------------

    def carries(self, node: ast.AST) -> bool:
        """Whether ``node``'s value holds (part of) what the client sent."""
        if isinstance(node, ast.Name):
            return node.id in self._data
        if isinstance(node, ast.Attribute):
            return self._attribute_carries(node)
        if isinstance(node, ast.Call):
            return self._call_carries(node)
        if isinstance(node, ast.Compare | ast.Lambda | ast.Constant):
            return False
        if isinstance(node, ast.UnaryOp):
            return not isinstance(node.op, ast.Not) and self.carries(node.operand)
        if isinstance(node, ast.Subscript | ast.Starred | ast.Await | ast.FormattedValue):
            return self.carries(node.value)
        if isinstance(node, ast.NamedExpr):
            return self.carries(node.value)
        if isinstance(node, ast.IfExp):
            return self.carries(node.body) or self.carries(node.orelse)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            return self.carries(node.elt)
        return any(self.carries(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))

    def controls_target(self, node: ast.AST) -> bool:
        """Whether request data decides where ``node`` points: the start (scheme and host) of a URL."""
        return any(opens_target(shape) for shape in self._shapes(node))

    def starts_component(self, node: ast.AST) -> bool:
        """Whether request data starts a component of the path ``node`` builds (``BASE / name``,
        ``f"uploads/{filename}"``, ``name`` itself), where a ``../`` in it climbs out; text glued inside a component
        (``f"/data/{uuid}.{ext}"``) cannot."""
        return any(starts_component(shape) for shape in self._shapes(node))

    @cached_property
    def tests(self) -> tuple[ast.Compare | ast.Call, ...]:
        """Every comparison and call in the function's own body (for rules looking for a check or allow-list)."""
        found: list[ast.Compare | ast.Call] = []
        for node in self._body_nodes:
            if isinstance(node, ast.Compare | ast.Call):
                found.append(node)
        return tuple(found)

    def checked(self) -> bool:
        """Whether the function tests request data against something: ``x in ALLOWED``, ``x == y``,
        ``x.startswith(...)``, ``urlparse(x).hostname``, or a call named like a check (``is_safe_url(x)``)."""
        return self._checked

    @cached_property
    def _checked(self) -> bool:
        for node in self.tests:
            if isinstance(node, ast.Compare):
                sides = (node.left, *node.comparators)
                if not any(self.carries(side) or _parses_url(side) for side in sides):
                    continue
                if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
                    return True
                # ``x == "https://a.example"`` or ``x == settings.URL`` picks a value; ``x != None`` does not
                if any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops) and not any(
                    isinstance(side, ast.Constant) and not (isinstance(side.value, str) and side.value)
                    for side in sides
                ):
                    return True
            elif isinstance(node.func, ast.Attribute) and node.func.attr in {"startswith", "endswith", "fullmatch"}:
                if self.carries(node.func.value) or _parses_url(node.func.value):
                    return True
            elif _named_like_a_check(node.func) and any(self.carries(arg) for arg in node.args):
                return True
        return False

    # -- sources -----------------------------------------------------------------------------------------------------

    def _parameters(self) -> None:
        converters = dict(_PATH_PARAMETER.findall(self.route.full_path or ""))
        for parameter in self.index.parameters(self.function, converters):
            kind = self._parameter_kind(parameter, converters)
            if kind == "data":
                self._data[parameter.name] = [(DATA,)]
            elif kind is not None:
                self._kinds[parameter.name] = kind
                model = self._model_of_annotation(parameter.type) if kind == "model" else None
                if model is not None:
                    self._models[parameter.name] = model

    def _parameter_kind(self, parameter: Parameter, converters: dict[str, str]) -> _Kind | None:
        if parameter.source == "dependency" or self._is_receiver(parameter):
            return None
        markers = [parameter.marker, *parameter.metadata]
        if any(isinstance(m, ast.Call) and any(k.arg in {"pattern", "regex"} for k in m.keywords) for m in markers):
            return None  # validated against a pattern: cannot be sure what it admits
        if parameter.name in converters:
            converter = converters[parameter.name]
            if converter == "path":
                return "data"
            if converter not in {"", "str"} or not self.segments:
                return None
        if parameter.node.annotation is None:
            return "data"
        return self._type_kind(parameter.type) if parameter.type is not None else None

    def _is_receiver(self, parameter: Parameter) -> bool:
        """``self`` of a route method in a class-based view (``fastapi-utils``' ``@cbv``, ``Controller`` classes)."""
        positional = [*self.function.args.posonlyargs, *self.function.args.args]
        return (
            bool(positional)
            and positional[0] is parameter.node
            and parameter.name in {"self", "cls"}
            and parameter.node.annotation is None
        )

    def _type_kind(self, annotation: ast.expr) -> _Kind | None:
        annotation = self.index.annotated_parts(annotation)[0] or annotation
        kinds = {self._member_kind(member) for member in self._union_members(annotation)}
        return next((kind for kind in _KIND_ORDER if kind in kinds), None)

    def _union_members(self, annotation: ast.expr) -> list[ast.expr]:
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return self._union_members(annotation.left) + self._union_members(annotation.right)
        if isinstance(annotation, ast.Subscript) and self._resolve(annotation.value) in _UNIONS:
            inner = annotation.slice
            return [
                m for e in (inner.elts if isinstance(inner, ast.Tuple) else [inner]) for m in self._union_members(e)
            ]
        return [annotation]

    def _member_kind(self, member: ast.expr) -> _Kind | None:
        if isinstance(member, ast.Subscript):
            if self._resolve(member.value) not in _CONTAINERS:
                return None
            inner = member.slice
            elements = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            kinds = {self._type_kind(element) for element in elements if not isinstance(element, ast.Constant)}
            if "upload" in kinds:
                return "uploads"
            return "data" if kinds & {"data", "model"} else None
        qualified = self._resolve(member)
        if qualified in _REQUEST:
            return "request"
        if qualified in _WEBSOCKET:
            return "websocket"
        if qualified in _UPLOAD:
            return "upload"
        if qualified in _STRINGS or qualified in _CONTAINERS:
            return "data"
        if isinstance(member, ast.Name) and self._is_model(member.id):
            return "model"
        return None

    def _is_model(self, name: str) -> bool:
        return name in self.index.classes and name not in self.index.subclasses_of(_ENUMS)

    def _model_of_annotation(self, annotation: ast.expr | None) -> str | None:
        annotation = self.index.annotated_parts(annotation)[0]
        if annotation is None:
            return None
        for member in self._union_members(annotation):
            if isinstance(member, ast.Name) and self._is_model(member.id):
                return member.id
        return None

    def _field(self, model: str, name: str) -> ast.expr | None:
        for field_name, statement in self.index.class_fields(model):
            if field_name == name:
                return statement.annotation
        return None

    def _model_of(self, node: ast.expr) -> str | None:
        """The module class of a model parameter or of one of its (nested) fields."""
        if isinstance(node, ast.Name):
            return self._models.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self._model_of(node.value)
            if owner is not None:
                return self._model_of_annotation(self._field(owner, node.attr))
        return None

    # -- flow --------------------------------------------------------------------------------------------------------

    @property
    def _body_nodes(self) -> tuple[ast.AST, ...]:
        return self.index.own_nodes(self.function)

    def _propagate(self) -> None:
        bindings: list[tuple[ast.expr, ast.expr, _Binding]] = []
        for node in self._body_nodes:
            if isinstance(node, ast.Assign):
                bindings.extend((target, node.value, "assign") for target in node.targets)
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                bindings.append((node.target, node.value, "assign"))
            elif isinstance(node, ast.AugAssign):
                bindings.append((node.target, node.value, "append"))
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                bindings.append((node.target, node.iter, "iterate"))
        for target, value, binding in bindings:
            # ``name = os.path.basename(name)``: the parameter is cleansed in place before its use.
            if binding == "assign" and isinstance(target, ast.Name) and target.id in self._data:
                mentions = any(isinstance(n, ast.Name) and n.id == target.id for n in walk(value))
                if mentions and not self.carries(value):
                    del self._data[target.id]
        changed = True
        while changed:  # each pass only adds (a bounded number of shapes per name), so this ends
            changed = False
            for target, value, binding in bindings:
                changed |= self._bind(target, value, binding)

    def _bind(self, target: ast.expr, value: ast.expr, binding: _Binding) -> bool:
        if binding == "iterate" and isinstance(value, ast.Name) and self._kinds.get(value.id) == "uploads":
            fresh = [target.id] if isinstance(target, ast.Name) and self._kinds.get(target.id) != "upload" else []
            for name in fresh:
                self._kinds[name] = "upload"
            return bool(fresh)
        if not self.carries(value):
            return False
        # ``url += x`` keeps the start ``url`` had; an element of a client list is client text from its start.
        if binding == "assign" and isinstance(target, ast.Name):
            shapes = [tuple(shape) for shape in self._shapes(value)]
        elif binding == "append":
            shapes = [(OPAQUE, *shape) for shape in self._shapes(value)]
        else:
            shapes = [(DATA,)]
        changed = False
        for node in walk(target):
            if isinstance(node, ast.Name):
                known = self._data.setdefault(node.id, [])
                for shape in shapes:
                    if shape not in known and len(known) < _MAX_SHAPES:
                        known.append(shape)
                        changed = True
        return changed

    def _attribute_carries(self, node: ast.Attribute) -> bool:
        base = node.value
        if isinstance(base, ast.Name) and base.id in self._kinds:
            kind = self._kinds[base.id]
            if kind == "request":
                return node.attr in _REQUEST_MAPPINGS
            if kind == "upload":
                return node.attr in _UPLOAD_ATTRIBUTES
            if kind != "model":
                return False
        owner = self._model_of(base)
        if owner is not None:
            field = self._field(owner, node.attr)
            return field is not None and self._type_kind(field) in {"data", "model"}
        if (
            node.attr in {"name", "stem", "suffix"}
            and isinstance(base, ast.Call)
            and self._resolve(base.func) in _PATH_CLASSES
        ):
            return False  # Path(name).name: the last component only
        return self.carries(base)

    def _call_carries(self, node: ast.Call) -> bool:
        """Reads of the request carry its data; so do string and path building, and methods of carrying values. An
        unknown function given request data (a database lookup, a service) returns the program's data."""
        func = node.func
        qualified = self._resolve(func)
        if qualified in _CLEANSERS:
            return False
        arguments = [*node.args, *(k.value for k in node.keywords)]
        propagates = qualified in _PROPAGATORS or (qualified or "").startswith(_PROPAGATING_MODULES)
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id in self._kinds:
                kind = self._kinds[base.id]
                reads = {"request": _REQUEST_READS, "websocket": _WEBSOCKET_READS, "upload": _UPLOAD_READS}
                return func.attr in reads.get(kind, frozenset())
            if func.attr in _TESTS:
                return False
            if self.carries(base):
                return True  # name.strip(), data.get("url"), path.with_suffix(".txt")
            if not propagates and func.attr not in _BUILDING_METHODS:
                return False
        elif not propagates:
            return False
        return any(self.carries(argument) for argument in arguments)  # "/".join(...), os.path.join(...), str(x)

    # -- where a built string starts ---------------------------------------------------------------------------------

    def _parts(self, node: ast.AST) -> list[Part]:
        if isinstance(node, ast.Constant):
            return [node.value] if isinstance(node.value, str) else [OPAQUE]
        if isinstance(node, ast.JoinedStr):
            parts: list[Part] = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    parts.extend(self._parts(value.value))
                else:
                    parts.extend(self._parts(value))
            return parts
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._parts(node.left) + self._parts(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # BASE / name
            return [*self._parts(node.left), "/", *self._parts(node.right)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
            text = node.left.value if isinstance(node.left.value, str) else ""
            return [text.split("%", 1)[0], DATA if self.carries(node.right) else OPAQUE]
        if isinstance(node, ast.Name):
            constant = self.index.module_constants.get(node.id)
            if node.id not in self._data and isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                return [constant.value]
            shapes = self._data.get(node.id)
            return list(sorted(shapes, key=danger)[-1]) if shapes else [OPAQUE]
        if isinstance(node, ast.Call):
            return self._call_parts(node)
        if isinstance(node, ast.Await):
            return self._parts(node.value)
        return [DATA if self._whole(node) else OPAQUE]

    def _shapes(self, node: ast.AST) -> list[Shape]:
        if isinstance(node, ast.Name) and node.id in self._data:
            return self._data[node.id]
        return [tuple(self._parts(node))]

    def _whole(self, node: ast.AST) -> bool:
        """Whether all of ``node``'s text is the client's: a parameter, a body field, a value read from the request
        (not, say, a field of a database row looked up with it)."""
        if isinstance(node, ast.Name):
            return any(shape == (DATA,) for shape in self._data.get(node.id, []))
        if isinstance(node, ast.Attribute):
            base = node.value
            if (isinstance(base, ast.Name) and base.id in self._kinds) or self._model_of(base) is not None:
                return self.carries(node)  # request.query_params, upload.filename, body.url, body.target.url
            return self._whole(base)
        if isinstance(node, ast.Subscript | ast.Await | ast.Starred):
            return self._whole(node.value)
        return False

    def _call_parts(self, node: ast.Call) -> list[Part]:
        func = node.func
        qualified = self._resolve(func)
        if qualified in _SAME_TEXT and node.args:
            return self._parts(node.args[0])
        if qualified in _PATH_JOINS and node.args:  # os.path.join(BASE, name), Path(BASE, name)
            return joined([self._parts(argument) for argument in node.args])
        if isinstance(func, ast.Attribute) and func.attr == "joinpath":
            return joined([self._parts(func.value), *(self._parts(argument) for argument in node.args)])
        if qualified in {"urllib.parse.urljoin", "urlparse.urljoin"} and len(node.args) > 1:
            return [DATA] if self.controls_target(node.args[1]) else [OPAQUE]
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "format"
            and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)
        ):
            return self._format_parts(func.value.value, node)
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id in self._kinds:
                return [DATA] if self.carries(node) else [OPAQUE]  # await request.body(), websocket.receive_text()
            if func.attr not in _TESTS and self.carries(base):
                return self._parts(base)  # url.strip(), request.query_params.get("next")
        return [OPAQUE]

    def _format_parts(self, template: str, call: ast.Call) -> list[Part]:
        parts: list[Part] = []
        automatic = 0
        try:
            pieces = list(string.Formatter().parse(template))
        except ValueError:
            return [OPAQUE]
        keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
        for literal, field, _spec, _conversion in pieces:
            parts.append(literal)
            if field is None:
                continue
            argument: ast.expr | None
            key = re.split(r"[.\[]", field, maxsplit=1)[0]
            if key == "":
                argument = call.args[automatic] if automatic < len(call.args) else None
                automatic += 1
            elif key.isdigit():
                argument = call.args[int(key)] if int(key) < len(call.args) else None
            else:
                argument = keywords.get(key)
            parts.extend(self._parts(argument) if argument is not None else [OPAQUE])
        return parts

    def _resolve(self, node: ast.AST) -> str | None:
        return self.index.resolve(node, self.scopes)


def _parses_url(node: ast.expr) -> bool:
    """``urlparse(x).hostname``, ``urlsplit(x).netloc``, ``httpx.URL(x).host`` and the like."""
    return isinstance(node, ast.Attribute) and node.attr in {"hostname", "netloc", "host", "scheme", "port"}


def _named_like_a_check(func: ast.expr) -> bool:
    name = dotted_name(func)
    last = (name or "").rsplit(".", 1)[-1].lower()
    return bool(re.search(r"allow|whitelist|safe|valid|check|verify|ensure|trusted|permitted", last))
