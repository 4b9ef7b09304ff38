"""Names: what a name means in a module (its imports, its own definitions and function locals), and the qualified
names of FastAPI, its security schemes and SQLAlchemy's sessions that rules compare resolved names with.

``ModuleNames`` adds name resolution to the walk: ``resolve`` gives the qualified name a node refers to
(``import fastapi as fa`` makes ``fa.FastAPI`` mean ``fastapi.FastAPI``; a local ``def sleep`` is not ``time.sleep``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cached_property

from fastapi_expert.review.walk import (
    _BLOCK_STATEMENTS,
    FunctionNode,
    ModuleWalk,
    _Lazy,
    walk,
)

__all__ = [
    "ASYNC_SESSIONS",
    "HTTP_METHODS",
    "MUTATING_METHODS",
    "SECURITY_SCHEME_CLASSES",
    "SYNC_SESSIONS",
    "ModuleNames",
    "dotted_name",
    "fastapi_names",
    "import_bindings",
]

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "trace"})
MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

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


#: The nodes ``_bound_names`` takes names from.
_STATEMENT_BINDINGS = frozenset(
    {ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign}
    | {ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.ExceptHandler}
)

#: A set of qualified names -> the last parts of them (shared by every file: rules pass module constants).
_LAST_PARTS: dict[frozenset[str], frozenset[str]] = {}


def import_bindings(nodes: Iterable[ast.AST]) -> dict[str, str]:
    """Local name -> qualified name bound by the absolute imports among ``nodes`` (``import a.b`` binds ``a``; a
    relative import names no qualified module and binds nothing here)."""
    found: dict[str, str] = {}
    for node in nodes:
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


class ModuleNames(ModuleWalk):
    """The module's walk, with what its names mean."""

    def __init__(self, tree: ast.Module) -> None:
        super().__init__(tree)
        self._locals_cache: dict[int, frozenset[str]] = {}
        #: ``id()`` of a function -> the names it binds other than by importing them (they hide the module's).
        self._shadowing: dict[int, frozenset[str]] = {}
        self._heads: dict[str, str | None] = {}
        self._spellings: dict[frozenset[str], frozenset[str]] = {}

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> qualified name, for every import anywhere in the module (``import a.b`` binds ``a``)."""
        return import_bindings(self._nodes_of_either(ast.Import, ast.ImportFrom))

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
