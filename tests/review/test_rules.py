"""Every rule of the registry, tested by its own cases and documented by its own docstring (STYLE.md §3)."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from fastapi_expert.models import Finding
from fastapi_expert.review.checker import check_source
from fastapi_expert.review.fixes import apply_edits
from fastapi_expert.review.registry import all_rules
from fastapi_expert.review.rule import Edit, Rule

RULES = all_rules()
SECTIONS = ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]


def cases(kind: str) -> list[pytest.param]:
    return [
        pytest.param(rule, index, id=f"{rule.CODE}-{kind}-{index}")
        for rule in RULES
        for index in range(len(rule.VALID if kind == "valid" else rule.INVALID))
    ]


def findings_of(rule: type[Rule], code: str) -> list[Finding]:
    return [f for f in check_source(code, "case.py", [rule]) if f.code == rule.CODE]


def fixed(code: str, findings: list[Finding]) -> str:
    edits = [
        Edit(e.line, e.column - 1, e.end_line, e.end_column - 1, e.text)
        for finding in findings
        if finding.fix is not None
        for e in finding.fix.edits
    ]
    return apply_edits(code, edits)


@pytest.mark.parametrize(("rule", "index"), cases("valid"))
def test_valid_case_gives_no_finding(rule: type[Rule], index: int) -> None:
    code = rule.VALID[index].code
    ast.parse(code)
    assert findings_of(rule, code) == []


@pytest.mark.parametrize(("rule", "index"), cases("invalid"))
def test_invalid_case_gives_the_documented_finding(rule: type[Rule], index: int) -> None:
    case = rule.INVALID[index]
    ast.parse(case.code)
    findings = findings_of(rule, case.code)
    assert findings, "the rule stayed silent"
    first = findings[0]
    assert first.rule == rule.name()
    assert first.severity == rule.SEVERITY
    if case.line is not None:
        assert first.line == case.line
    if case.column is not None:
        assert first.column == case.column
    assert first.message == (case.message or rule.MESSAGE) or (case.message is None and first.message)
    if case.expected_fix is not None:
        assert all(f.fix is not None for f in findings), "expected a fix"
        result = fixed(case.code, findings)
        assert result == case.expected_fix
        ast.parse(result)
        assert findings_of(rule, result) == [], "the fix leaves code the rule still flags"
    elif rule.FIX_SAFETY is not None:
        # A fixable rule reports cases it cannot fix with no fix at all, never a half fix.
        assert all(f.fix is None or f.fix.edits for f in findings)


def python_block(doc: str, section: str) -> str:
    body = doc.split(section, 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", body, flags=re.S)
    assert match, f"{section} has no python block"
    return match.group(1)


@pytest.mark.parametrize("rule", RULES, ids=[rule.CODE for rule in RULES])
def test_docstring_documents_the_rule(rule: type[Rule]) -> None:
    doc = textwrap.dedent("    " + (rule.__doc__ or "").strip())
    positions = [doc.find(section) for section in SECTIONS]
    assert -1 not in positions, f"missing sections: {[s for s, p in zip(SECTIONS, positions, strict=True) if p == -1]}"
    assert positions == sorted(positions)
    assert "## References" in doc
    if rule.FIX_SAFETY is not None:
        assert "## Fix safety" in doc
        assert rule.FIX_TITLE
    example, instead = python_block(doc, "## Example"), python_block(doc, "## Use instead")
    assert findings_of(rule, example), "the Example does not trigger the rule"
    assert findings_of(rule, instead) == [], "the Use instead still triggers the rule"
    assert rule.VALID, "no valid cases"
    assert rule.INVALID, "no invalid cases"
    assert rule.MESSAGE and not rule.MESSAGE.endswith(".")


def test_codes_and_names_are_unique() -> None:
    assert len({rule.CODE for rule in RULES}) == len(RULES)
    assert len({rule.name() for rule in RULES}) == len(RULES)
