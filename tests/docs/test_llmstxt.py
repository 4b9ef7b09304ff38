"""llms.txt indexes: the parser, the registry, and answers from the pages an index links, through a MockTransport."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from fastapi_expert.docs.environment import PythonEnvironment
from fastapi_expert.docs.llmstxt import (
    LLMS_TXT_SITES,
    LlmsLink,
    LlmsTxtFormatError,
    llms_txt_site_for,
    parse_llms_txt,
    rank_links,
)
from fastapi_expert.docs.service import DocsService
from fastapi_expert.docs.settings import ALLOWED_HOSTS, DocsSettings
from fastapi_expert.docs.unavailable import DocsUnavailable
from fastapi_expert.errors import ConfigError, InputError
from tests.docs.conftest import Recorder

INDEX_URL = "https://docs.acme.dev/latest/llms.txt"

INDEX = """\
# Acme Kit

> Acme Kit validates shipping labels.

Acme Kit is a small library. This paragraph is details, not a link list.

## Concepts

- [Validators](https://docs.acme.dev/latest/concepts/validators/index.md): Field and model validators, modes.
- [Serialization](concepts/serialization/index.md): model_dump, JSON output and custom serializers
* [Settings](<https://docs.acme.dev/latest/concepts/settings.md> "Settings page"): environment variables

### Advanced

+ [Plugins](https://evil.example.com/plugins.md): a validator plugin system on another host

## API

- [Label](https://docs.acme.dev/latest/api/label.md)
- [Mail me](mailto:team@acme.dev)
- [Validators again](https://docs.acme.dev/latest/concepts/validators/index.md): duplicate

```markdown
- [Inside a fence](https://docs.acme.dev/latest/fenced.md)
```

## Optional

- [Changelog](https://docs.acme.dev/latest/changelog.md): every release, validators included
"""

VALIDATORS_PAGE = """\
# Validators

Validators check a label's fields.

## Field validators

Use `@field_validator("weight")` to check one field.

## Model validators

Use `@model_validator(mode="after")` to check the whole label.
"""


def test_the_index_is_parsed() -> None:
    index = parse_llms_txt(INDEX, base_url=INDEX_URL)
    assert index.title == "Acme Kit"
    assert index.summary == "Acme Kit validates shipping labels."
    assert index.links[:3] == (
        LlmsLink(
            "Validators",
            "https://docs.acme.dev/latest/concepts/validators/index.md",
            "Field and model validators, modes.",
            "Concepts",
        ),
        LlmsLink(  # relative to the index
            "Serialization",
            "https://docs.acme.dev/latest/concepts/serialization/index.md",
            "model_dump, JSON output and custom serializers",
            "Concepts",
        ),
        LlmsLink("Settings", "https://docs.acme.dev/latest/concepts/settings.md", "environment variables", "Concepts"),
    )
    by_title = {link.title: link for link in index.links}
    assert by_title["Plugins"].section == "Concepts > Advanced"
    assert by_title["Label"].notes == ""
    assert by_title["Changelog"].optional and not by_title["Label"].optional
    assert "Mail me" not in by_title  # not http(s)
    assert "Validators again" not in by_title  # the same URL once
    assert "Inside a fence" not in by_title  # code, not a link list
    assert len(index.links) == 6


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "does not start with an H1"),
        ("\n\n  \n", "does not start with an H1"),
        ("Acme docs\n\n- [a](https://x.dev/a.md)\n", "does not start with an H1"),
        ("## Section\n\n- [a](https://x.dev/a.md)\n", "does not start with an H1"),
        ("<!DOCTYPE html>\n<html><body><h1>Not found</h1></body></html>", "is an HTML page"),
        ("# Acme\n\n> summary\n\nNo links at all.\n", "links no pages"),
        ("# Acme\n\n- [broken](https://x.dev/a.md\n- [](https://x.dev/b.md)\n", "links no pages"),
        ("# Acme\n\n```\n- [a](https://x.dev/a.md)\n", "links no pages"),  # an unclosed fence runs to the end
        ("\x00\x01\x02", "does not start with an H1"),
    ],
)
def test_what_is_not_an_index_is_a_format_error(text: str, why: str) -> None:
    with pytest.raises(LlmsTxtFormatError, match=why):
        parse_llms_txt(text, base_url=INDEX_URL)


def test_links_are_ranked_by_title_notes_and_path() -> None:
    links = parse_llms_txt(INDEX, base_url=INDEX_URL).links
    assert rank_links(links, "field_validator", 2)[0].title == "Validators"
    assert [link.title for link in rank_links(links, "serialize to JSON", 1)] == ["Serialization"]
    assert rank_links(links, "quokka", 2) == []


def test_the_registry_and_its_hosts() -> None:
    pydantic = llms_txt_site_for("Pydantic")
    assert pydantic is LLMS_TXT_SITES["pydantic"]
    assert pydantic.index_url == "https://docs.pydantic.dev/latest/llms.txt"
    assert llms_txt_site_for("pydantic_settings") is LLMS_TXT_SITES["pydantic-settings"]
    assert llms_txt_site_for("sqlalchemy") is None and llms_txt_site_for("fastapi") is None
    for site in LLMS_TXT_SITES.values():
        assert site.index_url.startswith("https://") and site.index_url.endswith("/llms.txt")
        assert site.hosts <= ALLOWED_HOSTS
    configured = llms_txt_site_for("Acme_Kit", {"acme-kit": INDEX_URL})
    assert configured is not None and (configured.index_url, configured.hosts) == (INDEX_URL, {"docs.acme.dev"})


def test_indexes_are_configurable() -> None:
    settings = DocsSettings.from_env(
        {"FASTAPI_EXPERT_DOCS_LLMS_TXT": f"acme-kit={INDEX_URL}, other=https://o.dev/llms.txt"}
    )
    assert settings.llms_txt == (("acme-kit", INDEX_URL), ("other", "https://o.dev/llms.txt"))
    assert settings.allowed_hosts == ALLOWED_HOSTS | {"docs.acme.dev", "o.dev"}


@pytest.mark.parametrize("value", ["acme-kit", "acme-kit=http://docs.acme.dev/llms.txt", "../x=https://a.dev/llms.txt"])
def test_a_bad_index_setting_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="FASTAPI_EXPERT_DOCS_LLMS_TXT"):
        DocsSettings.from_env({"FASTAPI_EXPERT_DOCS_LLMS_TXT": value})


def acme_docs(request: httpx.Request) -> httpx.Response:
    pages = {
        INDEX_URL: INDEX,
        "https://docs.acme.dev/latest/concepts/validators/index.md": VALIDATORS_PAGE,
        "https://docs.acme.dev/latest/changelog.md": "# Changelog\n\n## 1.2\n\nValidators are faster.\n",
    }
    text = pages.get(str(request.url))
    if text is None:
        return httpx.Response(404, text="404: Not Found")
    return httpx.Response(200, text=text, headers={"content-type": "text/markdown; charset=utf-8"})


def acme_service(tmp_path: Path, recorder: Recorder, environment: PythonEnvironment) -> DocsService:
    settings = DocsSettings(
        cache_dir=tmp_path / "docs",
        offline=False,
        allowed_hosts=ALLOWED_HOSTS | {"docs.acme.dev"},
        llms_txt=(("acme-kit", INDEX_URL),),
    )
    return DocsService(settings=settings, environment=environment, client_factory=lambda settings: recorder.client())


@pytest.mark.anyio
async def test_an_answer_from_the_best_pages_of_the_index(tmp_path: Path, fake_environment: PythonEnvironment) -> None:
    recorder = Recorder(acme_docs)
    service = acme_service(tmp_path, recorder, fake_environment)
    answer = await service.fetch_docs("acme-kit", "field validator")
    assert (answer.library, answer.version) == ("acme-kit", "latest")
    assert {section.source for section in answer.sections} == {"online"}
    first = answer.sections[0]
    assert (first.title, first.url) == (
        "Validators > Field validators",
        "https://docs.acme.dev/latest/concepts/validators/index.md",
    )
    assert all(section.content in VALIDATORS_PAGE for section in answer.sections if section.url == first.url)
    requested = [str(request.url) for request in recorder.requests]
    assert requested[:2] == [INDEX_URL, "https://docs.acme.dev/latest/concepts/validators/index.md"]
    assert not [url for url in requested if "evil.example.com" in url]  # off the allow-list: never requested
    # The second answer comes from the on-disk cache: not one more request.
    assert await service.fetch_docs("acme-kit", "field validator") == answer
    assert len(recorder.requests) == len(requested)


@pytest.mark.anyio
async def test_links_off_the_allow_list_are_never_requested(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    recorder = Recorder(acme_docs)
    answer = await acme_service(tmp_path, recorder, fake_environment).fetch_docs("acme-kit", "validator plugin system")
    assert "https://evil.example.com/plugins.md" not in {section.url for section in answer.sections}
    assert not [request for request in recorder.requests if request.url.host == "evil.example.com"]

    def only_foreign_links(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="# Acme\n\n## Docs\n\n- [Plugins](https://evil.example.com/plugins.md)\n")

    recorder = Recorder(only_foreign_links)
    with pytest.raises(DocsUnavailable, match=r"llms\.txt: links only pages on hosts off the allow-list"):
        await acme_service(tmp_path / "2", recorder, fake_environment).fetch_docs("acme-kit", "plugins")
    assert [str(request.url) for request in recorder.requests] == [INDEX_URL]


@pytest.mark.parametrize(
    "body", ["<html><body>Welcome to Acme</body></html>", "Acme docs moved.", "# Acme\n\nNothing here.\n"]
)
@pytest.mark.anyio
async def test_a_malformed_index_is_a_clear_error(
    tmp_path: Path, fake_environment: PythonEnvironment, body: str
) -> None:
    recorder = Recorder(lambda request: httpx.Response(200, text=body, headers={"content-type": "text/plain"}))
    with pytest.raises(DocsUnavailable) as info:
        await acme_service(tmp_path, recorder, fake_environment).fetch_docs("acme-kit", "validators")
    message = str(info.value)
    assert message.startswith("no docs for acme-kit about 'validators': acme-kit is not installed")
    assert f"{INDEX_URL}: is not an llms.txt index: it " in message


@pytest.mark.anyio
async def test_a_page_that_fails_leaves_the_others(tmp_path: Path, fake_environment: PythonEnvironment) -> None:
    def validators_down(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/validators/index.md"):
            raise httpx.ConnectError("connection reset", request=request)
        return acme_docs(request)

    service = acme_service(tmp_path, Recorder(validators_down), fake_environment)
    answer = await service.fetch_docs("acme-kit", "validators")
    assert {section.url for section in answer.sections} == {"https://docs.acme.dev/latest/changelog.md"}


@pytest.mark.anyio
async def test_mkdocs_at_the_tag_is_preferred_when_the_version_is_known(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    """pydantic has both: a version asked for reads its MkDocs sources at the tag; no version, its llms.txt."""

    def pydantic_docs(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == "https://raw.githubusercontent.com/pydantic/pydantic/v2.0/mkdocs.yml":
            return httpx.Response(200, text="nav:\n- Validators: concepts/validators.md\n")
        if url == "https://raw.githubusercontent.com/pydantic/pydantic/v2.0/docs/concepts/validators.md":
            return httpx.Response(200, text="# Validators\n\nIn 2.0, `field_validator` replaces `validator`.\n")
        if url == "https://docs.pydantic.dev/latest/llms.txt":
            return httpx.Response(
                200,
                text="# Pydantic\n\n## Concepts\n\n- [Validators](https://docs.pydantic.dev/latest/validators.md)\n",
            )
        if url == "https://docs.pydantic.dev/latest/validators.md":
            return httpx.Response(200, text="# Validators\n\nThe latest `field_validator`.\n")
        return httpx.Response(404)

    recorder = Recorder(pydantic_docs)
    settings = DocsSettings(cache_dir=tmp_path / "docs", offline=False)
    service = DocsService(
        settings=settings, environment=fake_environment, client_factory=lambda settings: recorder.client()
    )
    pinned = await service.fetch_docs("pydantic", "validators", version="2.0")
    assert pinned.version == "2.0"
    assert (
        pinned.sections[0].url == "https://raw.githubusercontent.com/pydantic/pydantic/v2.0/docs/concepts/validators.md"
    )
    latest = await service.fetch_docs("pydantic", "validators")
    assert latest.version == "latest"
    assert latest.sections[0].url == "https://docs.pydantic.dev/latest/validators.md"
    assert not [request for request in recorder.requests if request.url.path.endswith("/main/mkdocs.yml")]


@pytest.mark.anyio
async def test_an_index_is_not_used_for_a_version_it_does_not_document(
    tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    recorder = Recorder(acme_docs)
    with pytest.raises(InputError, match=r"^version: .*no version-exact online docs"):
        await acme_service(tmp_path, recorder, fake_environment).fetch_docs("acme-kit", "validators", version="1.0")
    assert recorder.requests == []
