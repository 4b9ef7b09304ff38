"""The Claude Code plugin surface: agent.md, the plugin and marketplace manifests, .mcp.json, the skill, and prompts/.

Shapes follow the Claude Code plugin reference (code.claude.com/docs/en/plugins/manifest-reference and
marketplace-reference): component paths are relative and start with ``./``; ``agents`` is validated as a list of
``.md`` files (a bare directory string is rejected by ``claude plugin validate`` with "agents: Invalid input");
a plugin's MCP tools are named ``mcp__plugin_<plugin>_<server>__<tool>``.
"""

from __future__ import annotations

import json
import keyword
import re
import tomllib
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import mcp
import pytest
import yaml
from mcp.types import TextContent

import fastapi_expert
from fastapi_expert.prompts import PromptLibrary

ROOT = Path(__file__).resolve().parents[1]
AGENT = ROOT / "agent.md"
PLUGIN_JSON = ROOT / ".claude-plugin" / "plugin.json"
MARKETPLACE_JSON = ROOT / ".claude-plugin" / "marketplace.json"
MCP_JSON = ROOT / ".mcp.json"
SKILL = ROOT / "skills" / "fastapi-expert" / "SKILL.md"
PROMPTS = ROOT / "prompts"
KNOWLEDGE = ROOT / "knowledge"

PLUGIN_NAME = "fastapi-expert"
SERVER_NAME = "fastapi-expert"
MCP_TOOL_PREFIX = f"mcp__plugin_{PLUGIN_NAME}_{SERVER_NAME}__"
MCP_TOOL_REF = re.compile(re.escape(MCP_TOOL_PREFIX) + r"([A-Za-z0-9_]+)")
KNOWLEDGE_REF = re.compile(r"knowledge://([a-z0-9]+(?:-[a-z0-9]+)*)")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

# Tools DESIGN.md plans for the server. A file may name one only once the server really has it.
PLANNED_TOOLS = frozenset(
    {
        "review_code",
        "write_schema",
        "scaffold_endpoint",
        "add_auth",
        "fetch_docs",
        "search_knowledge",
        "validate_code",
    }
)
# Claude Code's own tools that agent.md may list besides the plugin's MCP tools.
BUILTIN_TOOLS = frozenset(
    {
        "Read",
        "Edit",
        "Write",
        "MultiEdit",
        "Bash",
        "Grep",
        "Glob",
        "WebFetch",
        "WebSearch",
        "TodoWrite",
        "ListMcpResourcesTool",
        "ReadMcpResourceTool",
    }
)
REQUIRED_PROMPTS = frozenset(
    {
        "review_pull_request",
        "design_resource",
        "secure_api",
        "migrate_to_pydantic_v2",
        "write_endpoint_tests",
        "migrate_to_lifespan",
    }
)
PROMPT_FILES = sorted(path for path in PROMPTS.glob("*.md") if path.name != "README.md")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def split_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Return the YAML front matter (a mapping) and the body of a markdown file."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, flags=re.DOTALL)
    assert match, f"{path.name}: no '---' front matter block at the top"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict), f"{path.name}: front matter is not a mapping"
    return meta, match.group(2)


def word_count(text: str) -> int:
    return len(text.split())


def load_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


async def server_tool_names() -> set[str]:
    from fastapi_expert.server import build_server

    names: set[str] = set()
    async with mcp.Client(build_server()) as client:
        cursor: str | None = None
        while True:
            result = await client.list_tools(cursor=cursor)
            names.update(tool.name for tool in result.tools)
            cursor = result.next_cursor
            if not cursor:
                return names


def agent_tools() -> list[str]:
    meta, _ = split_front_matter(AGENT)
    return [tool.strip() for tool in meta["tools"].split(",")]


# --- agent.md ---------------------------------------------------------------------------------------------------


def test_agent_front_matter_has_the_subagent_keys() -> None:
    """agent.md is a Claude Code subagent: name, description, tools (a comma-separated string) and model."""
    meta, _ = split_front_matter(AGENT)
    assert set(meta) == {"name", "description", "tools", "model"}
    assert meta["name"] == PLUGIN_NAME
    assert meta["model"] == "sonnet"
    assert isinstance(meta["description"], str)
    assert len(meta["description"]) >= 200, "the description decides when Claude delegates: make it specific"
    assert "\n" not in meta["description"].strip(), "the description is one paragraph"
    assert isinstance(meta["tools"], str)


def test_agent_lists_only_known_tools() -> None:
    """Every tool in agent.md is a Claude Code built-in or one of this plugin's MCP tools, listed once."""
    tools = agent_tools()
    assert len(tools) == len(set(tools))
    assert {"Read", "Edit", "Write", "Bash", "Grep", "Glob"} <= set(tools)
    for tool in tools:
        assert tool in BUILTIN_TOOLS or MCP_TOOL_REF.fullmatch(tool), f"unknown tool {tool!r}"
    assert f"{MCP_TOOL_PREFIX}search_knowledge" in tools


def test_agent_body_length() -> None:
    """The system prompt is substantial but focused: 500 to 1200 words."""
    _, body = split_front_matter(AGENT)
    assert 500 <= word_count(body) <= 1200


def test_agent_tells_the_model_to_validate_what_it_generates() -> None:
    """The persona states that generated code is run (the app imports, the tests pass) before it is handed out."""
    _, body = split_front_matter(AGENT)
    assert "pytest" in body
    assert "import app.main" in body


@pytest.mark.anyio
async def test_named_mcp_tools_exist_on_the_server() -> None:
    """Every mcp__plugin_fastapi-expert_fastapi-expert__<tool> named in agent.md or SKILL.md is a server tool."""
    named = {
        match.group(1) for path in (AGENT, SKILL) for match in MCP_TOOL_REF.finditer(path.read_text(encoding="utf-8"))
    }
    assert named, "agent.md names no MCP tool"
    missing = named - await server_tool_names()
    assert not missing, f"named but not served: {sorted(missing)}"


@pytest.mark.anyio
async def test_planned_tools_are_only_mentioned_once_they_exist() -> None:
    """agent.md, SKILL.md and the prompts only tell the model to call tools that the server has today."""
    served = await server_tool_names()
    for path in [AGENT, SKILL, *PROMPT_FILES]:
        text = path.read_text(encoding="utf-8")
        mentioned = {tool for tool in PLANNED_TOOLS if re.search(rf"\b{tool}\b", text)}
        assert mentioned <= served, f"{path.name} mentions tools the server lacks: {sorted(mentioned - served)}"


# --- .claude-plugin/plugin.json -----------------------------------------------------------------------------------

PLUGIN_KEYS = frozenset(
    {
        "$schema",
        "name",
        "version",
        "description",
        "author",
        "homepage",
        "repository",
        "license",
        "keywords",
        "commands",
        "agents",
        "skills",
        "hooks",
        "mcpServers",
        "outputStyles",
        "lspServers",
        "userConfig",
    }
)


def test_plugin_manifest_metadata() -> None:
    """plugin.json names the plugin and carries the metadata a marketplace shows."""
    manifest = load_json(PLUGIN_JSON)
    assert set(manifest) <= PLUGIN_KEYS, f"unknown keys: {sorted(set(manifest) - PLUGIN_KEYS)}"
    assert manifest["name"] == PLUGIN_NAME
    assert KEBAB.match(manifest["name"])
    assert manifest["version"] == fastapi_expert.__version__
    assert isinstance(manifest["description"], str)
    assert len(manifest["description"]) >= 40
    assert isinstance(manifest["author"], dict)
    assert isinstance(manifest["author"]["name"], str)
    assert manifest["author"]["name"]
    assert manifest["repository"].startswith("https://")
    assert manifest["license"] == "MIT"
    assert isinstance(manifest["keywords"], list)
    assert manifest["keywords"]
    assert all(isinstance(keyword_, str) for keyword_ in manifest["keywords"])


def test_plugin_manifest_agents_point_at_agent_md() -> None:
    """agents is a list of ./-relative .md files inside the plugin, and it includes agent.md."""
    agents = load_json(PLUGIN_JSON)["agents"]
    assert isinstance(agents, list)
    for entry in agents:
        assert isinstance(entry, str)
        assert entry.startswith("./"), "component paths must start with ./"
        assert entry.endswith(".md")
        assert ".." not in Path(entry).parts
        assert (ROOT / entry).is_file(), f"{entry} does not exist"
    assert (ROOT / "agent.md").resolve() in {(ROOT / entry).resolve() for entry in agents}


def test_plugin_manifest_files_stay_in_the_manifest_folder() -> None:
    """Only manifests live in .claude-plugin/; components (agent, skills, .mcp.json) are at the plugin root."""
    assert sorted(path.name for path in PLUGIN_JSON.parent.iterdir()) == ["marketplace.json", "plugin.json"]


# --- .claude-plugin/marketplace.json ------------------------------------------------------------------------------


def test_marketplace_lists_this_plugin() -> None:
    """The marketplace has a name, an owner, and an entry whose ./ source is this plugin's root."""
    marketplace = load_json(MARKETPLACE_JSON)
    assert KEBAB.match(marketplace["name"])
    assert isinstance(marketplace["owner"], dict)
    assert marketplace["owner"]["name"]
    plugins = marketplace["plugins"]
    assert isinstance(plugins, list)
    entries = {entry["name"]: entry for entry in plugins}
    assert len(entries) == len(plugins), "plugin names in a marketplace are unique"
    entry = entries[PLUGIN_NAME]
    assert entry["source"] == "./"


def test_marketplace_sources_resolve_to_plugins() -> None:
    """Each relative source resolves, from the marketplace root, to a plugin whose manifest name matches the entry."""
    marketplace_root = MARKETPLACE_JSON.parent.parent
    manifest_version = load_json(PLUGIN_JSON)["version"]
    for entry in load_json(MARKETPLACE_JSON)["plugins"]:
        source = entry["source"]
        assert isinstance(source, str)
        assert source.startswith("./")
        assert ".." not in Path(source).parts
        plugin_manifest = marketplace_root / source / ".claude-plugin" / "plugin.json"
        assert plugin_manifest.is_file(), f"{source} has no .claude-plugin/plugin.json"
        assert load_json(plugin_manifest)["name"] == entry["name"]
        assert entry.get("version", manifest_version) == manifest_version, "plugin.json and the entry disagree"


# --- .mcp.json -----------------------------------------------------------------------------------------------------


def test_mcp_json_runs_the_server_from_the_plugin_root() -> None:
    """.mcp.json starts the server with uvx from ${CLAUDE_PLUGIN_ROOT}, so the plugin runs the code it ships."""
    assert load_json(MCP_JSON) == {
        "mcpServers": {
            SERVER_NAME: {
                "command": "uvx",
                "args": ["--from", "${CLAUDE_PLUGIN_ROOT}", "fastapi-expert", "serve"],
            }
        }
    }


def test_mcp_json_command_is_a_console_script() -> None:
    """The executable .mcp.json runs is a console script of this distribution."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    args = load_json(MCP_JSON)["mcpServers"][SERVER_NAME]["args"]
    assert args[2] in pyproject["project"]["scripts"]


# --- skills/fastapi-expert/SKILL.md --------------------------------------------------------------------------------


def test_skill_front_matter() -> None:
    """SKILL.md has a name matching its folder and a description Claude can match requests against."""
    meta, body = split_front_matter(SKILL)
    assert set(meta) == {"name", "description"}
    assert meta["name"] == SKILL.parent.name
    assert KEBAB.match(meta["name"])
    assert len(meta["name"]) <= 64
    assert isinstance(meta["description"], str)
    assert 100 <= len(meta["description"]) <= 1024
    assert word_count(body) >= 150


def test_skill_teaches_the_search_tool_and_resources() -> None:
    """The skill tells Claude which tool to call and which knowledge resources to read."""
    _, body = split_front_matter(SKILL)
    assert f"{MCP_TOOL_PREFIX}search_knowledge" in body
    assert "knowledge://index" in body


# --- prompts/ ------------------------------------------------------------------------------------------------------

PROMPT_KEYS = frozenset({"title", "description", "arguments"})
ARGUMENT_KEYS = frozenset({"name", "description", "required", "choices", "default"})


def prompt_arguments(path: Path) -> list[dict[str, Any]]:
    meta, _ = split_front_matter(path)
    arguments = meta.get("arguments") or []
    assert isinstance(arguments, list)
    return arguments


def sample_value(argument: dict[str, Any]) -> str:
    choices = argument.get("choices")
    if choices:
        return str(argument.get("default", choices[0]))
    return f"<sample {argument['name']}>"


def render(path: Path, values: dict[str, Any]) -> str:
    """Render with the loader's own jinja2 environment (the settings the server renders with)."""
    return PromptLibrary(path.parent).get(path.stem).compile().render(**values)


def required_values(path: Path) -> dict[str, Any]:
    """Values a client must send, plus the defaults the loader fills in for optional arguments."""
    values: dict[str, Any] = {}
    for argument in prompt_arguments(path):
        if argument["required"]:
            values[argument["name"]] = sample_value(argument)
        elif "default" in argument:
            values[argument["name"]] = argument["default"]
    return values


def test_required_prompts_exist() -> None:
    """prompts/ ships at least the six workflows the product promises, one file each."""
    names = {path.stem for path in PROMPT_FILES}
    assert len(names) >= 6
    assert names >= REQUIRED_PROMPTS, f"missing: {sorted(REQUIRED_PROMPTS - names)}"


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda path: path.stem)
def test_prompt_front_matter(path: Path) -> None:
    """Each prompt has a snake_case verb_noun name, a title, a useful description and well-formed arguments."""
    assert re.fullmatch(r"[a-z]+(?:_[a-z0-9]+)+", path.stem)
    meta, _ = split_front_matter(path)
    assert set(meta) <= PROMPT_KEYS
    assert isinstance(meta["title"], str)
    assert meta["title"].strip()
    assert isinstance(meta["description"], str)
    assert len(meta["description"]) >= 40
    names: list[str] = []
    for argument in prompt_arguments(path):
        assert isinstance(argument, dict)
        assert set(argument) <= ARGUMENT_KEYS, f"unknown argument keys: {sorted(set(argument) - ARGUMENT_KEYS)}"
        name = argument["name"]
        assert isinstance(name, str)
        assert name.isidentifier()
        assert not keyword.iskeyword(name)
        names.append(name)
        assert isinstance(argument["description"], str)
        assert len(argument["description"].strip()) >= 10
        assert isinstance(argument["required"], bool)
        choices = argument.get("choices")
        if choices is not None:
            assert isinstance(choices, list)
            assert choices
            assert all(isinstance(choice, str) for choice in choices)
            assert len(set(choices)) == len(choices)
        if "default" in argument:
            assert argument["required"] is False, f"{name}: a required argument has no default"
            assert isinstance(argument["default"], str)
            if choices is not None:
                assert argument["default"] in choices, f"{name}: default is not one of the choices"
    assert len(names) == len(set(names)), "argument names are unique"
    assert any(argument["required"] for argument in prompt_arguments(path))


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda path: path.stem)
def test_prompt_body_uses_exactly_its_arguments(path: Path) -> None:
    """The template reads every declared argument and no other variable."""
    _, body = split_front_matter(path)
    environment = PromptLibrary(path.parent).get(path.stem).compile().environment
    variables = jinja2.meta.find_undeclared_variables(environment.parse(body))
    assert variables == {argument["name"] for argument in prompt_arguments(path)}


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda path: path.stem)
def test_prompt_body_length_and_references(path: Path) -> None:
    """Each body is 150-500 words and points the model at the knowledge base and the search tool."""
    _, body = split_front_matter(path)
    assert 150 <= word_count(body) <= 500
    assert KNOWLEDGE_REF.search(body), "the prompt names no knowledge://<id> resource"
    assert "search_knowledge" in body


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda path: path.stem)
def test_prompt_renders_with_required_arguments_only(path: Path) -> None:
    """Optional arguments without a default may be absent or None: the template renders, the same either way."""
    values = required_values(path)
    optional = {arg["name"] for arg in prompt_arguments(path) if not arg["required"] and "default" not in arg}
    absent = render(path, values)
    assert render(path, {**values, **dict.fromkeys(optional)}) == absent
    for argument in prompt_arguments(path):
        if argument["required"]:
            assert sample_value(argument) in absent


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda path: path.stem)
def test_prompt_renders_with_every_argument_and_choice(path: Path) -> None:
    """With all arguments given, every choice of every argument renders, and each free-text value is shown."""
    arguments = prompt_arguments(path)
    values = {argument["name"]: sample_value(argument) for argument in arguments}
    variants = [values] + [
        {**values, argument["name"]: choice} for argument in arguments for choice in argument.get("choices") or []
    ]
    for variant in variants:
        text = render(path, variant)
        for argument in arguments:
            if not argument.get("choices"):
                assert values[argument["name"]] in text, f"{argument['name']} is declared but not shown"


# --- knowledge references ------------------------------------------------------------------------------------------


def test_referenced_knowledge_entries_exist() -> None:
    """Every knowledge://<id> named by the agent, the skill or a prompt is an entry in knowledge/."""
    for path in [AGENT, SKILL, *PROMPT_FILES]:
        for entry_id in KNOWLEDGE_REF.findall(path.read_text(encoding="utf-8")):
            if entry_id != "index":
                assert (KNOWLEDGE / f"{entry_id}.md").is_file(), f"{path.name}: knowledge://{entry_id} does not exist"


# --- the server serves the prompts ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_server_serves_every_prompt_file() -> None:
    """Each prompts/<name>.md is an MCP prompt with its arguments, and get_prompt renders it as one user message."""
    from fastapi_expert.server import build_server

    async with mcp.Client(build_server()) as client:
        served = {prompt.name: prompt for prompt in (await client.list_prompts()).prompts}
        for path in PROMPT_FILES:
            assert path.stem in served, f"{path.stem} is not served"
            declared = {arg["name"]: arg["required"] for arg in prompt_arguments(path)}
            listed = {arg.name: bool(arg.required) for arg in served[path.stem].arguments or []}
            assert listed == declared
            required = {arg["name"]: sample_value(arg) for arg in prompt_arguments(path) if arg["required"]}
            result = await client.get_prompt(path.stem, arguments=required)
            assert len(result.messages) == 1
            message = result.messages[0]
            assert message.role == "user"
            assert isinstance(message.content, TextContent)
            for value in required.values():
                assert value in message.content.text
