"""The module's whole picture, built once per file and shared by every rule: imports, apps and routers, routes,
classes and the functions used as dependencies.

Everything is computed lazily (once, on first use), so a file pays only for what the rules that run on it ask for.
Names are resolved from the module's own imports and definitions (``import fastapi as fa`` makes ``fa.FastAPI`` mean
``fastapi.FastAPI``; a local ``def sleep`` is not ``time.sleep``), which is all the precision the rules need, at a
fraction of the cost of generic qualified-name metadata.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any, Generic, TypeVar, cast, overload

__all__ = [
    "ASYNC_SESSIONS",
    "HTTP_METHODS",
    "MUTATING_METHODS",
    "SECURITY_SCHEME_CLASSES",
    "SYNC_SESSIONS",
    "FunctionNode",
    "ModuleIndex",
    "Owner",
    "Parameter",
    "Route",
    "dotted_name",
    "fastapi_names",
    "path_parameters",
    "walk",
]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_Node = TypeVar("_Node", bound=ast.AST)
_Other = TypeVar("_Other", bound=ast.AST)
_T = TypeVar("_T")

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "trace"})
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ROUTE_DECORATORS = HTTP_METHODS | {"api_route", "websocket", "route"}

#: Where FastAPI's public names live besides the top-level package (``fastapi.Depends`` is ``fastapi.params`` …).
_FASTAPI_MODULES = ("fastapi", "fastapi.params", "fastapi.param_functions", "fastapi.routing", "fastapi.applications")


def fastapi_names(*names: str) -> frozenset[str]:
    """Every qualified spelling of FastAPI's public ``names`` (``Depends`` -> ``fastapi.Depends``, ...)."""
    return frozenset(f"{module}.{name}" for module in _FASTAPI_MODULES for name in names)


_SECURITY_SCHEMES = (
    "OAuth2PasswordBearer",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2",
    "APIKeyHeader",
    "APIKeyQuery",
    "APIKeyCookie",
    "HTTPBearer",
    "HTTPBasic",
    "HTTPDigest",
    "HTTPBase",
    "OpenIdConnect",
)
_SECURITY_MODULES = (
    "fastapi.security",
    "fastapi.security.oauth2",
    "fastapi.security.api_key",
    "fastapi.security.http",
    "fastapi.security.open_id_connect_url",
)
#: Every qualified spelling of FastAPI's security scheme classes (``fastapi.security.OAuth2PasswordBearer``, ...).
SECURITY_SCHEME_CLASSES = frozenset(f"{module}.{name}" for module in _SECURITY_MODULES for name in _SECURITY_SCHEMES)

_APP_NAMES = fastapi_names("FastAPI")
_ROUTER_NAMES = fastapi_names("APIRouter")
_DEPENDS_NAMES = fastapi_names("Depends", "Security")
_OWNER_NAMES = _APP_NAMES | _ROUTER_NAMES


_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
_UNION = frozenset({"typing.Union", "typing_extensions.Union"})
#: Every spelling of SQLAlchemy's (and SQLModel's) synchronous and asynchronous ORM session classes.
SYNC_SESSIONS = frozenset(
    {"sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session", "sqlmodel.orm.session.Session"}
)
ASYNC_SESSIONS = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
#: Session factories -> the session class their calls build when no ``class_=`` is given.
_SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.Session",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
    "sqlalchemy.ext.asyncio.session.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
}


def walk(node: ast.AST) -> list[ast.AST]:
    """``list(walk(node))``, the same nodes in the same (breadth-first) order, at a fraction of the cost (no
    generators): rules walk small subtrees often."""
    found = [node]
    node_type = ast.AST
    position = 0
    while position < len(found):
        current = found[position]
        position += 1
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, node_type):
                found.append(value)
            elif isinstance(value, list):
                found.extend(item for item in value if isinstance(item, node_type))
    return found


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


@dataclass(frozen=True, slots=True)
class Owner:
    """A FastAPI app or APIRouter bound to a name: its kind, the call that made it, its prefix and dependencies."""

    name: str
    kind: str  # "app" | "router"
    call: ast.Call
    prefix: str
    dependencies: tuple[ast.expr, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """A path operation: the decorated function, its owner, HTTP methods (upper case) and path."""

    function: FunctionNode
    owner: Owner
    decorator: ast.Call
    methods: tuple[str, ...]
    path: str | None
    is_websocket: bool

    @property
    def dependencies(self) -> tuple[ast.expr, ...]:
        """``dependencies=[...]`` of the decorator and of its router."""
        return _list_keyword(self.decorator, "dependencies") + self.owner.dependencies

    @property
    def full_path(self) -> str | None:
        """The path with its router's own prefix (``include_router`` prefixes are in ``ModuleIndex.mount_prefixes``)."""
        return None if self.path is None else self.owner.prefix + self.path

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """The ``{name}`` parameters of the decorator's own path (not of the router's prefix)."""
        return path_parameters(self.path or "")


#: Starlette's own pattern: ``{$request.body.id}`` (an OpenAPI callback expression) is not a parameter.
_PATH_PARAMETER = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_][a-zA-Z0-9_]*)?}")


def path_parameters(path: str) -> tuple[str, ...]:
    """The parameter names of a route path: ``/items/{item_id}/{rest:path}`` -> ``("item_id", "rest")``."""
    return tuple(match.group(1) for match in _PATH_PARAMETER.finditer(path))


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of a path operation or dependency and where FastAPI reads it from.

    ``source`` is ``path``, ``query``, ``header``, ``cookie``, ``body``, ``form``, ``file``, ``dependency``,
    ``special`` (``Request``, ``Response``, ``BackgroundTasks``...) or ``unknown`` (a type this module cannot see).
    """

    node: ast.arg
    type: ast.expr | None  # the annotation without ``Annotated[...]`` (module-level aliases expanded)
    metadata: tuple[ast.expr, ...]  # the ``Annotated`` extras
    marker: ast.Call | None  # the FastAPI call that decides the source (``Query()``, ``Depends(f)``...), if any
    default: ast.expr | None
    source: str
    keyword_only: bool

    @property
    def name(self) -> str:
        return self.node.arg


_PARAMETER_SOURCES = {
    qualified: source
    for name, source in (
        ("Query", "query"),
        ("Path", "path"),
        ("Header", "header"),
        ("Cookie", "cookie"),
        ("Body", "body"),
        ("Form", "form"),
        ("File", "file"),
        ("Depends", "dependency"),
        ("Security", "dependency"),
    )
    for qualified in fastapi_names(name)
}
#: Types FastAPI reads from the query string when nothing else is said (``str``, ``int``, ``UUID``, ``date``...).
_SCALAR_TYPES = frozenset(
    {f"builtins.{name}" for name in ("str", "int", "float", "bool", "bytes")}
    | {f"datetime.{name}" for name in ("datetime", "date", "time", "timedelta")}
    | {"uuid.UUID", "decimal.Decimal", "pathlib.Path", "typing.Any", "typing_extensions.Any", "enum.Enum"}
    | {f"pydantic.{name}" for name in ("EmailStr", "HttpUrl", "AnyUrl", "AnyHttpUrl", "SecretStr", "UUID4", "Json")}
    | {f"pydantic.{name}" for name in ("PositiveInt", "NonNegativeInt", "PositiveFloat", "StrictStr", "StrictInt")}
)
_LITERALS = frozenset({"typing.Literal", "typing_extensions.Literal"})
_SEQUENCE_TYPES = frozenset(
    {f"builtins.{name}" for name in ("list", "set", "tuple", "frozenset")}
    | {f"typing.{name}" for name in ("List", "Set", "Tuple", "FrozenSet", "Sequence")}
    | {"collections.abc.Sequence", "collections.abc.Set"}
)
_MAPPING_TYPES = frozenset({"builtins.dict", "typing.Dict", "typing.Mapping", "collections.abc.Mapping"})
_UPLOAD_TYPES = frozenset(
    {"fastapi.UploadFile", "fastapi.datastructures.UploadFile", "starlette.datastructures.UploadFile"}
)
_SPECIAL_TYPES = frozenset(
    {"fastapi.security.SecurityScopes", "fastapi.security.oauth2.SecurityScopes"}
    | {
        f"{module}.{name}"
        for module in ("fastapi", "fastapi.requests", "starlette.requests")
        for name in ("Request", "HTTPConnection")
    }
    | {f"{module}.WebSocket" for module in ("fastapi", "fastapi.websockets", "starlette.websockets")}
    | {f"{module}.BackgroundTasks" for module in ("fastapi", "fastapi.background", "starlette.background")}
    | {"fastapi.Response"}
)
_SPECIAL_MODULES = ("fastapi.responses.", "starlette.responses.")
#: Pydantic model bases: a module class deriving from one is a request body when nothing else is said.
MODEL_BASES = frozenset(
    {"pydantic.BaseModel", "pydantic.main.BaseModel", "pydantic.RootModel", "pydantic.root_model.RootModel"}
    | {"sqlmodel.SQLModel", "sqlmodel.main.SQLModel", "pydantic_settings.BaseSettings"}
)
_ENUM_BASES = frozenset({f"enum.{name}" for name in ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag")})


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _list_keyword(call: ast.Call, name: str) -> tuple[ast.expr, ...]:
    value = _keyword(call, name)
    return tuple(value.elts) if isinstance(value, ast.List | ast.Tuple) else ()


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


#: Fields the walk does not look at: those that never hold a node (names, numbers, flags), and the expression
#: context (``Load``/``Store``/``Del``) and operators (``Add``, ``Eq``, ``Not``...), shared nodes without a position
#: that no rule visits (a third of a module's nodes are ``Load``s).
_SCALAR_FIELDS = frozenset(
    {"type_comment", "name", "id", "attr", "arg", "asname", "module", "level", "conversion", "is_async", "kind", "rest"}
    | {"kwd_attrs", "ctx", "op", "ops"}
)
#: Node type -> the fields of it that may hold nodes, in ``ast.iter_child_nodes`` order (filled as types are met).
_CHILD_FIELDS: dict[type[ast.AST], tuple[tuple[str, bool], ...]] = {}
#: Nodes whose body is a frame of its own: ``own_nodes`` does not look inside them.
_NEW_FRAMES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
#: The nodes ``_bound_names`` takes names from.
_STATEMENT_BINDINGS = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign}
    | {ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.ExceptHandler}
)
#: Expression contexts and operators: ``ast.parse`` shares one node of each type, the walk leaves them out.
_SINGLETONS = frozenset(
    kind
    for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for kind in base.__subclasses__()
)
#: The statements that hold statements or ``except`` handlers (a ``match`` holds them in its cases).
_BLOCK_STATEMENTS = frozenset({ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.TryStar})
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})
#: The nodes that bind names in their frame (``ModuleIndex._bind_body``).
_BINDINGS = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith}
    | {ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal}
    | {ast.ExceptHandler}
)


#: A set of qualified names -> the last parts of them (shared by every file: rules pass module constants).
_LAST_PARTS: dict[frozenset[str], frozenset[str]] = {}


def _child_fields(node: ast.AST) -> tuple[tuple[str, bool], ...]:
    """``(field, whether it holds a list)`` for each field of ``node``'s type that may hold nodes (a field holding a
    list in one node of a type holds one in all)."""
    kind = type(node)
    fields: tuple[tuple[str, bool], ...] = ()
    if kind is not ast.Constant and kind is not ast.Global and kind is not ast.Nonlocal:
        fields = tuple(
            (name, isinstance(getattr(node, name, None), list))
            for name in kind._fields
            if name not in _SCALAR_FIELDS or kind.__name__ == "TypeAlias"  # 3.12's ``type X = ...`` names it by a node
        )
    _CHILD_FIELDS[kind] = fields
    return fields


class _Lazy(Generic[_T]):
    """``functools.cached_property`` without the lock Python 3.11 takes on every first access (a file's index is
    used by one thread): computed once, then read from the instance's ``__dict__``."""

    def __init__(self, function: Callable[[Any], _T]) -> None:
        self.function = function
        self.name = function.__name__
        self.__doc__ = function.__doc__

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> _Lazy[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> _T: ...

    def __get__(self, instance: object, owner: type[Any] | None = None) -> _T | _Lazy[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.function(instance)
        return value


class ModuleIndex:
    """Lazily computed facts about one parsed module."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._locals_cache: dict[int, frozenset[str]] = {}
        #: ``id()`` of a function -> the names it binds other than by importing them (they hide the module's).
        self._shadowing: dict[int, frozenset[str]] = {}
        self._heads: dict[str, str | None] = {}
        self._spellings: dict[frozenset[str], frozenset[str]] = {}
        self._subclasses_cache: dict[frozenset[str], frozenset[str]] = {}
        self._parameters_cache: dict[tuple[int, frozenset[str]], tuple[Parameter, ...]] = {}
        self._own_cache: dict[int, tuple[ast.AST, ...]] = {}
        self._types_cache: dict[int, dict[str, str]] = {}
        self._typed_cache: dict[type[ast.AST], list[ast.AST]] = {}

    # -- the walk ----------------------------------------------------------------------------------------------------

    @_Lazy
    def _walk(self) -> tuple[list[ast.AST], list[int], dict[type[ast.AST], list[int]]]:
        order: list[ast.AST] = []
        depths: list[int] = []
        typed: dict[type[ast.AST], list[int]] = {}  # node type -> where its nodes are in ``order``
        pending: list[tuple[ast.AST, int]] = [(self.tree, 0)]
        node_type = ast.AST
        table = _CHILD_FIELDS
        position = 0
        while pending:
            node, depth = pending.pop()
            order.append(node)
            depths.append(depth)
            kind = type(node)
            places = typed.get(kind)
            if places is None:
                typed[kind] = [position]
            else:
                places.append(position)
            position += 1
            fields = table[kind] if kind in table else _child_fields(node)
            if not fields:
                continue
            children: list[tuple[ast.AST, int]] = []
            depth += 1
            for name, many in fields:
                value = getattr(node, name, None)
                if many:
                    if value:
                        for item in value:
                            if isinstance(item, node_type):
                                children.append((item, depth))
                elif isinstance(value, node_type):
                    children.append((value, depth))
                elif isinstance(value, list):  # a list field missing from the first node of its type (built by hand)
                    children.extend((item, depth) for item in value if isinstance(item, node_type))
            if children:
                children.reverse()
                pending += children
        return order, depths, typed

    @property
    def preorder(self) -> tuple[list[ast.AST], list[int]]:
        """Every node of the module depth-first, each before its children and those in ``ast.iter_child_nodes``
        order, with its depth (the module's is 0): the one walk of the file, which the checker dispatches from and
        the other tables are read from. Expression contexts and operators are left out (see ``_SCALAR_FIELDS``)."""
        order, depths, _ = self._walk
        return order, depths

    @_Lazy
    def nodes(self) -> tuple[ast.AST, ...]:
        """Every node of the module (but contexts and operators), in ``ast.walk`` order (breadth-first)."""
        order, depths, _ = self._walk
        levels: list[list[ast.AST]] = [[] for _ in range(max(depths) + 1)]
        for node, depth in zip(order, depths, strict=True):
            levels[depth].append(node)
        return tuple(chain.from_iterable(levels))

    def nodes_of(self, kind: type[_Node]) -> list[_Node]:
        """The nodes of exactly type ``kind``, in ``ast.walk`` order (do not change the list)."""
        found = self._typed_cache.get(kind)
        if found is None:
            found = self._typed_cache[kind] = self._in_walk_order(self._walk[2].get(kind, []))
        return cast("list[_Node]", found)

    def _nodes_of_either(self, first: type[_Node], second: type[_Other]) -> list[_Node | _Other]:
        """The nodes of either type, in ``ast.walk`` order."""
        typed = self._walk[2]
        places = sorted([*typed.get(first, ()), *typed.get(second, ())])
        return cast("list[_Node | _Other]", self._in_walk_order(places))

    def _in_walk_order(self, places: list[int]) -> list[ast.AST]:
        """The nodes at ``places`` (in ``preorder`` order), in ``ast.walk`` order: breadth-first is depth-first
        sorted by depth, nodes at one depth keeping their order."""
        order, depths, _ = self._walk
        if len(places) > 1:
            places = sorted(places, key=depths.__getitem__)
        return [order[place] for place in places]

    @_Lazy
    def definitions(self) -> list[FunctionNode]:
        """Every ``def`` and ``async def`` of the module, nested ones included, in ``ast.walk`` order."""
        return self._nodes_of_either(ast.FunctionDef, ast.AsyncFunctionDef)

    # -- names -------------------------------------------------------------------------------------------------------

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> qualified name, for every import anywhere in the module (``import a.b`` binds ``a``)."""
        found: dict[str, str] = {}
        for node in self._nodes_of_either(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".", 1)[0]
                        found[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return found

    @_Lazy
    def module_definitions(self) -> frozenset[str]:
        """Names bound at module level by ``def``, ``class`` or assignment (they shadow an import of that name)."""
        return frozenset(name for _, names in self._module_bindings for name in names)

    @_Lazy
    def _module_bindings(self) -> list[tuple[ast.stmt, set[str]]]:
        """Each module-level statement with the names it binds."""
        return [(statement, _bound_names(statement)) for statement in self.tree.body]

    def function_locals(self, function: FunctionNode | ast.Lambda) -> frozenset[str]:
        """Parameters and names bound inside ``function`` (not inside functions nested in it)."""
        cache = self._locals_cache
        key = id(function)
        if key not in cache:
            arguments = function.args
            extra = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            names = {arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *extra)}
            if isinstance(function, ast.Lambda):
                pass
            elif ast.Match in self._walk[2] and any(type(node) is ast.Match for node in self.own_nodes(function)):
                for statement in function.body:  # a ``case`` body's names are not counted
                    names.update(_bound_names(statement, deep=True))
            else:
                _frame_bindings(self.own_nodes(function), names)
            cache[key] = frozenset(names)
        return cache[key]

    def resolve(self, node: ast.AST, scopes: tuple[FunctionNode | ast.Lambda, ...] = ()) -> str | None:
        """The qualified name ``node`` refers to, seen from inside ``scopes`` (innermost last).

        An imported name resolves to what it imports (``fa.FastAPI`` -> ``fastapi.FastAPI``); a name bound by a
        function or the module itself resolves to ``<local>.name``; an unbound name to ``builtins.name``.
        """
        if type(node) is ast.Name:
            head = dotted = node.id
            rest = ""
        else:
            found = dotted_name(node)
            if found is None:
                return None
            dotted = found
            head, _, rest = dotted.partition(".")
        if scopes:
            shadowing = self._shadowing
            for scope in reversed(scopes):
                names = shadowing.get(id(scope))
                if names is None:
                    names = shadowing[id(scope)] = self.function_locals(scope) - self._function_imports(scope)
                if head in names:
                    return f"<local>.{dotted}"
        heads = self._heads
        qualified = heads[head] if head in heads else self._module_head(head)
        if qualified is None:
            return f"<local>.{dotted}"
        return f"{qualified}.{rest}" if rest else qualified

    def _module_head(self, head: str) -> str | None:
        """What a name means at module level: what it imports, ``None`` for a module definition, else a builtin."""
        if head in self.imports and (head not in self.module_definitions or head in self._module_imports):
            qualified: str | None = self.imports[head]
        elif head in self.module_definitions:
            qualified = None
        else:
            qualified = f"builtins.{head}"
        self._heads[head] = qualified
        return qualified

    def may_resolve_to(self, node: ast.AST, names: frozenset[str]) -> bool:
        """A cheap test, true whenever ``resolve(node, scopes)`` is in ``names`` (whatever the scopes): an attribute
        chain ending in the last part of one of ``names``, or a bare name spelling one of them (``open``, or ``Go``
        after ``import X as Go``)."""
        spellings = self._spellings.get(names)
        if spellings is None:
            lasts = _LAST_PARTS.get(names)
            if lasts is None:
                lasts = _LAST_PARTS[names] = frozenset(name.rsplit(".", 1)[-1] for name in names)
            aliases = [local for local, qualified in self.imports.items() if qualified in names]
            spellings = self._spellings[names] = lasts.union(aliases) if aliases else lasts
        if isinstance(node, ast.Attribute):
            return node.attr in spellings
        return isinstance(node, ast.Name) and node.id in spellings

    @_Lazy
    def _module_imports(self) -> frozenset[str]:
        # An import after the last def/assignment of the same name wins; before it, the definition wins.
        last: dict[str, bool] = {}
        for statement, names in self._module_bindings:
            imported = isinstance(statement, ast.Import | ast.ImportFrom)
            for name in names:
                last[name] = imported
        return frozenset(name for name, imported in last.items() if imported)

    def _function_imports(self, function: FunctionNode | ast.Lambda) -> frozenset[str]:
        if isinstance(function, ast.Lambda):
            return frozenset()
        return frozenset(
            name
            for statement in function.body
            if isinstance(statement, ast.Import | ast.ImportFrom)
            for name in _bound_names(statement)
        )

    # -- FastAPI structure -------------------------------------------------------------------------------------------

    @_Lazy
    def owners(self) -> dict[str, Owner]:
        """Apps and routers by the name they are assigned to (anywhere in the module, nested functions included)."""
        found: dict[str, Owner] = {}
        for node in self._nodes_of_either(ast.Assign, ast.AnnAssign):
            if not isinstance(node.value, ast.Call) or not self.may_resolve_to(node.value.func, _OWNER_NAMES):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            qualified = self.resolve(node.value.func)
            kind = "app" if qualified in _APP_NAMES else "router" if qualified in _ROUTER_NAMES else None
            if kind is None:
                continue
            prefix = _string(_keyword(node.value, "prefix")) or ""
            for target in targets:
                name = dotted_name(target)
                if name is not None:
                    dependencies = _list_keyword(node.value, "dependencies")
                    found[name] = Owner(name=name, kind=kind, call=node.value, prefix=prefix, dependencies=dependencies)
        return found

    @_Lazy
    def routes(self) -> tuple[Route, ...]:
        """Every path operation whose decorator is ``<app or router>.<method>(...)``."""
        found: list[Route] = []
        for node in self.definitions:
            for decorator in node.decorator_list:
                route = self._route(node, decorator)
                if route is not None:
                    found.append(route)
        return tuple(found)

    def _route(self, function: FunctionNode, decorator: ast.expr) -> Route | None:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            return None
        method = decorator.func.attr
        owner = self.owners.get(dotted_name(decorator.func.value) or "")
        if owner is None or method not in _ROUTE_DECORATORS:
            return None
        path = _string(decorator.args[0]) if decorator.args else _string(_keyword(decorator, "path"))
        if method in HTTP_METHODS:
            methods: tuple[str, ...] = (method.upper(),)
        elif method == "websocket":
            methods = ()
        else:
            listed = _list_keyword(decorator, "methods")
            methods = tuple(m.upper() for m in (_string(e) for e in listed) if m) or ("GET",)
        return Route(
            function=function,
            owner=owner,
            decorator=decorator,
            methods=methods,
            path=path,
            is_websocket=method == "websocket",
        )

    @_Lazy
    def route_functions(self) -> dict[int, Route]:
        """Routes by ``id()`` of their function node."""
        return {id(route.function): route for route in self.routes}

    def other_decorators(self, function: FunctionNode) -> tuple[ast.expr, ...]:
        """``function``'s decorators that are not route decorators: a wrapper among them may change the signature
        FastAPI sees, so rules that read a route's parameters stay silent when there is one."""
        routes = self._route_decorators.get(id(function), ())
        return tuple(d for d in function.decorator_list if id(d) not in routes)

    @_Lazy
    def _route_decorators(self) -> dict[int, set[int]]:
        """``id()`` of a route's function -> ``id()`` of its route decorators."""
        found: dict[int, set[int]] = {}
        for route in self.routes:
            found.setdefault(id(route.function), set()).add(id(route.decorator))
        return found

    @cached_property
    def functions(self) -> dict[str, FunctionNode]:
        """Functions by name (module level and nested; the last definition of a name wins)."""
        return {node.name: node for node in self.definitions}

    @cached_property
    def classes(self) -> dict[str, ast.ClassDef]:
        """Classes by name."""
        return {node.name: node for node in self.nodes_of(ast.ClassDef)}

    @_Lazy
    def module_constants(self) -> dict[str, ast.expr]:
        """Values of names bound exactly once at module level, by a plain assignment (``ORIGINS = ["*"]``)."""
        values: dict[str, ast.expr] = {}
        counts: dict[str, int] = {}
        for statement, bound in self._module_bindings:
            if type(statement) in _BLOCK_STATEMENTS:
                bound = _bound_names(statement, deep=True)
            for name in bound:
                counts[name] = counts.get(name, 0) + 1
            value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            if isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            if value is not None and len(targets) == 1 and isinstance(targets[0], ast.Name):
                values[targets[0].id] = value
        return {name: value for name, value in values.items() if counts.get(name) == 1}

    @_Lazy
    def dependency_calls(self) -> tuple[ast.Call, ...]:
        """Every ``Depends(...)``/``Security(...)`` call."""
        return tuple(
            node
            for node in self.nodes_of(ast.Call)
            if self.may_resolve_to(node.func, _DEPENDS_NAMES) and self.resolve(node.func) in _DEPENDS_NAMES
        )

    @_Lazy
    def dependency_functions(self) -> frozenset[str]:
        """Names of the functions passed to ``Depends``/``Security`` (the module's dependencies)."""
        names = set()
        for call in self.dependency_calls:
            target = call.args[0] if call.args else _keyword(call, "dependency")
            name = dotted_name(target) if target is not None else None
            if name is not None:
                names.add(name)
        return frozenset(names)

    def class_fields(self, name: str) -> Iterator[tuple[str, ast.AnnAssign]]:
        """Annotated fields of class ``name`` and of its bases defined in this module (bases first)."""
        seen: set[str] = set()

        def walk(class_name: str) -> Iterator[tuple[str, ast.AnnAssign]]:
            node = self.classes.get(class_name)
            if node is None or class_name in seen:
                return
            seen.add(class_name)
            for base in node.bases:
                base_name = dotted_name(base)
                if base_name is not None:
                    yield from walk(base_name)
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    yield statement.target.id, statement

        yield from walk(name)

    # -- classes and parameters --------------------------------------------------------------------------------------

    def subclasses_of(self, bases: frozenset[str]) -> frozenset[str]:
        """Names of the module's classes deriving, directly or through other module classes, from one of ``bases``
        (qualified names such as ``pydantic.BaseModel``)."""
        if bases not in self._subclasses_cache:
            found: set[str] = set()
            changed = True
            while changed:
                changed = False
                for name, node in self.classes.items():
                    if name in found:
                        continue
                    for base in node.bases:
                        qualified = self.resolve(base) or ""
                        if qualified in bases or qualified.removeprefix("<local>.") in found:
                            found.add(name)
                            changed = True
                            break
            self._subclasses_cache[bases] = frozenset(found)
        return self._subclasses_cache[bases]

    @_Lazy
    def model_classes(self) -> frozenset[str]:
        """The module's pydantic models (``BaseModel``, ``SQLModel``, ``BaseSettings`` subclasses), by name."""
        return self.subclasses_of(MODEL_BASES)

    def local_class(self, node: ast.expr | None) -> str | None:
        """The name of the module class ``node`` refers to (``Item``), else ``None``."""
        qualified = self.resolve(node) if node is not None else None
        if qualified is None or not qualified.startswith("<local>."):
            return None
        name = qualified.removeprefix("<local>.")
        return name if name in self.classes else None

    def annotated_parts(
        self, annotation: ast.expr | None, depth: int = 0
    ) -> tuple[ast.expr | None, tuple[ast.expr, ...]]:
        """``(type, extras)`` of an annotation: ``Annotated[int, Query(le=10)]`` -> ``(int, (Query(le=10),))``,
        through string annotations, nested ``Annotated`` and module-level aliases (``ItemDep = Annotated[...]``)."""
        if annotation is None or depth > 8:
            return annotation, ()
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return annotation, ()
            return self.annotated_parts(parsed, depth + 1)
        if isinstance(annotation, ast.Name) and self._is_alias(annotation):
            return self.annotated_parts(self._aliases[annotation.id], depth + 1)
        if isinstance(annotation, ast.Subscript) and self.resolve(annotation.value) in _ANNOTATED:
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            inner, extras = self.annotated_parts(items[0], depth + 1)
            return inner, extras + tuple(items[1:])
        return annotation, ()

    def marker(self, node: ast.expr | None) -> ast.Call | None:
        """``node`` as a FastAPI parameter call (``Query(...)``, ``Depends(f)``...), also through a module-level
        variable holding one (``item_dep = Depends(get_item)``)."""
        if isinstance(node, ast.Name) and self.resolve(node) == f"<local>.{node.id}":
            node = self.module_constants.get(node.id)
        if isinstance(node, ast.Call) and self.resolve(node.func) in _PARAMETER_SOURCES:
            return node
        return None

    def marker_source(self, marker: ast.Call) -> str:
        """``query``, ``path``, ``body``, ``dependency``... for a call ``marker`` accepted."""
        return _PARAMETER_SOURCES[self.resolve(marker.func) or ""]

    def type_kind(self, annotation: ast.expr | None, depth: int = 0) -> str | None:
        """What a type is to FastAPI: ``scalar``, ``sequence`` (of scalars), ``upload``, ``special``, ``model``
        (a module pydantic model or dataclass), ``mapping``, or ``None`` when this module cannot tell."""
        annotation, _ = self.annotated_parts(annotation)
        if annotation is None or depth > 8:
            return "scalar" if annotation is None else None
        members = self._union_members(annotation)
        if members is not None:
            kinds = {self.type_kind(member, depth + 1) for member in members if not _is_none(member)}
            return kinds.pop() if len(kinds) == 1 else None
        if isinstance(annotation, ast.Subscript):
            generic = self.resolve(annotation.value)
            if generic in _LITERALS:
                return "scalar"
            if generic in _SEQUENCE_TYPES:
                items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
                inner = {self.type_kind(item, depth + 1) for item in items if not isinstance(item, ast.Constant)}
                return "upload" if inner == {"upload"} else "sequence"
            return "mapping" if generic in _MAPPING_TYPES else None
        qualified = self.resolve(annotation) or ""
        if qualified in _SCALAR_TYPES:
            return "scalar"
        if qualified in _SEQUENCE_TYPES:
            return "sequence"
        if qualified in _MAPPING_TYPES:
            return "mapping"
        if qualified in _UPLOAD_TYPES:
            return "upload"
        if qualified in _SPECIAL_TYPES or qualified.startswith(_SPECIAL_MODULES):
            return "special"
        name = self.local_class(annotation)
        if name is not None:
            if name in self.subclasses_of(_ENUM_BASES):
                return "scalar"
            if name in self.model_classes or self._is_dataclass(self.classes[name]):
                return "model"
        return None

    def _union_members(self, annotation: ast.expr) -> list[ast.expr] | None:
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            return [*(self._union_members(annotation.left) or [annotation.left]), annotation.right]
        if isinstance(annotation, ast.Subscript):
            generic = self.resolve(annotation.value)
            if generic in _OPTIONAL:
                return [annotation.slice, ast.Constant(value=None)]
            if generic in _UNION:
                return list(annotation.slice.elts) if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        return None

    def is_optional(self, annotation: ast.expr | None) -> bool:
        """Whether a type admits ``None`` (``X | None``, ``Optional[X]``, ``Union[X, None]``), through ``Annotated``."""
        annotation, _ = self.annotated_parts(annotation)
        members = self._union_members(annotation) if annotation is not None else None
        return members is not None and any(_is_none(member) for member in members)

    def _is_dataclass(self, node: ast.ClassDef) -> bool:
        return any(
            self.resolve(d.func if isinstance(d, ast.Call) else d)
            in {"dataclasses.dataclass", "pydantic.dataclasses.dataclass"}
            for d in node.decorator_list
        )

    def parameters(self, function: FunctionNode, path_names: Iterable[str] = ()) -> tuple[Parameter, ...]:
        """``function``'s parameters as FastAPI sees them in a path operation (or dependency) whose path declares
        ``path_names`` (``*args``/``**kwargs`` left out)."""
        names = frozenset(path_names)
        key = (id(function), names)
        if key not in self._parameters_cache:
            arguments = function.args
            positional = [*arguments.posonlyargs, *arguments.args]
            defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
            defaults += arguments.defaults
            pairs = [(arg, default, False) for arg, default in zip(positional, defaults, strict=True)]
            pairs += [
                (arg, default, True) for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            ]
            self._parameters_cache[key] = tuple(self._parameter(arg, default, kw, names) for arg, default, kw in pairs)
        return self._parameters_cache[key]

    def _parameter(
        self, arg: ast.arg, default: ast.expr | None, keyword_only: bool, path_names: frozenset[str]
    ) -> Parameter:
        type_, metadata = self.annotated_parts(arg.annotation)
        markers = [m for m in (self.marker(item) for item in metadata) if m is not None]
        marker = markers[-1] if markers else self.marker(default)
        if marker is not None:
            source = self.marker_source(marker)
        elif arg.arg in path_names:
            source = "path"
        else:
            kind = self.type_kind(type_) if arg.annotation is not None else "scalar"
            source = {
                "scalar": "query",
                "sequence": "body",
                "model": "body",
                "mapping": "body",
                "upload": "file",
                "special": "special",
            }.get(kind or "", "unknown")
        return Parameter(arg, type_, metadata, marker, default, source, keyword_only)

    # -- what names hold ---------------------------------------------------------------------------------------------

    @_Lazy
    def _aliases(self) -> dict[str, ast.expr]:
        """Module-level ``Name = <annotation>`` / ``Name: TypeAlias = ...`` assignments, by name."""
        found: dict[str, ast.expr] = {}
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target, value = statement.target, statement.value
            else:
                continue
            if isinstance(target, ast.Name) and isinstance(value, ast.Name | ast.Attribute | ast.Subscript | ast.BinOp):
                found[target.id] = value
        return found

    @_Lazy
    def session_factories(self) -> dict[str, str]:
        """Module-level ``sessionmaker``/``async_sessionmaker`` results, by name -> the session class they build."""
        found: dict[str, str] = {}
        value: ast.expr | None
        for statement in self.tree.body:
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign):
                targets, value = [statement.target], statement.value
            else:
                continue
            built = self._factory_product(value) if isinstance(value, ast.Call) else None
            for target in targets:
                if built is not None and isinstance(target, ast.Name):
                    found[target.id] = built
        return found

    def _factory_product(self, call: ast.Call) -> str | None:
        """The session class a ``sessionmaker(...)``/``async_sessionmaker(...)`` call builds (``class_=`` wins)."""
        default = _SESSION_FACTORIES.get(self.resolve(call.func) or "")
        if default is None:
            return None
        explicit = _keyword(call, "class_")
        return (self.resolve(explicit) if explicit is not None else None) or default

    def annotation_type(self, annotation: ast.expr | None, depth: int = 0) -> str | None:
        """The qualified class an annotation names, through ``Annotated[T, ...]``, ``T | None``, ``Optional[T]``,
        string annotations and module-level aliases (``SessionDep = Annotated[AsyncSession, Depends(...)]``)."""
        if annotation is None or depth > 8:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return None
            return self.annotation_type(parsed, depth + 1)
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            members = [m for m in (annotation.left, annotation.right) if not _is_none(m)]
            return self.annotation_type(members[0], depth + 1) if len(members) == 1 else None
        if isinstance(annotation, ast.Subscript):
            generic = self.resolve(annotation.value)
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            if generic in _ANNOTATED or generic in _OPTIONAL:
                return self.annotation_type(items[0], depth + 1)
            if generic in _UNION:
                members = [m for m in items if not _is_none(m)]
                return self.annotation_type(members[0], depth + 1) if len(members) == 1 else None
            return generic
        if isinstance(annotation, ast.Name) and self._is_alias(annotation):
            return self.annotation_type(self._aliases[annotation.id], depth + 1)
        return self.resolve(annotation)

    def _is_alias(self, name: ast.Name) -> bool:
        return name.id in self._aliases and self.resolve(name) == f"<local>.{name.id}"

    def call_type(self, call: ast.Call) -> str | None:
        """The qualified name of what ``call`` builds: a session factory's product (``SessionLocal()``,
        ``sessionmaker(...)()``, ``SessionLocal.begin()``), else the called name itself (a class's constructor)."""
        func = call.func
        if isinstance(func, ast.Call):
            return self._factory_product(func)
        if isinstance(func, ast.Name) and func.id in self.session_factories:
            return self.session_factories[func.id] if self.resolve(func) == f"<local>.{func.id}" else None
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "begin"
            and isinstance(func.value, ast.Name)
            and func.value.id in self.session_factories
        ):
            return self.session_factories[func.value.id]
        return self.resolve(func)

    def local_types(self, function: FunctionNode) -> dict[str, str]:
        """Names of ``function`` whose class is known: annotated parameters and names bound only by
        ``x = Class(...)``, ``x: Class = ...`` or ``with Class(...) as x`` (a name bound any other way is unknown)."""
        key = id(function)
        if key not in self._types_cache:
            types: dict[str, str | None] = {}

            def bind(name: str, qualified: str | None) -> None:
                types[name] = qualified if types.get(name, qualified) == qualified else None

            arguments = function.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
                bind(arg.arg, self.annotation_type(arg.annotation))
            for extra in (arguments.vararg, arguments.kwarg):
                if extra is not None:
                    bind(extra.arg, None)
            self._bind_body(self.own_nodes(function), bind)
            self._types_cache[key] = {name: value for name, value in types.items() if value is not None}
        return self._types_cache[key]

    @_Lazy
    def module_types(self) -> dict[str, str]:
        """Module-level names whose class is known, by the same bindings as ``local_types``."""
        types: dict[str, str | None] = {}

        def bind(name: str, qualified: str | None) -> None:
            types[name] = qualified if types.get(name, qualified) == qualified else None

        if ast.NamedExpr in self._walk[2]:
            self._bind_body(self._frame_nodes(self.tree, self.tree.body), bind)
        else:  # only statements bind (and ``except`` handlers): no need to look at expressions
            self._bind_body(_frame_statements(self.tree.body), bind)
        return {name: value for name, value in types.items() if value is not None}

    def own_nodes(self, function: FunctionNode) -> tuple[ast.AST, ...]:
        """The nodes of ``function``'s body that run in its own frame (not in nested functions, lambdas or classes),
        in source order (contexts and operators left out)."""
        key = id(function)
        if key not in self._own_cache:
            self._own_cache[key] = self._frame_nodes(function, function.body)
        return self._own_cache[key]

    def _frame_nodes(self, owner: ast.AST, body: list[ast.stmt]) -> tuple[ast.AST, ...]:
        """The nodes of ``owner``'s statements ``body`` in source order, not looking inside nested frames: a slice of
        ``preorder`` (a body from another tree is walked on its own)."""
        order, depths, typed = self._walk
        end = len(order)
        start = -1
        if body:
            at = 0 if owner is self.tree else next((p for p in typed.get(type(owner), ()) if order[p] is owner), -1)
            if at >= 0:  # the body follows the owner's other fields (arguments, bases...) inside its subtree
                position = at + 1
                while position < end and depths[position] > depths[at]:
                    if order[position] is body[0]:
                        start = position
                        break
                    position += 1
        if start < 0:
            found: list[ast.AST] = []
            pending: list[ast.AST] = list(reversed(body))
            while pending:
                node = pending.pop()
                found.append(node)
                if type(node) not in _NEW_FRAMES:
                    pending.extend(reversed([c for c in ast.iter_child_nodes(node) if type(c) not in _SINGLETONS]))
            return tuple(found)
        # The body's statements are the owner's next children, each followed by its subtree; a nested frame's subtree
        # is skipped (its node is kept).
        level = depths[start]
        statements = len(body)
        nodes: list[ast.AST] = []
        position = start
        while position < end:
            depth = depths[position]
            if depth <= level:
                if depth < level or not statements:
                    break
                statements -= 1
            node = order[position]
            nodes.append(node)
            position += 1
            if type(node) in _NEW_FRAMES:
                while position < end and depths[position] > depth:
                    position += 1
        return tuple(nodes)

    def _bind_body(self, nodes: tuple[ast.AST, ...], bind: Callable[[str, str | None], None]) -> None:
        """Call ``bind`` for every name bound in the frame whose ``own_nodes`` are ``nodes`` (not by a comprehension,
        which has a scope of its own: its targets, and ``:=`` inside it, are not looked at)."""
        binding = [node for node in nodes if type(node) in _BINDINGS]
        in_comprehensions: set[int] = set()
        if any(type(node) is ast.NamedExpr for node in binding):
            in_comprehensions = {
                id(inner)
                for node in nodes
                if type(node) in _COMPREHENSIONS
                for inner in walk(node)
                if type(inner) is ast.NamedExpr
            }
        for node in binding:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bind(node.name, None)
            elif isinstance(node, ast.Assign):
                built = self.call_type(node.value) if isinstance(node.value, ast.Call) else None
                for target in node.targets:
                    self._bind_target(target, built, bind)
            elif isinstance(node, ast.AnnAssign):
                typed_value = self.call_type(node.value) if isinstance(node.value, ast.Call) else None
                self._bind_target(node.target, self.annotation_type(node.annotation) or typed_value, bind)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        built = self.call_type(item.context_expr) if isinstance(item.context_expr, ast.Call) else None
                        self._bind_target(item.optional_vars, built, bind)
            elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
                if id(node) not in in_comprehensions:
                    self._bind_target(node.target, None, bind)
            elif isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal):
                for name in _bound_names(node) if isinstance(node, ast.Import | ast.ImportFrom) else node.names:
                    bind(name, None)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bind(node.name, None)

    @staticmethod
    def _bind_target(target: ast.expr, qualified: str | None, bind: Callable[[str, str | None], None]) -> None:
        if isinstance(target, ast.Name):
            bind(target.id, qualified)
            return
        for node in walk(target):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bind(node.id, None)


def _frame_statements(body: list[ast.stmt]) -> tuple[ast.AST, ...]:
    """The statements of ``body`` and those nested in them, with their ``except`` handlers, not looking inside
    functions and classes (in no particular order)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        found.append(node)
        kind = type(node)
        if kind in _NEW_FRAMES:
            continue
        if kind in _BLOCK_STATEMENTS or kind is ast.ExceptHandler:
            for field in ("body", "orelse", "finalbody", "handlers"):
                pending.extend(getattr(node, field, ()))
        elif isinstance(node, ast.Match):
            for case in node.cases:
                pending.extend(case.body)
    return tuple(found)


def _frame_bindings(nodes: tuple[ast.AST, ...], names: set[str]) -> None:
    """Add to ``names`` what ``_bound_names(statement, deep=True)`` finds for every statement of a body whose
    ``own_nodes`` are ``nodes`` (and holds no ``match``)."""
    for node in nodes:
        kind = type(node)
        if kind not in _STATEMENT_BINDINGS:
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(alias.asname or alias.name.split(".", 1)[0] for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.ExceptHandler):
            if node.name:
                names.add(node.name)
        else:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.With | ast.AsyncWith):
                targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
                else:
                    names.update(n.id for n in walk(target) if isinstance(n, ast.Name))


def _bound_names(statement: ast.stmt, *, deep: bool = False) -> set[str]:
    """Names a statement binds in its scope (with ``deep``, also in nested blocks, but not nested functions)."""
    names: set[str] = set()
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.add(statement.name)
        return names
    if isinstance(statement, ast.Import | ast.ImportFrom):
        for alias in statement.names:
            if alias.name != "*":
                names.add(alias.asname or alias.name.split(".", 1)[0])
        return names
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = list(statement.targets)
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [statement.target]
    elif isinstance(statement, ast.With | ast.AsyncWith):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
    for target in targets:
        if isinstance(target, ast.Name):
            names.add(target.id)
        else:
            names.update(node.id for node in walk(target) if isinstance(node, ast.Name))
    if deep and type(statement) in _BLOCK_STATEMENTS:  # the others hold no statement nor handler
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.stmt):
                names.update(_bound_names(child, deep=True))
            elif isinstance(child, ast.ExceptHandler):
                if child.name:
                    names.add(child.name)
                for inner in child.body:
                    names.update(_bound_names(inner, deep=True))
    return names


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
