"""Where the nodes of a libcst tree are in the source, read from the ``ast`` tree of the same text.

libcst's ``PositionProvider`` renders the whole module to count lines and columns, after the deep copy of it that
``MetadataWrapper`` makes: about five times the parse on a 2,000-line module, although ``add_auth`` edits a few
statements. Both parsers give the same statement structure, so the ``ast`` tree the plan was computed on tells where
each libcst statement is: a ``SimpleStatementLine`` holds the consecutive ``ast`` statements of one line
(``a = 1; b = 2``), and each compound statement is one ``ast`` statement whose bodies pair up the same way. Statements
are paired from the module down, and only into the compound statements the codemod enters; a decorator, and the value
of an expression statement or of an assignment, get the position of their ``ast`` counterpart, computed as the plan
computed it (``Module.position``: 1-based line, 1-based character column).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst

from fastapi_expert.errors import CodemodError
from fastapi_expert.project.sources import Module

__all__ = ["Position", "SourceMap", "first_line"]

#: A 1-based line and a 1-based character column.
Position = tuple[int, int]

_COMPOUND: dict[type[cst.CSTNode], tuple[type[ast.stmt], ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
    cst.TryStar: (ast.TryStar,),
    cst.Match: (ast.Match,),
}
_SMALL: dict[type[cst.CSTNode], type[ast.stmt]] = {
    cst.Expr: ast.Expr,
    cst.Assign: ast.Assign,
    cst.AnnAssign: ast.AnnAssign,
}


def first_line(statement: ast.stmt) -> int:
    """The statement's first line, its decorators included."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])


class SourceMap:
    """The ``ast`` counterparts of the statements of a libcst tree parsed from ``module``'s text, paired on demand."""

    def __init__(self, module: Module, tree: cst.Module) -> None:
        self.module = module
        self._statements: dict[int, tuple[ast.stmt, ...]] = {}
        self._positions: dict[int, Position] = {}
        self._entered: set[int] = set()
        self._pair(tree.body, module.tree.body)

    def statements(self, node: cst.CSTNode) -> tuple[ast.stmt, ...]:
        """The ``ast`` statements of a statement paired already (``()`` for any other node)."""
        return self._statements.get(id(node), ())

    def position(self, node: cst.CSTNode) -> Position | None:
        """The position of a decorator, or of the value of an expression statement or assignment, paired already."""
        return self._positions.get(id(node))

    def enter(self, node: cst.BaseCompoundStatement) -> None:
        """Pair the statements of the bodies of ``node`` (a statement paired already), once."""
        statements = self._statements.get(id(node))
        if statements is None or id(node) in self._entered:
            return
        self._entered.add(id(node))
        (statement,) = statements
        if isinstance(node, cst.Match) and isinstance(statement, ast.Match):
            self._check(len(node.cases) == len(statement.cases), node)
            for case, ast_case in zip(node.cases, statement.cases, strict=True):
                self._pair_suite(case.body, ast_case.body)
            return
        self._pair_suite(node.body, getattr(statement, "body", []))
        if isinstance(node, cst.If) and isinstance(node.orelse, cst.If):
            self._pair([node.orelse], getattr(statement, "orelse", []))
        elif isinstance(node, cst.If | cst.For | cst.While | cst.Try | cst.TryStar) and node.orelse is not None:
            self._pair_suite(node.orelse.body, getattr(statement, "orelse", []))
        if isinstance(node, cst.Try | cst.TryStar) and isinstance(statement, ast.Try | ast.TryStar):
            handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler] = node.handlers
            self._check(len(handlers) == len(statement.handlers), node)
            for handler, ast_handler in zip(handlers, statement.handlers, strict=True):
                self._pair_suite(handler.body, ast_handler.body)
            if node.finalbody is not None:
                self._pair_suite(node.finalbody.body, statement.finalbody)

    # -- pairing -----------------------------------------------------------------------------------------------------

    def _pair_suite(self, suite: cst.BaseSuite, statements: Sequence[ast.stmt]) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._pair(suite.body, statements)
        elif isinstance(suite, cst.SimpleStatementSuite):
            self._check(len(suite.body) == len(statements), suite)
            self._pair_small(suite.body, statements)

    def _pair(self, nodes: Sequence[cst.BaseStatement], statements: Sequence[ast.stmt]) -> None:
        index = 0
        for node in nodes:
            if isinstance(node, cst.SimpleStatementLine):
                group = tuple(statements[index : index + len(node.body)])
                self._check(len(group) == len(node.body), node)
                self._pair_small(node.body, group)
            else:
                group = tuple(statements[index : index + 1])
                kinds = _COMPOUND.get(type(node), ())
                self._check(len(group) == 1 and isinstance(group[0], kinds), node)
                if isinstance(node, cst.FunctionDef | cst.ClassDef):
                    decorators = group[0].decorator_list  # type: ignore[attr-defined]
                    self._check(len(node.decorators) == len(decorators), node)
                    for decorator, counterpart in zip(node.decorators, decorators, strict=True):
                        self._positions[id(decorator.decorator)] = self.module.position(counterpart)
            self._statements[id(node)] = group
            index += len(group)
        self._check(index == len(statements), nodes[0] if nodes else None)

    def _pair_small(self, nodes: Sequence[cst.BaseSmallStatement], statements: Sequence[ast.stmt]) -> None:
        for node, statement in zip(nodes, statements, strict=True):
            kind = _SMALL.get(type(node))
            if kind is None:
                continue
            self._check(isinstance(statement, kind), node)
            if isinstance(node, cst.Expr | cst.Assign | cst.AnnAssign) and node.value is not None:
                value = statement.value  # type: ignore[attr-defined]
                if value is not None:
                    self._positions[id(node.value)] = self.module.position(value)

    def _check(self, condition: bool, node: cst.CSTNode | None) -> None:
        if not condition:
            kind = type(node).__name__ if node is not None else "statement"
            raise CodemodError(f"{self.module.path}: libcst and ast disagree on a {kind}; nothing was edited")
