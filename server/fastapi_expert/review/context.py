"""What a rule sees while the engine walks a file: the source, the shared index, where it is, and how to report."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi_expert.review.index import FunctionNode, ModuleIndex, Route
from fastapi_expert.review.rule import Edit, Report

__all__ = ["RuleContext", "SourceFile"]


@dataclass(slots=True)
class SourceFile:
    """A file's text, split into lines once, with conversions from ``ast``'s UTF-8 byte columns to characters."""

    path: str
    text: str
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines(keepends=True)

    def column(self, line: int, byte_column: int) -> int:
        """The 0-based character column of a 0-based UTF-8 byte column on 1-based ``line``."""
        if line < 1 or line > len(self.lines):
            return byte_column
        text = self.lines[line - 1]
        if text.isascii():
            return byte_column
        return len(text.encode()[:byte_column].decode(errors="replace"))

    def segment(self, node: ast.AST) -> str:
        """The exact source text of ``node``."""
        return ast.get_source_segment(self.text, node) or ""

    def start(self, node: ast.AST) -> tuple[int, int]:
        """``node``'s start as (1-based line, 0-based character column)."""
        line: int = getattr(node, "lineno", 1)
        return line, self.column(line, getattr(node, "col_offset", 0))

    def end(self, node: ast.AST) -> tuple[int, int]:
        """``node``'s end as (1-based line, 0-based character column)."""
        end_line: int | None = getattr(node, "end_lineno", None)
        line = end_line if end_line is not None else self.start(node)[0]
        return line, self.column(line, getattr(node, "end_col_offset", None) or 0)

    def replace(self, node: ast.AST, text: str) -> Edit:
        """An edit that replaces ``node``'s text."""
        (line, column), (end_line, end_column) = self.start(node), self.end(node)
        return Edit(line, column, end_line, end_column, text)

    def insert_before(self, node: ast.AST, text: str) -> Edit:
        line, column = self.start(node)
        return Edit(line, column, line, column, text)

    def insert_after(self, node: ast.AST, text: str) -> Edit:
        line, column = self.end(node)
        return Edit(line, column, line, column, text)


class RuleContext:
    """Shared by every rule on one file: the source, the index, the walk's position and the reports so far."""

    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.index = ModuleIndex(tree)
        #: Ancestors of the node being visited, outermost first (the engine keeps it current).
        self.stack: list[ast.AST] = []
        self.reports: list[Report] = []

    # -- where we are ------------------------------------------------------------------------------------------------

    @property
    def scopes(self) -> tuple[FunctionNode | ast.Lambda, ...]:
        """The functions enclosing the current node, outermost first."""
        return tuple(
            node for node in self.stack if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        )

    def enclosing_function(self) -> FunctionNode | None:
        """The innermost ``def``/``async def`` around the current node (``None`` at module level)."""
        for node in reversed(self.stack):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def route_of(self, function: FunctionNode | None) -> Route | None:
        """The route ``function`` implements, if it is a path operation."""
        return None if function is None else self.index.route_functions.get(id(function))

    def is_dependency(self, function: FunctionNode | None) -> bool:
        """Whether ``function`` is used with ``Depends``/``Security`` in this module."""
        return function is not None and function.name in self.index.dependency_functions

    # -- names -------------------------------------------------------------------------------------------------------

    def qualified_name(self, node: ast.AST) -> str | None:
        """What ``node`` refers to, seen from the current scope (see ``ModuleIndex.resolve``)."""
        return self.index.resolve(node, self.scopes)

    def refers_to(self, node: ast.AST, names: Iterable[str]) -> bool:
        """Whether ``node`` resolves to one of the qualified ``names``."""
        qualified = self.qualified_name(node)
        return qualified is not None and qualified in set(names)

    def type_of(self, node: ast.AST) -> str | None:
        """The qualified class a name holds, seen from the current scope: from the parameter annotation or the
        assignments of the function that binds it (``ModuleIndex.local_types``), or of the module."""
        if not isinstance(node, ast.Name):
            return None
        for scope in reversed(self.scopes):
            if node.id in self.index.function_locals(scope):
                return None if isinstance(scope, ast.Lambda) else self.index.local_types(scope).get(node.id)
        return self.index.module_types.get(node.id)

    # -- reporting ---------------------------------------------------------------------------------------------------

    def add(self, code: str, node: ast.AST, message: str, edits: tuple[Edit, ...]) -> None:
        (line, column), (end_line, end_column) = self.source.start(node), self.source.end(node)
        self.reports.append(Report(code, line, column + 1, end_line, end_column + 1, message, edits))
