"""The knowledge base as a whole: enough entries, every marker resolves, every example is referenced and clean,
every related rule code exists, and the search answers the questions users actually ask."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from fastapi_expert.knowledge import MARKER, KnowledgeBase

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
SAMPLE_DIRS = ("examples", "antipatterns")


@cache
def knowledge() -> KnowledgeBase:
    return KnowledgeBase(KNOWLEDGE)


def sample_files() -> list[Path]:
    return sorted(
        path
        for folder in SAMPLE_DIRS
        for path in (KNOWLEDGE / folder).rglob("*")
        if path.is_file() and path.name != "__init__.py" and "__pycache__" not in path.parts
    )


def test_at_least_thirty_entries() -> None:
    assert len(knowledge().patterns) >= 30


@pytest.mark.parametrize("pattern_id", [p.id for p in knowledge().patterns])
def test_entry_renders_with_every_marker_resolved(pattern_id: str) -> None:
    pattern = knowledge().get(pattern_id)
    assert pattern.examples, f"{pattern_id} shows no example"
    text = knowledge().render(pattern_id)
    assert MARKER.search(text) is None
    assert text.count("```") == 2 * len(pattern.examples)
    assert pattern_id.replace("-", "").isalnum() and pattern_id == pattern_id.lower()


def test_every_sample_is_referenced() -> None:
    referenced = {example.path for pattern in knowledge().patterns for example in pattern.examples}
    unreferenced = [str(path.relative_to(KNOWLEDGE)) for path in sample_files()]
    unreferenced = [path for path in unreferenced if path not in referenced]
    assert unreferenced == []


def test_every_sample_folder_is_a_package() -> None:
    """Each folder of samples has an ``__init__.py``, so mypy sees unique module names."""
    for folder in SAMPLE_DIRS:
        for directory in (p for p in (KNOWLEDGE / folder).rglob("*") if p.is_dir()):
            if directory.name != "__pycache__":
                assert (directory / "__init__.py").is_file(), directory


def test_every_example_app_defines_an_app() -> None:
    """Each example app (``tutorialNNN.py``, or the ``main.py`` of a multi-module example) defines its app."""
    for path in sample_files():
        if path.parts[len(KNOWLEDGE.parts)] == "examples" and (
            path.name.startswith("tutorial") or path.name == "main.py"
        ):
            source = path.read_text()
            assert "FastAPI(" in source or "APIRouter(" in source, path


@cache
def ruff_codes() -> frozenset[str]:
    listing = subprocess.run(
        [sys.executable, "-m", "ruff", "rule", "--all", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return frozenset(rule["code"] for rule in json.loads(listing.stdout))


def test_related_rule_codes_exist() -> None:
    unknown = {
        (pattern.id, code)
        for pattern in knowledge().patterns
        for code in pattern.meta.rules
        if code not in ruff_codes()
    }
    assert unknown == set()


def test_examples_are_ruff_clean() -> None:
    folder = str(KNOWLEDGE / "examples")
    check = subprocess.run([sys.executable, "-m", "ruff", "check", folder], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", folder], capture_output=True, text=True, check=False
    )
    assert formatted.returncode == 0, formatted.stdout
