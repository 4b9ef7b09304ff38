"""Include a new router where the project includes its others: the ``include_router`` line and its import.

Before (``app/main.py``, include site after line 9, routers imported as modules from ``.routers``)::

    from .routers import items, users

    app = FastAPI()

    # Routers
    app.include_router(items.router)
    app.include_router(users.router, prefix="/api")

After (``include_router(module="orders")``)::

    from .routers import items, users
    from .routers import orders

    app = FastAPI()

    # Routers
    app.include_router(items.router)
    app.include_router(users.router, prefix="/api")
    app.include_router(orders.router)

The call goes right after the statement the ``IncludeSite`` names (at module level or inside the app factory), the
import is added by ``AddImportsVisitor``; every other line, comment and blank line stays as it was. A module that
already includes the router is left unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider

from fastapi_expert.errors import CodemodError, SourceParseError
from fastapi_expert.project.layout import IncludeSite

__all__ = ["IncludeRouter", "include_router"]


class IncludeRouter(VisitorBasedCodemodCommand):
    """Insert ``<receiver>.include_router(<reference>)`` after the statement ending on ``after_line``."""

    DESCRIPTION = "Include a router next to the project's other includes."
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, site: IncludeSite, module: str) -> None:
        super().__init__(context)
        self.site = site
        self.router_module = module
        self.inserted = False
        if site.reference == "module":
            self.reference = f"{module}.router"
        else:
            self.reference = f"{module}_router"
        self.call = cst.parse_statement(f"{site.receiver}.include_router({self.reference})\n")

    def _insert(self, body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement] | None:
        for index, statement in enumerate(body):
            position = self.get_metadata(PositionProvider, statement)
            if position.start.line <= self.site.after_line <= position.end.line and not self.inserted:
                self.inserted = True
                return [*body[: index + 1], self.call, *body[index + 1 :]]
        return None

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if self.site.function is None or self.inserted:
            return updated_node
        body = self._insert(original_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.inserted:
            body = self._insert(original_node.body)
            if body is not None:
                updated_node = updated_node.with_changes(body=body)
        if not self.inserted:
            raise CodemodError(
                f"{self.site.path}: no statement at line {self.site.after_line} to include the router after"
            )
        level = len(self.site.import_from) - len(self.site.import_from.lstrip("."))
        package = self.site.import_from.lstrip(".")
        if self.site.reference == "module":
            if package:
                AddImportsVisitor.add_needed_import(self.context, package, self.router_module, relative=level)
            else:
                AddImportsVisitor.add_needed_import(self.context, self.router_module, relative=level)
        else:
            dotted = f"{package}.{self.router_module}" if package else self.router_module
            AddImportsVisitor.add_needed_import(self.context, dotted, "router", asname=self.reference, relative=level)
        return updated_node


def include_router(source: str, site: IncludeSite, module: str) -> str:
    """``source`` (the include site's module) with the router of ``module`` (a module of the router package)
    included and imported; unchanged when it already includes it."""
    try:
        tree = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise SourceParseError(str(exc), path=site.path) from exc
    if f"include_router({module}.router" in source or f"include_router({module}_router" in source:
        return source
    package = site.module.rpartition(".")[0] if not site.path.endswith("__init__.py") else site.module
    context = CodemodContext(filename=site.path, full_module_name=site.module, full_package_name=package)
    command = IncludeRouter(context, site, module)
    return command.transform_module(tree).code
