"""Our own review reports nothing — no error, warning or info — on our own code, our scripts and benchmarks, and the
knowledge examples we hand out (generated output is checked by the generators' golden tests)."""

from __future__ import annotations

from pathlib import Path

from fastapi_expert.review.engine import ReviewRequest, review_paths

REPO = Path(__file__).resolve().parent.parent


def test_our_review_finds_nothing_in_our_own_code_and_knowledge_examples() -> None:
    paths = [REPO / "server", REPO / "scripts", REPO / "bench", REPO / "knowledge" / "examples"]
    result = review_paths(paths, REPO, ReviewRequest(max_findings=10_000))
    assert result.summary.files > 250
    assert [f"{f.path}:{f.line}: {f.code} {f.message}" for f in result.findings] == []
