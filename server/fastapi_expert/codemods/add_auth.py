"""The libcst codemod that attaches an auth dependency to a module's routes, keeping everything else byte-identical.

Which routes and how is decided before (``plan.py``); this command only edits, at the positions the plan names. It
costs about one libcst parse of the module: it enters only the statements holding a planned position (found through
the ``ast`` tree the plan was computed on, ``source_map.py``, not libcst's ``PositionProvider``), and
``AddImportsVisitor`` runs on the module's import block only, the part of the module it reads and edits.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Collection, Sequence
from typing import TypeVar

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor

from fastapi_expert.codemods.imports import add_imports
from fastapi_expert.codemods.plan import ModulePlan, Position, Protect
from fastapi_expert.codemods.schemes import (
    DEPENDENCY_NAME,
    TOKEN_ROUTER_NAME,
    USER_ALIAS,
    USER_PARAMETER,
    scheme_named,
)
from fastapi_expert.codemods.source_map import SourceMap, first_line
from fastapi_expert.project.sources import Module

__all__ = ["TOKEN_ROUTER_ALIAS", "AddAuthCommand"]

#: The name the auth module's token router is imported as.
TOKEN_ROUTER_ALIAS = "auth_router"  # noqa: S105 - a variable name

#: Nodes entered as they are (statements, blocks and expressions are entered only when they can hold an edit).
_ENTERED = (
    cst.Module,
    cst.BaseSmallStatement,
    cst.SimpleStatementSuite,  # the one-line body of a compound statement entered
    cst.Decorator,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)

_Item = TypeVar("_Item", cst.Arg, cst.Param, cst.Element, cst.BaseElement)


class AddAuthCommand(VisitorBasedCodemodCommand):
    """Protect FastAPI routes with an auth dependency from a generated auth module.

    Before::

        from fastapi import APIRouter, FastAPI

        app = FastAPI()
        router = APIRouter(prefix="/admin")


        @app.get("/items")
        def list_items() -> list[str]:
            return []


        @app.post("/items", status_code=201)
        def create_item(name: str) -> str:
            return name


        @app.delete("/items/{name}")
        def delete_item(name: str) -> dict[str, str]:
            return {"deleted": name, "by": current_user.username}


        @router.post("/reset")
        def reset() -> None:
            pass

    After (``scheme="oauth2-password-jwt"``, ``protect="mutating"``)::

        from fastapi import APIRouter, FastAPI, Depends
        from auth import CurrentUser, require_auth, router as auth_router

        app = FastAPI()
        app.include_router(auth_router)
        router = APIRouter(prefix="/admin", dependencies=[Depends(require_auth)])


        @app.get("/items")
        def list_items() -> list[str]:
            return []


        @app.post("/items", status_code=201, dependencies=[Depends(require_auth)])
        def create_item(name: str) -> str:
            return name


        @app.delete("/items/{name}")
        def delete_item(name: str, current_user: CurrentUser) -> dict[str, str]:
            return {"deleted": name, "by": current_user.username}


        @router.post("/reset")
        def reset() -> None:
            pass

    Arguments: ``scheme`` and ``protect`` as ``add_auth`` takes them, ``auth_module`` (the module the names are
    imported from, ``"auth"``, ``".auth"`` or ``"app.core.security"``) and, when the caller planned already (the
    project mode), ``plan``; without it the module's own routes are planned from its source, as one module next to
    its auth module. ``first_party``: the top-level names of the project's packages and modules, for isort's
    sections (the auth module's is added).
    """

    DESCRIPTION = "Protect FastAPI routes with an auth dependency (require_auth / CurrentUser)."

    def __init__(
        self,
        context: CodemodContext,
        scheme: str = "oauth2-password-jwt",
        protect: Protect = "mutating",
        auth_module: str = "auth",
        plan: ModulePlan | None = None,
        first_party: Collection[str] = (),
    ) -> None:
        super().__init__(context)
        self.scheme = scheme_named(scheme)
        self.protect = protect
        self.auth_module = auth_module
        self.plan = plan
        top = auth_module.split(".")[0]
        self.first_party = frozenset({*first_party, top} if top else first_party)
        self._insert_after: cst.SimpleStatementLine | None = None
        self._app_variable = ""
        self._map: SourceMap | None = None
        self._lines: list[int] = []  # the lines holding a planned position, sorted

    # -- driving -----------------------------------------------------------------------------------------------------

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """``CodemodCommand.transform_module`` without its two whole-module costs: no ``MetadataWrapper`` (a deep copy
        of the module; this command needs no metadata), and ``AddImportsVisitor`` run on the module's head, the names
        of the statements it extends or adds in isort order (``imports.py``)."""
        return add_imports(self.context, self.transform_module_impl(tree), first_party=self.first_party)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        if self.plan is None:
            from fastapi_expert.codemods.single import plan_single_module

            self.plan = plan_single_module(
                tree.code, self.context.filename or "main.py", self.scheme, self.protect, self.auth_module
            )
        plan = self.plan
        if plan.empty:
            return tree
        source = plan.source if plan.source is not None else _parsed(tree, plan.path)
        self._map = SourceMap(source, tree)
        lines = {line for line, _ in plan.dependency_calls | plan.user_parameters}
        if plan.include_token_router_after is not None:
            lines.add(plan.include_token_router_after[0])
        self._lines = sorted(lines)
        return tree.visit(self)

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Enter only what can hold an edit: statements and blocks holding a line the plan names, the parts of
        compound statements that hold blocks, decorators, small statements, and the calls the plan names (never
        nested in another expression: a decorator, an expression statement or an assigned value)."""
        assert self._map is not None  # noqa: S101 (set by transform_module_impl)
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            if not self._holds_target(self._map.statements(node)):
                return False
            if isinstance(node, cst.BaseCompoundStatement):
                self._map.enter(node)
        elif isinstance(node, cst.IndentedBlock):
            body = node.body
            if not body or not self._holds_target((*self._map.statements(body[0]), *self._map.statements(body[-1]))):
                return False
        elif isinstance(node, cst.BaseExpression):
            if self._map.position(node) is None:
                return False
        elif not isinstance(node, _ENTERED):
            return False
        return super().on_visit(node)

    def _holds_target(self, statements: Sequence[ast.stmt]) -> bool:
        """Whether a line the plan names is among the lines of ``statements`` (consecutive ones)."""
        if not statements:
            return False
        start = bisect_left(self._lines, first_line(statements[0]))
        end = max(statement.end_lineno or statement.lineno for statement in statements)
        return start < len(self._lines) and self._lines[start] <= end

    def _position(self, node: cst.CSTNode) -> Position | None:
        assert self._map is not None  # noqa: S101
        return self._map.position(node)

    def _import(self, name: str, asname: str | None = None) -> None:
        level = len(self.auth_module) - len(self.auth_module.lstrip("."))
        module = self.auth_module[level:]
        AddImportsVisitor.add_needed_import(self.context, module, name, asname=asname, relative=level)

    # -- edits -------------------------------------------------------------------------------------------------------

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        assert self.plan is not None  # noqa: S101 (set by transform_module_impl)
        if self._position(original_node) not in self.plan.dependency_calls:
            return updated_node
        AddImportsVisitor.add_needed_import(self.context, "fastapi", "Depends")
        self._import(DEPENDENCY_NAME)
        dependency = cst.Call(func=cst.Name("Depends"), args=[cst.Arg(cst.Name(DEPENDENCY_NAME))])
        return _with_dependency(updated_node, dependency)

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        assert self.plan is not None  # noqa: S101
        wanted = any(
            self._position(decorator.decorator) in self.plan.user_parameters for decorator in original_node.decorators
        )
        if not wanted:
            return updated_node
        self._import(USER_ALIAS)
        parameter = cst.Param(cst.Name(USER_PARAMETER), annotation=cst.Annotation(cst.Name(USER_ALIAS)))
        return updated_node.with_changes(params=_with_parameter(updated_node, parameter))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        assert self.plan is not None  # noqa: S101
        assert self._map is not None  # noqa: S101
        site = self.plan.include_token_router_after
        if (
            site is not None
            and self._insert_after is None
            and any(statement.lineno == site[0] for statement in self._map.statements(original_node))
        ):
            self._insert_after = updated_node
            self._app_variable = site[1]
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(body=self._with_inclusion(updated_node.body))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=self._with_inclusion(updated_node.body))

    def _with_inclusion(self, body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        statements = list(body)
        for index, statement in enumerate(statements):
            if self._insert_after is not None and statement is self._insert_after:
                self._import(TOKEN_ROUTER_NAME, TOKEN_ROUTER_ALIAS)
                include = cst.parse_statement(f"{self._app_variable}.include_router({TOKEN_ROUTER_ALIAS})\n")
                statements.insert(index + 1, include)
                self._insert_after = None
                break
        return statements


# -- helpers -----------------------------------------------------------------------------------------------------------


def _parsed(tree: cst.Module, path: str) -> Module:
    """The ``ast`` side of ``tree``, for a plan made without it."""
    from fastapi_expert.project.sources import ProjectSources

    module = ProjectSources.single(tree.code, path).at(path.replace("\\", "/"))
    assert module is not None  # noqa: S101 (single() parsed it)
    return module


# -- syntax helpers ----------------------------------------------------------------------------------------------------


def _separator(items: Sequence[_Item], opening: cst.BaseParenthesizableWhitespace) -> cst.Comma:
    """The comma between two items, as this sequence writes it: copied from an inner comma, else one line per item
    when the sequence opens with a line break, else ``", "``."""
    for item in items[:-1]:
        if isinstance(item.comma, cst.Comma):
            return item.comma
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=opening)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _appended(items: Sequence[_Item], new: _Item, opening: cst.BaseParenthesizableWhitespace) -> list[_Item]:
    """``items`` with ``new`` at the end, keeping a trailing comma and the one-per-line layout."""
    if not items:
        return [new]
    last = items[-1]
    separator = _separator(items, opening)
    if isinstance(last.comma, cst.Comma):
        new = new.with_changes(comma=last.comma)
    # The whitespace before the closing parenthesis (a line break, when it sits on a line of its own) stays there.
    if isinstance(last, cst.Arg) and isinstance(new, cst.Arg):
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    elif isinstance(last, cst.Param) and isinstance(new, cst.Param):
        new = new.with_changes(whitespace_after_param=last.whitespace_after_param)
        last = last.with_changes(whitespace_after_param=cst.SimpleWhitespace(""))
    result = list(items[:-1])
    result += [last.with_changes(comma=separator), new]
    return result


def _inserted(
    items: Sequence[_Item], index: int, new: _Item, opening: cst.BaseParenthesizableWhitespace
) -> list[_Item]:
    """``items`` with ``new`` before ``items[index]``."""
    result = list(items[:index])
    result.append(new.with_changes(comma=_separator(items, opening)))
    result.extend(items[index:])
    return result


def _dependency_list(value: cst.BaseExpression, dependency: cst.Call) -> cst.BaseExpression:
    element = cst.Element(dependency)
    if isinstance(value, cst.List | cst.Tuple) and value.elements:
        opening = value.lbracket.whitespace_after if isinstance(value, cst.List) else _lpar_space(value)
        return value.with_changes(elements=_appended(list(value.elements), element, opening))
    if isinstance(value, cst.List | cst.Tuple):
        return cst.List([element])
    return cst.List([cst.StarredElement(value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), element])


def _lpar_space(value: cst.Tuple) -> cst.BaseParenthesizableWhitespace:
    return value.lpar[0].whitespace_after if value.lpar else cst.SimpleWhitespace("")


def _with_dependency(call: cst.Call, dependency: cst.Call) -> cst.Call:
    """``call`` with ``dependency`` in its ``dependencies=`` (merged into the list it has, or a new keyword)."""
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "dependencies":
            args[index] = arg.with_changes(value=_dependency_list(arg.value, dependency))
            return call.with_changes(args=args)
    keyword = cst.Arg(
        cst.List([cst.Element(dependency)]),
        keyword=cst.Name("dependencies"),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    return call.with_changes(args=_appended(args, keyword, call.whitespace_before_args))


def _with_parameter(function: cst.FunctionDef, parameter: cst.Param) -> cst.Parameters:
    """The function's parameters with ``parameter`` before the first one with a default (so the signature stays
    valid), else last among the positional ones."""
    params = function.params
    positional = list(params.params)
    opening = function.whitespace_before_params
    index = next((i for i, p in enumerate(positional) if p.default is not None), len(positional))
    tail = not isinstance(params.star_arg, cst.MaybeSentinel) or params.kwonly_params or params.star_kwarg is not None
    if index < len(positional) or tail:
        return params.with_changes(params=_inserted(positional, index, parameter, opening))
    return params.with_changes(params=_appended(positional, parameter, opening))
