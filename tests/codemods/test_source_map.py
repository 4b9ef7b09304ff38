"""SourceMap: libcst statements paired with the ast statements of the same text, so positions need no libcst
metadata."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from fastapi_expert.codemods.source_map import SourceMap, first_line
from fastapi_expert.errors import CodemodError
from fastapi_expert.project.sources import Module, ProjectSources

SOURCE = """\
import os; é = 1; router = make()  # three statements on one line


@app.post("/a")
@app.put("/a")
def a() -> None:
    if os.environ:
        x = call()
    elif os.sep:
        pass
    else:
        try: y = 1
        except OSError: pass
"""


def parsed(text: str) -> Module:
    module = ProjectSources.single(text, "main.py").at("main.py")
    assert module is not None
    return module


def test_statements_decorators_and_values_get_their_ast_counterparts() -> None:
    module, tree = parsed(SOURCE), cst.parse_module(SOURCE)
    source_map = SourceMap(module, tree)
    line, function = tree.body
    assert isinstance(line, cst.SimpleStatementLine)
    assert isinstance(function, cst.FunctionDef)
    assert [type(s) for s in source_map.statements(line)] == [ast.Import, ast.Assign, ast.Assign]
    router = line.body[2]
    assert isinstance(router, cst.Assign)
    assert source_map.position(router.value) == (1, 28)  # a character column, after the two-byte 'é'
    assert [source_map.position(d.decorator) for d in function.decorators] == [(4, 2), (5, 2)]
    (statement,) = source_map.statements(function)
    assert first_line(statement) == 4
    assert source_map.statements(function.body.body[0]) == ()  # the body is paired only when entered

    source_map.enter(function)
    if_ = function.body.body[0]
    assert isinstance(if_, cst.If)
    source_map.enter(if_)
    assign = if_.body.body[0]
    assert isinstance(assign, cst.SimpleStatementLine)
    value = assign.body[0]
    assert isinstance(value, cst.Assign)
    assert source_map.position(value.value) == (8, 13)
    elif_ = if_.orelse
    assert isinstance(elif_, cst.If)
    assert [type(s) for s in source_map.statements(elif_)] == [ast.If]
    source_map.enter(elif_)
    assert isinstance(elif_.orelse, cst.Else)
    try_ = elif_.orelse.body.body[0]
    assert isinstance(try_, cst.Try)
    source_map.enter(try_)  # one-line suites: small statements paired directly
    suite = try_.body
    assert isinstance(suite, cst.SimpleStatementSuite)
    small = suite.body[0]
    assert isinstance(small, cst.Assign)
    assert source_map.position(small.value) == (12, 18)


@pytest.mark.parametrize(
    ("ast_text", "cst_text"),
    [("a = 1\nb = 2\n", "a = 1\n"), ("def f(): pass\n", "class f: pass\n"), ("@d\ndef f(): pass\n", "def f(): pass\n")],
)
def test_a_tree_of_another_text_is_refused(ast_text: str, cst_text: str) -> None:
    with pytest.raises(CodemodError, match="libcst and ast disagree"):
        SourceMap(parsed(ast_text), cst.parse_module(cst_text))
