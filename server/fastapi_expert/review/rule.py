"""The base of every review rule: class attributes that document it, cases that test it, visitors that inspect.

A rule is one class in its own module under ``review/rules/``. The engine parses a file once with the stdlib ``ast``
(about four times faster than a concrete syntax tree, and positions are exact), walks it once, and calls each rule's
``visit_<NodeType>`` methods for the nodes it meets. Rules only inspect and ``report``; the module's whole picture
(imports, apps, routers, routes, classes, dependencies) comes from the shared, cached ``ModuleIndex`` on
``self.context.index``. A fix is a list of text edits on the span of the finding's source, checked by re-parsing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

from fastapi_expert.findings import Severity

if TYPE_CHECKING:
    from fastapi_expert.review.context import RuleContext

__all__ = ["ROUTES", "ROUTES_OR_DEPENDENCIES", "Edit", "Invalid", "Report", "Rule", "Valid", "kebab_case"]


@dataclass(frozen=True, slots=True)
class Valid:
    """Source on which the rule must stay silent."""

    code: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """Source on which the rule must report: optionally where (1-based line/column), what, and what its fix gives."""

    code: str
    line: int | None = None
    column: int | None = None
    message: str | None = None
    expected_fix: str | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two positions (1-based lines, 0-based character columns) with ``text``."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True, slots=True)
class Report:
    """What a rule reported: where, what, and the edits of its fix (empty when it offers none)."""

    code: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    edits: tuple[Edit, ...] = field(default=())


#: ``Rule.REQUIRES`` of a rule that reports only on the routes of an app or router.
ROUTES = ("FastAPI", "APIRouter")
#: ``Rule.REQUIRES`` of a rule that reports only on routes and the functions given to ``Depends``/``Security``.
ROUTES_OR_DEPENDENCIES = (*ROUTES, "Depends", "Security")


def kebab_case(name: str) -> str:
    """``BlockingCallInAsyncEndpoint`` -> ``blocking-call-in-async-endpoint``, ``CreateWithout201`` ->
    ``create-without-201``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[a-z])(?=[0-9])", "-", name).lower()


class Rule:
    """Subclass with the class attributes below, a markdown docstring, ``VALID``/``INVALID`` cases and visitors."""

    CODE: ClassVar[str]
    MESSAGE: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    FIX_TITLE: ClassVar[str | None] = None
    FIX_SAFETY: ClassVar[Literal["safe", "unsafe"] | None] = None
    #: Ruff codes that flag the same problem: when both fire on one line, ours is kept and lists them in ``also``.
    OVERLAPS: ClassVar[tuple[str, ...]] = ()
    #: Ruff codes this rule supersedes: while the rule is selected, ruff's findings of these codes are dropped (the
    #: rule judges the same problem with fewer false positives, e.g. FE007 vs S105-S107).
    REPLACES: ClassVar[tuple[str, ...]] = ()
    #: The rule is skipped for a file whose text contains none of these (an empty tuple means always run).
    TRIGGERS: ClassVar[tuple[str, ...]] = ()
    #: What else the file must name for the rule to find anything: it is skipped, too, for an (ASCII) file whose text
    #: contains none of these. ``ROUTES`` for a rule that reports only on path operations (an app or router is always
    #: spelled with one of them, whatever the imports); ``ROUTES_OR_DEPENDENCIES`` when also on ``Depends`` targets.
    REQUIRES: ClassVar[tuple[str, ...]] = ()
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def __init__(self, context: RuleContext) -> None:
        self.context = context

    @classmethod
    def name(cls) -> str:
        """The stable kebab-case name users select and ignore the rule by."""
        return kebab_case(cls.__name__)

    def finish(self) -> None:
        """Called once after the walk, for rules that judge the module as a whole."""

    def report(self, node: ast.AST, message: str | None = None, edits: Sequence[Edit] = ()) -> None:
        """Report a finding on ``node``'s span (the class ``MESSAGE`` unless ``message`` is given)."""
        self.context.add(self.CODE, node, message or self.MESSAGE, tuple(edits))
