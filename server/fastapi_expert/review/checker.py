"""Runs our rules on one file: one parse, one walk, every rule's visitors dispatched by node type.

A rule whose ``TRIGGERS`` (or ``REQUIRES``) do not occur in the file's text is not even instantiated, so most files
pay for a handful of rules. Suppression comments (``# noqa: FE001``, ``# fastapi-expert: ignore[rule-name]``) are
honoured here.
"""

from __future__ import annotations

import ast
import gc
import re
import warnings
from collections.abc import Callable, Sequence

from fastapi_expert.findings import Finding, Fix, FixSafety, Severity, TextEdit
from fastapi_expert.review.context import RuleContext, SourceFile
from fastapi_expert.review.rule import Report, Rule

__all__ = ["SYNTAX_ERROR_CODE", "check_source", "parse_source"]

SYNTAX_ERROR_CODE = "FE000"

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*fastapi-expert:\s*ignore(?:\[(?P<names>[^\]]*)\])?")

Handler = Callable[[ast.AST], None]


def parse_source(text: str, path: str) -> ast.Module:
    """Parse ``text``; warnings about the user's code (invalid escapes, ...) are not ours to raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


_VISITORS: dict[type[Rule], tuple[tuple[type[ast.AST], str], ...]] = {}


def _visitors(rule: type[Rule]) -> tuple[tuple[type[ast.AST], str], ...]:
    """``(node type, method name)`` for each ``visit_<NodeType>`` method of ``rule`` (computed once per rule)."""
    if rule in _VISITORS:
        return _VISITORS[rule]
    pairs = []
    for attribute in dir(rule):
        if attribute.startswith("visit_"):
            node_type = getattr(ast, attribute.removeprefix("visit_"), None)
            if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                pairs.append((node_type, attribute))
    _VISITORS[rule] = tuple(pairs)
    return _VISITORS[rule]


def check_source(text: str, path: str, rules: Sequence[type[Rule]]) -> list[Finding]:
    """Our findings for one file (unsorted). A file that does not parse gives one ``syntax-error`` finding.

    The cyclic garbage collector is paused meanwhile (if it runs): the thousands of nodes of the tree are freed by
    reference counting when the check ends, and collections during it would only traverse them again and again."""
    pausing = gc.isenabled()
    if pausing:
        gc.disable()
    try:
        return _check(text, path, rules)
    finally:
        if pausing:
            gc.enable()


def _check(text: str, path: str, rules: Sequence[type[Rule]]) -> list[Finding]:
    try:
        tree = parse_source(text, path)
    except SyntaxError as exc:
        return [_syntax_error(exc, path)]
    except ValueError as exc:  # source with NUL bytes
        return [_syntax_error(SyntaxError(str(exc), (path, 1, 1, "")), path)]
    selected = _selected(rules, text)
    if not selected:
        return []
    source = SourceFile(path, text)
    context = RuleContext(source, tree)
    active = [rule(context) for rule in selected]
    handlers: dict[type[ast.AST], list[Handler]] = {}
    for instance in active:
        for node_type, method in _visitors(type(instance)):
            handlers.setdefault(node_type, []).append(getattr(instance, method))
    if handlers:
        _dispatch(context, handlers)
    for instance in active:
        instance.finish()
    by_code = {type(instance).CODE: type(instance) for instance in active}
    findings = [_finding(report, by_code[report.code], path) for report in context.reports]
    return [finding for finding in findings if not _suppressed(finding, source)]


#: Rules (in the order given) -> the rules grouped by what they need in the text: ``(triggers, requires, members)``
#: with the rules' positions as members, and only the triggers that do not contain another one (it occurs then too).
_Plan = tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]], ...]
_PLANS: dict[tuple[type[Rule], ...], _Plan] = {}


def _selected(rules: Sequence[type[Rule]], text: str) -> list[type[Rule]]:
    """The rules whose ``TRIGGERS`` and ``REQUIRES`` occur in ``text``, in the order given."""
    key = tuple(rules)
    plan = _PLANS.get(key)
    if plan is None:
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[int]] = {}
        for position, rule in enumerate(key):
            groups.setdefault((_shortest(rule.TRIGGERS), _shortest(rule.REQUIRES)), []).append(position)
        plan = _PLANS[key] = tuple(
            (triggers, requires, tuple(members)) for (triggers, requires), members in groups.items()
        )
    # A non-ASCII identifier is normalized (NFKC): its spelling in the text may differ, so REQUIRES would not hold.
    plain = text.isascii()
    chosen = [False] * len(key)
    for triggers, requires, members in plan:
        if _occurs(triggers, text) and (not plain or _occurs(requires, text)):
            for member in members:
                chosen[member] = True
    return [rule for rule, on in zip(key, chosen, strict=True) if on]


def _shortest(triggers: tuple[str, ...]) -> tuple[str, ...]:
    """``triggers`` without those that contain another one: they never occur alone."""
    return tuple(t for t in triggers if not any(other != t and other in t for other in triggers))


def _occurs(triggers: tuple[str, ...], text: str) -> bool:
    """Whether one of ``triggers`` occurs in ``text`` (always, when there are none)."""
    for trigger in triggers:
        if trigger in text:
            return True
    return not triggers


def _dispatch(context: RuleContext, handlers: dict[type[ast.AST], list[Handler]]) -> None:
    """Call the handlers of each node in depth-first order (``ModuleIndex.preorder``), with ``context.stack``
    holding its ancestors while they run; the stack is empty again afterwards."""
    order, depths = context.index.preorder
    path: list[ast.AST] = [context.tree] * (max(depths) + 1)  # path[d]: the latest node met at depth d
    context.follow(path)
    moved = context.moved
    found = handlers.get
    for node, depth in zip(order, depths, strict=True):
        path[depth] = node
        called = found(type(node))
        if called is not None:
            moved(depth)
            for handler in called:
                handler(node)
    moved(0)


def _finding(report: Report, rule: type[Rule], path: str) -> Finding:
    fix = None
    if report.edits and rule.FIX_SAFETY is not None:
        fix = Fix(
            title=rule.FIX_TITLE or "Apply the fix",
            safety=FixSafety(rule.FIX_SAFETY),
            edits=[
                TextEdit(
                    line=edit.line,
                    column=edit.column + 1,
                    end_line=edit.end_line,
                    end_column=edit.end_column + 1,
                    text=edit.text,
                )
                for edit in report.edits
            ],
        )
    return Finding(
        rule=rule.name(),
        code=rule.CODE,
        severity=rule.SEVERITY,
        path=path,
        line=report.line,
        column=report.column,
        end_line=report.end_line,
        end_column=max(report.end_column, report.column) if report.end_line == report.line else report.end_column,
        message=report.message,
        fix=fix,
        source="fastapi-expert",
    )


def _syntax_error(exc: SyntaxError, path: str) -> Finding:
    line = max(exc.lineno or 1, 1)
    column = max(exc.offset or 1, 1)
    end_line = max(exc.end_lineno or line, line)
    end_column = exc.end_offset if (exc.end_offset and end_line > line) or (exc.end_offset or 0) >= column else column
    return Finding(
        rule="syntax-error",
        code=SYNTAX_ERROR_CODE,
        severity=Severity.ERROR,
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column or column,
        message=f"the file does not parse: {exc.msg}",
        source="fastapi-expert",
    )


def _suppressed(finding: Finding, source: SourceFile) -> bool:
    for number in {finding.line, finding.end_line}:
        if not 1 <= number <= len(source.lines):
            continue
        text = source.lines[number - 1]
        if "#" not in text:
            continue
        noqa = _NOQA.search(text)
        if noqa:
            codes = noqa.group("codes")
            if codes is None or finding.code in {c.strip().upper() for c in codes.split(",")}:
                return True
        ignore = _IGNORE.search(text)
        if ignore:
            names = ignore.group("names")
            if names is None or {finding.rule, finding.code} & {n.strip() for n in names.split(",")}:
                return True
    return False
