"""Markdown shipped inside installed packages, such as FastAPI's agent skill."""

from __future__ import annotations

from pathlib import Path

from fastapi_expert.docs.bundled import bundled_documents
from fastapi_expert.docs.environment import Distributions, PythonEnvironment, distributions_of
from tests.docs.conftest import write_distribution


def test_markdown_inside_the_package_is_found_and_licences_are_not(site: Path) -> None:
    write_distribution(
        site,
        "shop",
        "1.0",
        {
            "shop/__init__.py": "",
            "shop/guide/usage.md": "# Usage\n\nBuy things.\n",
            "shop/LICENSE.md": "MIT\n",
            "shop/CHANGELOG.md": "# 1.0\n",
            "shop/tests/fixture.md": "# Fixture\n\nnot docs\n",
        },
    )
    distribution = Distributions(PythonEnvironment("fake", (site,))).find("shop")
    assert distribution is not None
    [document] = bundled_documents(distribution)
    assert document.relative == "shop/guide/usage.md"
    assert [section.title for section in document.sections] == ["Usage"]


def test_a_file_listed_but_missing_is_skipped(site: Path) -> None:
    write_distribution(site, "shop", "1.0", {"shop/__init__.py": "", "shop/gone.md": "# Gone\n\ntext\n"})
    (site / "shop" / "gone.md").unlink()
    distribution = Distributions(PythonEnvironment("fake", (site,))).find("shop")
    assert distribution is not None
    assert bundled_documents(distribution) == []


def test_fastapi_ships_its_agent_skill() -> None:
    fastapi = distributions_of(PythonEnvironment.of_server()).find("fastapi")
    assert fastapi is not None
    documents = {document.relative: document for document in bundled_documents(fastapi)}
    assert "fastapi/.agents/skills/fastapi/SKILL.md" in documents
    dependencies = documents["fastapi/.agents/skills/fastapi/references/dependencies.md"]
    titles = [section.title for section in dependencies.sections]
    assert any("yield" in title for title in titles)
    assert "DO NOT DO THIS" not in titles  # a comment inside a code block is not a heading
