"""Findings as SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.

Each result carries ``partialFingerprints`` (the baseline fingerprint: path, code and the text of its line), so code
scanning keeps tracking a finding when unrelated lines move.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi_expert import __version__
from fastapi_expert.findings import Finding, Severity
from fastapi_expert.review.baseline import fingerprints
from fastapi_expert.review.engine import ReviewResult
from fastapi_expert.review.explain import document
from fastapi_expert.review.registry import rule_by_code

__all__ = ["SARIF_SCHEMA", "format_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_HOME = "https://github.com/fastapi-expert/fastapi-expert"


def _rule_descriptor(finding: Finding) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": finding.code,
        "name": finding.rule,
        "defaultConfiguration": {"level": _LEVELS[finding.severity]},
    }
    rule = rule_by_code(finding.code) if finding.source == "fastapi-expert" else None
    if rule is not None:
        documentation = document(rule)
        descriptor["shortDescription"] = {"text": rule.MESSAGE}
        descriptor["help"] = {"text": documentation.documentation, "markdown": documentation.documentation}
        descriptor["helpUri"] = f"{_HOME}/blob/main/docs/rules.md#{rule.CODE.lower()}-{rule.name()}"
    elif finding.source == "ruff":
        descriptor["shortDescription"] = {"text": finding.rule.replace("-", " ")}
        descriptor["helpUri"] = f"https://docs.astral.sh/ruff/rules/{finding.rule}/"
    else:
        descriptor["shortDescription"] = {"text": finding.rule.replace("-", " ")}
    return descriptor


def format_sarif(result: ReviewResult, root: Path) -> str:
    """One SARIF log with one run; paths are relative to ``%SRCROOT%`` (``root``)."""
    rules: dict[str, dict[str, Any]] = {}
    for finding in result.findings:
        rules.setdefault(finding.code, _rule_descriptor(finding))
    index = {code: position for position, code in enumerate(rules)}
    results = []
    for finding, fingerprint in zip(result.findings, fingerprints(result.findings, root), strict=True):
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": _LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": finding.line,
                                "startColumn": finding.column,
                                "endLine": finding.end_line,
                                "endColumn": finding.end_column,
                            },
                        }
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": fingerprint},
                "properties": {"source": finding.source, "also": finding.also},
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fastapi-expert",
                        "version": __version__,
                        "informationUri": _HOME,
                        "rules": list(rules.values()),
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
