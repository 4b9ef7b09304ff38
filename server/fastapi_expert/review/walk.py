"""The walk of a module: every node once, depth-first, with its depth and by type, and the frames read from it.

``ModuleWalk`` is the base of ``ModuleIndex``: one iterative walk of the tree (no generators, expression contexts and
operators left out) from which the nodes of a type (``nodes_of``), the breadth-first order (``nodes``) and the nodes of
a function's own frame (``own_nodes``) are read. ``walk`` is ``list(ast.walk(node))`` for small subtrees.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from itertools import chain
from typing import Any, Generic, TypeVar, cast, overload

__all__ = ["FunctionNode", "ModuleWalk", "walk"]

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_Node = TypeVar("_Node", bound=ast.AST)
_Other = TypeVar("_Other", bound=ast.AST)
_T = TypeVar("_T")


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
#: Expression contexts and operators: ``ast.parse`` shares one node of each type, the walk leaves them out.
_SINGLETONS = frozenset(
    kind
    for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for kind in base.__subclasses__()
)
#: The statements that hold statements or ``except`` handlers (a ``match`` holds them in its cases).
_BLOCK_STATEMENTS = frozenset({ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.TryStar})
_COMPREHENSIONS = frozenset({ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp})


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


class ModuleWalk:
    """The nodes of one parsed module, walked once (lazily, on first use)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._own_cache: dict[int, tuple[ast.AST, ...]] = {}
        self._typed_cache: dict[type[ast.AST], list[ast.AST]] = {}

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
