"""What the distribution ships: build the sdist, build the wheel from that sdist, install the wheel in a fresh venv
outside the repository, and check the installed server still finds every knowledge entry and prompt."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

CHECK = """
import json, anyio
from mcp import Client
from fastapi_expert.bundled import bundled_dir
from fastapi_expert.server import build_server

async def main():
    async with Client(build_server()) as client:
        resources = [str(r.uri) for r in (await client.list_resources()).resources]
        texts = [(await client.read_resource(uri)).contents[0].text for uri in resources]
        prompts = (await client.list_prompts()).prompts
        rendered = []
        for prompt in prompts:
            arguments = {a.name: "GET /items" for a in prompt.arguments or [] if a.required}
            rendered.append((await client.get_prompt(prompt.name, arguments)).messages[0].content.text)
    print(json.dumps({
        "knowledge_dir": str(bundled_dir("knowledge")),
        "resources": resources,
        "inlined": sum("```" in text for uri, text in zip(resources, texts) if uri.startswith("knowledge://")),
        "prompts": sorted(p.name for p in prompts),
        "rendered": len([t for t in rendered if t.strip()]),
    }))

anyio.run(main)
"""


def entry_ids() -> list[str]:
    return sorted(p.stem for p in (REPO / "knowledge").glob("*.md") if p.name != "README.md")


def prompt_names() -> list[str]:
    return sorted(p.stem for p in (REPO / "prompts").glob("*.md") if p.name != "README.md")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # With neither --sdist nor --wheel, build makes the sdist and then the wheel *from that sdist*.
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], check=True, capture_output=True)
    return out


def test_sdist_carries_sources_knowledge_prompts_and_plugin(dist: Path) -> None:
    (sdist,) = dist.glob("fastapi_expert-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert "server/fastapi_expert/server.py" in names
    assert "pyproject.toml" in names
    assert any(name.startswith("knowledge/examples/") for name in names)
    assert {f"prompts/{name}.md" for name in prompt_names()} <= names
    assert {"agent.md", ".mcp.json", ".claude-plugin/plugin.json", "skills/fastapi-expert/SKILL.md"} <= names


def test_wheel_ships_knowledge_and_prompts_inside_the_package(dist: Path) -> None:
    (wheel,) = dist.glob("fastapi_expert-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"fastapi_expert/knowledge/{entry}.md" for entry in entry_ids()} <= names
    assert {f"fastapi_expert/prompts/{name}.md" for name in prompt_names()} <= names
    assert "fastapi_expert/py.typed" in names
    assert not any(name.startswith("tests/") or "__pycache__" in name for name in names)


def test_installed_wheel_serves_every_entry_and_prompt(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("fastapi_expert-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    completed = subprocess.run(
        [python, "-c", CHECK], cwd=workdir, capture_output=True, text=True, check=True, timeout=300
    )
    report = json.loads(completed.stdout)
    assert Path(report["knowledge_dir"]).is_relative_to(env_dir)
    ids = entry_ids()
    knowledge = sorted(uri for uri in report["resources"] if uri.startswith("knowledge://"))
    assert knowledge == sorted(["knowledge://index", *(f"knowledge://{i}" for i in ids)])
    rules = [uri for uri in report["resources"] if uri.startswith("rules://")]
    rule_modules = [p for p in (REPO / "server/fastapi_expert/review/rules").glob("*.py") if p.name != "__init__.py"]
    assert len(rules) == len(rule_modules)
    assert report["inlined"] == len(ids)  # every entry's examples were found and inlined
    assert report["prompts"] == prompt_names()
    assert report["rendered"] == len(report["prompts"])
    cli = subprocess.run(
        [env_dir / "bin" / "fastapi-expert", "knowledge", "list", "--json"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert [entry["id"] for entry in json.loads(cli.stdout)] == ids
