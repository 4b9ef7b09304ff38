"""``--write-baseline FILE`` / ``--baseline FILE``: accept today's findings, report only new ones.

A finding is identified by a fingerprint that survives unrelated edits: its path, its code and the text of the line
it starts on (stripped), plus its rank among identical ones. The same fingerprint is SARIF's ``partialFingerprints``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from fastapi_expert.errors import InputError
from fastapi_expert.findings import Finding

__all__ = ["fingerprints", "read_baseline", "write_baseline"]

_FORMAT = "fastapi-expert-baseline/1"


def fingerprints(findings: Sequence[Finding], root: Path) -> list[str]:
    """One stable fingerprint per finding, in order."""
    lines_cache: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    result = []
    for finding in findings:
        if finding.path not in lines_cache:
            try:
                lines_cache[finding.path] = (root / finding.path).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines_cache[finding.path] = []
        lines = lines_cache[finding.path]
        text = lines[finding.line - 1].strip() if finding.line <= len(lines) else ""
        digest = hashlib.sha256(f"{finding.path}\x00{finding.code}\x00{text}".encode()).hexdigest()[:20]
        seen[digest] = seen.get(digest, 0) + 1
        result.append(f"{digest}:{seen[digest]}")
    return result


def write_baseline(path: Path, findings: Sequence[Finding], root: Path) -> None:
    payload = {"format": _FORMAT, "fingerprints": sorted(fingerprints(findings, root))}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> frozenset[str]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path} does not exist (write one with --write-baseline)", argument="--baseline") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not a baseline file: {exc}", argument="--baseline") from exc
    if (
        not isinstance(payload, dict)
        or payload.get("format") != _FORMAT
        or not isinstance(payload.get("fingerprints"), list)
    ):
        raise InputError(f"{path} is not a fastapi-expert baseline file", argument="--baseline")
    return frozenset(str(item) for item in payload["fingerprints"])
