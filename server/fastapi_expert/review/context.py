"""What a rule sees while the engine walks a file: the source, the shared index, where it is, and how to report."""

from __future__ import annotations

import ast
import builtins
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi_expert.review.index import FunctionNode, ModuleIndex, Route
from fastapi_expert.review.rule import Edit, Report

__all__ = ["RuleContext", "SourceFile", "split_lines"]

_TEST_PATH = re.compile(r"(^|[/\\])(tests?|testing)[/\\]|(^|[/\\])(test_[^/\\]*|[^/\\]*_test|tests?|conftest)\.py$")


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer splits them (``\\n``, ``\\r\\n``, ``\\r`` only:
    ``str.splitlines`` also splits on form feeds and other characters, which would shift every line after them)."""
    return _LINE.findall(text)


@dataclass(slots=True)
class SourceFile:
    """A file's text, split into lines once, with conversions from ``ast``'s UTF-8 byte columns to characters."""

    path: str
    text: str
    _lines: list[str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        """The lines of the text, with their endings (split on first use: most files need no position at all)."""
        lines = self._lines
        if lines is None:
            lines = self._lines = split_lines(self.text)
        return lines

    def column(self, line: int, byte_column: int) -> int:
        """The 0-based character column of a 0-based UTF-8 byte column on 1-based ``line``."""
        if line < 1 or line > len(self.lines):
            return byte_column
        text = self.lines[line - 1]
        if text.isascii():
            return byte_column
        return len(text.encode()[:byte_column].decode(errors="replace"))

    @property
    def is_test(self) -> bool:
        """Whether the path is a test module (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``), where
        literal credentials and throw-away apps are fixtures, not findings."""
        return bool(_TEST_PATH.search(self.path))

    def segment(self, node: ast.AST) -> str:
        """The exact source text of ``node`` (like ``ast.get_source_segment``, without re-splitting the file)."""
        line: int | None = getattr(node, "lineno", None)
        end_line: int | None = getattr(node, "end_lineno", None)
        column: int | None = getattr(node, "col_offset", None)
        end_column: int | None = getattr(node, "end_col_offset", None)
        if line is None or end_line is None or column is None or end_column is None or end_line > len(self.lines):
            return ""
        if line == end_line:
            return self.lines[line - 1].encode()[column:end_column].decode(errors="replace")
        first = self.lines[line - 1].encode()[column:].decode(errors="replace")
        last = self.lines[end_line - 1].encode()[:end_column].decode(errors="replace")
        return first + "".join(self.lines[line : end_line - 1]) + last

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

    def add_argument(self, call: ast.Call, text: str) -> Edit:
        """An edit that appends the argument ``text`` (``status_code=201``) to ``call``, after its last argument."""
        arguments: list[ast.AST] = [*call.args, *call.keywords]
        if arguments:
            last = max(arguments, key=self.end)
            return self.insert_after(last, ", " + text)
        line, column = self.end(call)
        return Edit(line, column - 1, line, column - 1, text)

    def delete_lines(self, node: ast.AST) -> Edit | None:
        """An edit that deletes the lines ``node`` spans (a decorator with its ``@``, a statement), or ``None`` when
        they hold other code too."""
        (line, column), (end_line, end_column) = self.start(node), self.end(node)
        before = self.lines[line - 1][:column].strip()
        after = self.lines[end_line - 1][end_column:].strip()
        if before not in {"", "@"} or (after and not after.startswith("#")):
            return None
        return Edit(line, 0, end_line + 1, 0, "")


class RuleContext:
    """Shared by every rule on one file: the source, the index, the walk's position and the reports so far."""

    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.index = ModuleIndex(tree)
        self.reports: list[Report] = []
        self._path: list[ast.AST] = []  # the engine's: the latest node it met at each depth
        self._depth = 0
        self._stack: list[ast.AST] | None = []
        self._scopes: tuple[FunctionNode | ast.Lambda, ...] | None = None

    # -- where we are ------------------------------------------------------------------------------------------------

    def follow(self, path: list[ast.AST]) -> None:
        """The engine walks the tree keeping ``path[d]`` the latest node it met at depth ``d``."""
        self._path = path

    def moved(self, depth: int) -> None:
        """The engine is at a node of depth ``depth``: its ancestors are the first ``depth`` nodes of the path."""
        self._depth = depth
        self._stack = None
        self._scopes = None

    @property
    def stack(self) -> list[ast.AST]:
        """Ancestors of the node being visited, outermost first (empty outside the walk)."""
        stack = self._stack
        if stack is None:
            stack = self._stack = self._path[: self._depth]
        return stack

    @property
    def scopes(self) -> tuple[FunctionNode | ast.Lambda, ...]:
        """The functions enclosing the current node, outermost first."""
        scopes = self._scopes
        if scopes is None:
            scopes = self._scopes = tuple(node for node in self.stack if isinstance(node, _SCOPES))
        return scopes

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
        if isinstance(names, frozenset) and not self.may_refer_to(node, names):
            return False
        qualified = self.qualified_name(node)
        return qualified is not None and qualified in set(names)

    def may_refer_to(self, node: ast.AST, names: frozenset[str]) -> bool:
        """A cheap test, true whenever ``refers_to(node, names)`` is: an attribute chain ending in the last part of
        one of ``names``, or a bare name spelling one of them (``open``, or ``Go`` after ``import X as Go``). Rules
        visiting every call ask it first and resolve only the few calls that pass."""
        return self.index.may_resolve_to(node, names)

    def constant(self, node: ast.expr) -> ast.expr:
        """``node``, or for a name bound once at module level (and not shadowed here), the value it is bound to:
        ``allow_origins=ORIGINS`` -> the ``["*"]`` of ``ORIGINS = ["*"]``."""
        if not isinstance(node, ast.Name) or any(node.id in self.index.function_locals(s) for s in self.scopes):
            return node
        if self.index.resolve(node) != f"<local>.{node.id}":
            return node
        return self.index.module_constants.get(node.id, node)

    def type_of(self, node: ast.AST) -> str | None:
        """The qualified class a name holds, seen from the current scope: from the parameter annotation or the
        assignments of the function that binds it (``ModuleIndex.local_types``), or of the module."""
        if not isinstance(node, ast.Name):
            return None
        for scope in reversed(self.scopes):
            if node.id in self.index.function_locals(scope):
                return None if isinstance(scope, ast.Lambda) else self.index.local_types(scope).get(node.id)
        return self.index.module_types.get(node.id)

    def import_name(self, module: str, name: str) -> tuple[str, tuple[Edit, ...]] | None:
        """How to spell ``module.name`` here, and the edit importing it when the module does not yet: the local name
        of an existing import (``Q`` for ``from fastapi import Query as Q``, ``fastapi.Query`` after ``import
        fastapi``), else ``name`` added to a ``from module import ...`` or on a new import line. ``None`` when
        ``name`` is already bound to something else."""
        index = self.index
        for local, qualified in index.imports.items():
            spelled = f"{local}.{name}" if qualified == module else local if qualified == f"{module}.{name}" else None
            if spelled is not None and index.resolve(ast.Name(id=local)) in {module, f"{module}.{name}"}:
                return spelled, ()
        if name in index.imports or name in index.module_definitions or name in dir(builtins):
            return None
        statements = self.tree.body
        for statement in statements:
            if (
                isinstance(statement, ast.ImportFrom)
                and (statement.module, statement.level) == (module, 0)
                and statement.names[-1].name != "*"
            ):
                return name, (self.source.insert_after(statement.names[-1], f", {name}"),)
        # A new line goes with its group (standard library first, then the rest), a blank line between groups.
        imports = [
            s
            for s in statements
            if isinstance(s, ast.Import | ast.ImportFrom)
            and not (isinstance(s, ast.ImportFrom) and s.module == "__future__")
        ]
        stdlib = _is_stdlib(module)
        same = next((s for s in imports if _is_stdlib(_imported_module(s)) == stdlib), None)
        text = f"from {module} import {name}\n"
        if same is not None:
            line = same.lineno
        elif imports and stdlib:
            line, text = imports[0].lineno, text + "\n"
        elif imports:
            last = max(s.end_lineno or s.lineno for s in imports if _is_stdlib(_imported_module(s)))
            line, text = last + 1, "\n" + text
        else:
            future = [s for s in statements if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
            docstring = statements[:1] if statements and _is_docstring(statements[0]) else []
            above = future or docstring
            line = (above[-1].end_lineno or above[-1].lineno) + 1 if above else 1
        return name, (Edit(line, 0, line, 0, text),)

    # -- reporting ---------------------------------------------------------------------------------------------------

    def add(self, code: str, node: ast.AST, message: str, edits: tuple[Edit, ...]) -> None:
        (line, column), (end_line, end_column) = self.source.start(node), self.source.end(node)
        self.reports.append(Report(code, line, column + 1, end_line, end_column + 1, message, edits))


def _imported_module(statement: ast.Import | ast.ImportFrom) -> str:
    return statement.names[0].name if isinstance(statement, ast.Import) else statement.module or ""


def _is_stdlib(module: str) -> bool:
    return module.partition(".")[0] in sys.stdlib_module_names


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
