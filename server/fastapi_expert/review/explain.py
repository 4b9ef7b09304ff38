"""A rule's documentation, rendered from its docstring (the only place it is written)."""

from __future__ import annotations

import inspect

from pydantic import BaseModel

from fastapi_expert.errors import InputError
from fastapi_expert.review.registry import all_rules, rule_by_code
from fastapi_expert.review.rule import Rule

__all__ = ["RuleDocumentation", "document", "explain"]


class RuleDocumentation(BaseModel):
    """One rule: its identity, severity, fix, and its documentation as markdown."""

    code: str
    name: str
    severity: str
    fix_safety: str | None
    fix_title: str | None
    message: str
    documentation: str


def document(rule: type[Rule]) -> RuleDocumentation:
    """``rule``'s documentation: a heading, its facts, then its docstring."""
    fix = f"{rule.FIX_SAFETY} ({rule.FIX_TITLE})" if rule.FIX_SAFETY else "none"
    facts = f"Severity: {rule.SEVERITY.value}. Fix: {fix}."
    if rule.OVERLAPS:
        facts += f" Also reported by ruff as: {', '.join(rule.OVERLAPS)} (reported once, with ours)."
    body = inspect.cleandoc(rule.__doc__ or "")
    markdown = f"# {rule.CODE} {rule.name()}\n\n{rule.MESSAGE}.\n\n{facts}\n\n{body}\n"
    return RuleDocumentation(
        code=rule.CODE,
        name=rule.name(),
        severity=rule.SEVERITY.value,
        fix_safety=rule.FIX_SAFETY,
        fix_title=rule.FIX_TITLE,
        message=rule.MESSAGE,
        documentation=markdown,
    )


def explain(code: str) -> RuleDocumentation:
    """The documentation of the rule with this code or name; ``InputError`` naming close matches otherwise."""
    rule = rule_by_code(code.strip())
    if rule is None:
        from rapidfuzz import process

        choices = [r.CODE for r in all_rules()] + [r.name() for r in all_rules()]
        close = [match[0] for match in process.extract(code, choices, limit=3, score_cutoff=60)]
        hint = f"; did you mean {', '.join(close)}?" if close else " (`fastapi-expert rules` lists them)"
        raise InputError(f"no rule {code!r}{hint}", argument="code")
    return document(rule)
