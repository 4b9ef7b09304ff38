"""fetch_docs offline against the packages installed in the test environment, and its input errors."""

from __future__ import annotations

from importlib.metadata import version as installed_version
from pathlib import Path

import anyio
import pytest

from fastapi_expert.docs.environment import PythonEnvironment
from fastapi_expert.docs.models import DocsAnswer
from fastapi_expert.docs.service import DEFAULT_MAX_CHARS, DocsService
from fastapi_expert.errors import InputError
from tests.docs.conftest import write_distribution

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def service() -> DocsService:
    return DocsService()


def size(answer: DocsAnswer) -> int:
    return sum(len(section.title) + len(section.content) for section in answer.sections)


async def test_pydantic_field_validator(service: DocsService) -> None:
    answer = await service.fetch_docs("pydantic", "field_validator")
    assert (answer.library, answer.version) == ("pydantic", installed_version("pydantic"))
    assert answer.sections[0].title == "pydantic.field_validator"
    assert answer.sections[0].source == "installed"
    assert all("field_validator" in section.title + section.content for section in answer.sections[:2])
    assert answer.sections[0].content.startswith("```python\ndef field_validator(")


async def test_fastapi_dependencies_with_yield(service: DocsService) -> None:
    answer = await service.fetch_docs("fastapi", "dependencies with yield")
    assert answer.version == installed_version("fastapi")
    titles = [section.title for section in answer.sections]
    assert "yield" in titles[0]
    assert answer.sections[0].source == "bundled"
    assert "fastapi.Depends" in titles
    depends = next(section for section in answer.sections if section.title == "fastapi.Depends")
    assert "yield" in depends.content  # the Doc() docs of its scope parameter


async def test_sqlalchemy_async_session_execute(service: DocsService) -> None:
    answer = await service.fetch_docs("sqlalchemy", "AsyncSession.execute")
    assert (answer.library, answer.version) == ("SQLAlchemy", installed_version("sqlalchemy"))
    first = answer.sections[0]
    assert first.title == "sqlalchemy.ext.asyncio.AsyncSession.execute"
    assert first.content.startswith("```python\nasync def execute(self, statement: Executable")
    assert "Execute a statement and return a buffered" in first.content
    assert first.path is not None and first.path.split(":")[0].endswith("sqlalchemy/ext/asyncio/session.py")


async def test_each_section_is_labelled_and_carries_only_its_sources_text(service: DocsService) -> None:
    answer = await service.fetch_docs("fastapi", "lifespan events")
    sources = {section.source for section in answer.sections}
    assert "knowledge" in sources
    for section in answer.sections:
        if section.source == "knowledge":
            assert section.url is not None and section.url.startswith("knowledge://")
            assert section.content in service.knowledge.render(section.url.removeprefix("knowledge://"))
    answer = await service.fetch_docs("fastapi", "server-sent events")
    bundled = [section for section in answer.sections if section.source == "bundled"]
    assert bundled
    for section in bundled:
        assert section.path is not None
        assert section.content in await anyio.Path(section.path).read_text()  # verbatim, nothing added


@pytest.mark.parametrize("max_chars", [200, 700, 2500, DEFAULT_MAX_CHARS, 20_000])
@pytest.mark.parametrize(
    ("library", "topic"),
    [
        ("fastapi", "dependencies with yield"),
        ("fastapi", "FastAPI"),
        ("pydantic", "BaseModel"),
        ("sqlalchemy", "AsyncSession.execute"),
        ("fastapi", "lifespan"),
    ],
)
async def test_max_chars_is_respected(service: DocsService, library: str, topic: str, max_chars: int) -> None:
    answer = await service.fetch_docs(library, topic, max_chars=max_chars)
    assert answer.sections
    assert size(answer) <= max_chars


async def test_a_fake_project_environment(site: Path, fake_environment: PythonEnvironment) -> None:
    write_distribution(
        site,
        "Shop-Kit",
        "3.1.4",
        {
            "shopkit/__init__.py": 'def checkout(cart: list[str]) -> int:\n    """Pay for the cart."""\n    return 0\n',
            "shopkit/docs/guide.md": "# Guide\n\n## Checkout\n\nCall `checkout` with the cart.\n",
        },
    )
    service = DocsService(environment=fake_environment)
    answer = await service.fetch_docs("shop_kit", "checkout()")
    assert (answer.library, answer.version, answer.import_names) == ("Shop-Kit", "3.1.4", ["shopkit"])
    assert answer.environment == "fake environment"
    assert [(section.source, section.title) for section in answer.sections] == [
        ("installed", "shopkit.checkout"),  # named outright: the API comes first
        ("bundled", "Guide > Checkout"),
    ]
    answer = await service.fetch_docs("shopkit", "checkout", version="3.1")  # 3.1 is what is installed
    assert answer.version == "3.1.4"


@pytest.mark.parametrize(
    ("arguments", "argument", "message"),
    [
        ({"library": "fastapi", "topic": ""}, "topic", "is empty"),
        ({"library": "fastapi", "topic": "  \n\t "}, "topic", "is empty"),
        ({"library": "fastapi", "topic": "x" * 501}, "topic", "501 characters"),
        ({"library": "", "topic": "lifespan"}, "library", "is empty"),
        ({"library": "../../etc/passwd", "topic": "x"}, "library", "is not a distribution or import name"),
        ({"library": "fastapi/routing", "topic": "x"}, "library", "is not a distribution or import name"),
        ({"library": "C:\\fastapi", "topic": "x"}, "library", "is not a distribution or import name"),
        ({"library": "a" * 500, "topic": "x"}, "library", "500 characters"),
        ({"library": "fastapi", "topic": "x", "max_chars": 0}, "max_chars", "between 200 and 100000, got 0"),
        ({"library": "fastapi", "topic": "x", "max_chars": -5}, "max_chars", "got -5"),
        ({"library": "fastapi", "topic": "x", "max_chars": 10**9}, "max_chars", "got 1000000000"),
        ({"library": "fastapi", "topic": "x", "version": "latest!!"}, "version", "is not a version number"),
        ({"library": "fastapi", "topic": "x", "version": "0.0.1"}, "version", "0.0.1 is not installed"),
        ({"library": "fastapi_usrs", "topic": "x"}, "library", "close names: fastapi"),
        ({"library": "fastapi", "topic": "qqqzzzxv"}, "topic", "nothing in fastapi"),
    ],
)
async def test_bad_input_is_an_input_error_naming_the_argument(
    service: DocsService, arguments: dict[str, object], argument: str, message: str
) -> None:
    with pytest.raises(InputError) as info:
        await service.fetch_docs(**arguments)  # type: ignore[arg-type]
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: ")
    assert message in str(info.value)
    assert len(str(info.value)) < 500


async def test_a_library_not_installed_while_offline_is_an_input_error(fake_environment: PythonEnvironment) -> None:
    """In a project that does not have it, sqlmodel (whose docs are online) cannot be answered offline."""
    with pytest.raises(InputError) as info:
        await DocsService(environment=fake_environment).fetch_docs("sqlmodel", "x")
    assert info.value.argument == "library"
    assert "is not installed and online docs are off" in str(info.value)
