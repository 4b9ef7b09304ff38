"""Finds every rule: one class per module of ``review.rules``, checked when loaded."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from fastapi_expert.errors import RuleError
from fastapi_expert.review import rules as rules_package
from fastapi_expert.review.rule import Rule

__all__ = ["RULESET_VERSION", "all_rules", "rule_by_code", "select_rules"]

#: Bumped whenever a rule's behaviour changes, so cached results are not reused across rule changes.
RULESET_VERSION = "1"

_CODE = re.compile(r"^FE\d{3}$")


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, sorted by code. Raises ``RuleError`` for a module without exactly one rule or a repeated code."""
    found: list[type[Rule]] = []
    for module_info in pkgutil.iter_modules(rules_package.__path__):
        module = importlib.import_module(f"{rules_package.__name__}.{module_info.name}")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Rule)
            and value is not Rule
            and value.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise RuleError(f"module {module.__name__} defines {len(classes)} rules; it must define exactly one")
        rule = classes[0]
        expected_module = re.sub(r"(?<!^)(?=[A-Z])", "_", rule.__name__).lower()
        if module_info.name != expected_module:
            raise RuleError(f"is in module {module_info.name!r}; it belongs in {expected_module!r}", code=rule.CODE)
        if not _CODE.match(rule.CODE):
            raise RuleError("a code is FE followed by three digits", code=rule.CODE)
        found.append(rule)
    codes = [rule.CODE for rule in found]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise RuleError(f"codes used by more than one rule: {', '.join(repeated)}")
    return tuple(sorted(found, key=lambda rule: rule.CODE))


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule with this code or kebab-case name (case-insensitive for codes)."""
    for rule in all_rules():
        if code.upper() == rule.CODE or code == rule.name():
            return rule
    return None


def select_rules(select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> tuple[type[Rule], ...]:
    """Rules matching ``select`` (codes, code prefixes such as ``FE0``, or names; all when empty) minus ``ignore``."""

    def matches(rule: type[Rule], patterns: tuple[str, ...]) -> bool:
        return any(rule.CODE.startswith(p.upper()) or p == rule.name() for p in patterns)

    chosen = [rule for rule in all_rules() if not select or matches(rule, select)]
    return tuple(rule for rule in chosen if not matches(rule, ignore))
