"""ProjectSources and StaticValues: modules named as Python imports them, parsed lazily and safely, names followed
across modules, and prefix expressions evaluated without running anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fastapi_expert.errors import SourceParseError
from fastapi_expert.project import sources as sources_module
from fastapi_expert.project.sources import ProjectSources, statements_of
from fastapi_expert.project.values import StaticValues


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_module_names_follow_packages_namespace_folders_and_source_roots(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.py": "",
            "app/routers/items.py": "",  # namespace folders: named from the project root
            "src/shop/__init__.py": "",
            "src/shop/api/__init__.py": "",
            "src/shop/api/v1.py": "",
            "services/billing/pkg/__init__.py": "",  # a regular package deep down: named from its top package
            "services/billing/pkg/core.py": "",
            "my-scripts/tool.py": "",  # no import name
        },
    )
    sources = ProjectSources(tmp_path)
    assert sources.names_by_path == {
        "main.py": "main",
        "app/routers/items.py": "app.routers.items",
        "src/shop/__init__.py": "shop",
        "src/shop/api/__init__.py": "shop.api",
        "src/shop/api/v1.py": "shop.api.v1",
        "services/billing/pkg/__init__.py": "pkg",
        "services/billing/pkg/core.py": "pkg.core",
    }
    assert "my-scripts/tool.py" in sources.files


def test_a_root_that_is_itself_a_package_is_named_from_its_parent(tmp_path: Path) -> None:
    root = write(tmp_path / "app", {"__init__.py": "", "main.py": "", "api/__init__.py": "", "api/deps.py": ""})
    assert ProjectSources(root).names_by_path == {
        "__init__.py": "app",
        "main.py": "app.main",
        "api/__init__.py": "app.api",
        "api/deps.py": "app.api.deps",
    }


def test_folders_without_project_code_are_not_entered(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.py": "",
            "node_modules/pkg/x.py": "",
            ".git/hooks/x.py": "",
            ".tox/py311/x.py": "",
            "__pycache__/x.py": "",
            "environment/pyvenv.cfg": "home = /usr/bin\n",  # a virtualenv under any name
            "environment/lib/x.py": "",
            "build/lib/x.py": "",
        },
    )
    assert list(ProjectSources(tmp_path).files) == ["main.py"]


def test_relative_imports_and_re_exports_resolve_across_modules(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "from .routers import items_router\nfrom . import routers as r\nfrom ..x import y\n",
            "app/routers/__init__.py": "from .items import router as items_router\n",
            "app/routers/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        },
    )
    sources = ProjectSources(tmp_path)
    main = sources.module("app.main")
    assert main is not None
    assert main.relative_imports == {"items_router": "app.routers.items_router", "r": "app.routers"}
    expression = ast.parse("items_router", mode="eval").body
    assert main.resolve(expression) == "app.routers.items_router"
    definition = sources.definition("app.routers.items_router")
    assert definition is not None
    assert (definition.module.name, definition.name, definition.attributes) == ("app.routers.items", "router", ())
    assert sources.definition("app.routers.nothing") is None
    assert sources.definition("fastapi.FastAPI") is None


def test_statements_are_listed_with_their_scopes_and_whether_they_are_direct() -> None:
    tree = ast.parse(
        "import a\nif x:\n    b = 1\ndef f():\n    c = 2\n    try:\n        d = 3\n    except E:\n        e = 4\n"
        "class K:\n    g = 5\n"
    )
    listed = [(type(s.node).__name__, s.node.lineno, [f.name for f in s.scopes], s.direct) for s in statements_of(tree)]
    assert listed == [
        ("Import", 1, [], True),
        ("If", 2, [], True),
        ("Assign", 3, [], False),
        ("FunctionDef", 4, [], True),
        ("Assign", 5, ["f"], True),
        ("Try", 6, ["f"], True),
        ("Assign", 7, ["f"], False),
        ("Assign", 9, ["f"], False),
        ("ClassDef", 10, [], True),
        ("Assign", 11, [], False),
    ]


def test_user_files_are_parsed_without_raising_their_warnings(tmp_path: Path) -> None:
    """An invalid escape is a SyntaxWarning: the user's to fix, never an error of ours (pytest turns warnings into
    errors here, so this test fails if one escapes)."""
    write(tmp_path, {"main.py": 'import re\nfrom fastapi import FastAPI\nPATTERN = re.compile("\\d+")\n'})
    sources = ProjectSources(tmp_path)
    assert sources.at("main.py") is not None
    assert sources.unparsed == {}


def test_encodings_a_bom_and_a_coding_cookie(tmp_path: Path) -> None:
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfNAME = 'caf\xc3\xa9'\n")
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n")
    (tmp_path / "broken.py").write_bytes(b"NAME = 'caf\xe9'\n")
    sources = ProjectSources(tmp_path)
    for name in ("bom.py", "latin.py"):
        module = sources.at(name)
        assert module is not None
        assert "café" in module.source.text
    assert sources.at("broken.py") is None
    assert sources.unparsed["broken.py"].message.startswith("cannot be decoded")


def test_large_files_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources_module, "MAX_FILE_BYTES", 10)
    write(tmp_path, {"big.py": "from fastapi import FastAPI\n"})
    sources = ProjectSources(tmp_path)
    assert sources.relevant() == ()
    assert sources.unparsed["big.py"].message == "larger than 10 bytes: not read"


def test_only_relevant_modules_are_parsed_up_front(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "routes.py": "from main import app\n\n@app.get('/x')\ndef x(): ...\n",  # no FastAPI name in the text
            "util.py": "def helper(:\n",
        },
    )
    sources = ProjectSources(tmp_path)
    assert [m.path for m in sources.relevant()] == ["main.py", "routes.py"]
    assert sources.unparsed == {}  # util.py was not needed, so not parsed
    assert sources.at("util.py") is None
    assert sources.unparsed["util.py"].line == 1


def test_single_module_source() -> None:
    sources = ProjectSources.single("x = 1\n", "pkg\\my-module.py")
    assert list(sources.names_by_path.items()) == [("pkg/my-module.py", "module")]
    with pytest.raises(SourceParseError, match="does not parse"):
        ProjectSources.single("def f(:\n", "a.py")


def test_modules_given_as_text_are_named_and_resolved_as_the_same_files_on_disk(tmp_path: Path) -> None:
    files = {
        "main.py": "from app.routers import items\nfrom fastapi import FastAPI\napp = FastAPI()\n",
        "app/routers/items.py": "from fastapi import APIRouter\nrouter = APIRouter()\n",
        "src/shop/__init__.py": "",
        "src/shop/api/v1.py": "from .. import x\n",
        "services/billing/pkg/__init__.py": "",
        "services/billing/pkg/core.py": "def f(:\n",
        "my-scripts/tool.py": "",
    }
    on_disk = ProjectSources(write(tmp_path, files))
    in_memory = ProjectSources.from_texts(dict(reversed(files.items())))
    assert list(in_memory.names_by_path.items()) == list(on_disk.names_by_path.items())
    assert list(in_memory.files) == list(on_disk.files)
    assert (
        [m.path for m in in_memory.relevant()]
        == [m.path for m in on_disk.relevant()]
        == ["main.py", "app/routers/items.py"]
    )
    main = in_memory.module("main")
    assert main is not None
    assert main.resolve(ast.parse("items.router").body[0].value) == "app.routers.items.router"  # type: ignore[attr-defined]
    assert in_memory.at("services/billing/pkg/core.py") is on_disk.at("services/billing/pkg/core.py") is None
    assert in_memory.unparsed["services/billing/pkg/core.py"] == on_disk.unparsed["services/billing/pkg/core.py"]


# -- static values -----------------------------------------------------------------------------------------------------

SETTINGS = """
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings


class Base(BaseSettings):
    ROOT: str = "/root"


class Settings(Base):
    API_V1_STR: str = "/api/v1"
    ADMIN: str = Field(default="/admin")
    DOCS: str = Field("/docs")
    FROM_ENV: str


settings = Settings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
"""


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('"/plain"', "/plain"),
        ("settings.API_V1_STR", "/api/v1"),
        ("config.settings.API_V1_STR", "/api/v1"),
        ("get_settings().API_V1_STR", "/api/v1"),
        ("Settings.API_V1_STR", "/api/v1"),
        ("settings.ROOT", "/root"),  # inherited from a base class
        ("settings.ADMIN", "/admin"),
        ("settings.DOCS", "/docs"),
        ('f"{settings.API_V1_STR}/items"', "/api/v1/items"),
        ('settings.API_V1_STR + "/users"', "/api/v1/users"),
        ("PREFIX", "/local"),
        ("VERSIONED", "/v2"),
        ("settings.FROM_ENV", None),  # no default: set by the environment
        ("TWICE", None),  # bound twice: not a constant
        ('os.environ["PREFIX"]', None),
        ('f"{settings.API_V1_STR!r}"', None),
        ("settings.MISSING", None),
        ("unknown_name", None),
    ],
)
def test_static_string_values(tmp_path: Path, expression: str, value: str | None) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": SETTINGS,
            "app/constants.py": 'VERSION = "v2"\nVERSIONED = f"/{VERSION}"\n',
            "app/main.py": (
                "import os\nfrom app import config\nfrom app.config import Settings, get_settings, settings\n"
                "from app.constants import VERSIONED\n"
                f'PREFIX = "/local"\nTWICE = "/a"\nTWICE = "/b"\nVALUE = {expression}\n'
            ),
        },
    )
    sources = ProjectSources(tmp_path)
    main = sources.module("app.main")
    assert main is not None
    node = main.index.module_constants.get("VALUE") or main.tree.body[-1].value  # type: ignore[attr-defined]
    assert StaticValues(sources).string(main, node) == value


def test_a_function_local_is_not_a_constant() -> None:
    sources = ProjectSources.single('PREFIX = "/x"\ndef f(PREFIX):\n    return PREFIX\n', "m.py")
    module = sources.module("m")
    assert module is not None
    function = module.index.functions["f"]
    returned = function.body[0].value  # type: ignore[attr-defined]
    values = StaticValues(sources)
    assert values.string(module, returned, (function,)) is None
    assert values.string(module, returned) == "/x"


def test_python_314_unparenthesized_except_parses_on_older_interpreters(tmp_path: Path) -> None:
    """The full-stack template targets Python 3.14 and writes ``except InvalidTokenError, ValidationError:``."""
    write(
        tmp_path,
        {
            "deps.py": (
                "from fastapi import HTTPException\n\ndef f():\n    try:\n        pass\n"
                "    except ValueError, KeyError:\n        raise HTTPException(status_code=403)\n"
                "    try:\n        pass\n    except* OSError, EOFError :\n        pass\n"
            )
        },
    )
    sources = ProjectSources(tmp_path)
    module = sources.at("deps.py")
    assert module is not None, sources.unparsed
    first, second = module.index.functions["f"].body
    assert isinstance(first, ast.Try)
    assert isinstance(second, ast.TryStar)
    assert ast.unparse(first.handlers[0].type or ast.Pass()) == "(ValueError, KeyError)"
    assert first.handlers[0].lineno == 6
    assert ast.unparse(second.handlers[0].type or ast.Pass()) == "(OSError, EOFError)"


def test_other_syntax_errors_are_reported_as_they_are(tmp_path: Path) -> None:
    write(
        tmp_path, {"a.py": "from fastapi import FastAPI\ntry:\n    pass\nexcept ValueError, KeyError as e:\n    pass\n"}
    )
    sources = ProjectSources(tmp_path)
    assert sources.at("a.py") is None
    assert sources.unparsed["a.py"].line == 4
