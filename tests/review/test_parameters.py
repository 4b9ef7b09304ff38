"""How the module index reads route parameters (``ModuleIndex.parameters``, ``type_kind``, ``annotated_parts``) and
how rule contexts write fixes that add arguments, delete lines and import names."""

from __future__ import annotations

import ast

import pytest

from fastapi_expert.review.context import RuleContext, SourceFile
from fastapi_expert.review.fixes import apply_edits
from fastapi_expert.review.index import ModuleIndex, path_parameters

PRELUDE = (
    "import enum\nimport uuid\nfrom typing import Annotated, Literal, Optional, Union\n"
    "from fastapi import Body, Depends, FastAPI, Query, Request, UploadFile\nfrom pydantic import BaseModel\n"
    "class Item(BaseModel):\n    name: str\nclass Color(enum.Enum):\n    RED = 'red'\n"
    "def dep() -> int: ...\nItemDep = Annotated[Item, Depends(dep)]\n"
)


def index_of(code: str) -> ModuleIndex:
    return ModuleIndex(ast.parse(code))


def sources(signature: str, path: str = "/") -> dict[str, str]:
    index = index_of(PRELUDE + f"app = FastAPI()\n@app.get('{path}')\ndef route({signature}): ...\n")
    route = index.routes[0]
    return {p.name: p.source for p in index.parameters(route.function, path_parameters(path))}


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("q: str, u: uuid.UUID, c: Color, k: Literal['a', 'b'], n: int | None = None, x=1", "query"),
        ("q: Annotated[list[str], Query()], o: Optional[dict] = Query(None)", "query"),
        ("item: Item, items: list[str], data: dict, both: Union[Item, None] = None", "body"),
        ("item: ItemDep, d: int = Depends(dep)", "dependency"),
        ("request: Request", "special"),
        ("file: UploadFile, files: list[UploadFile]", "file"),
        ("u: 'uuid.UUID', s: str | int", "query"),
    ],
)
def test_parameters_are_read_where_fastapi_reads_them(signature: str, expected: str) -> None:
    """Scalars come from the query string, lists and models from the body, markers and aliases decide."""
    assert set(sources(signature).values()) == {expected}


def test_path_parameters_and_unknown_types() -> None:
    """A name of the path is a path parameter; a type the module cannot see is unknown, not guessed."""
    found = sources("item_id: int, other: SomethingImported, mixed: Item | int, text: 'not valid('", "/{item_id}")
    assert found == {"item_id": "path", "other": "unknown", "mixed": "unknown", "text": "unknown"}


def test_path_parameters_follow_starlette() -> None:
    """Converters are dropped; OpenAPI callback expressions are not parameters."""
    assert path_parameters("/files/{file_path:path}/{id}") == ("file_path", "id")
    assert path_parameters("{$callback_url}/invoices/{$request.body.id}") == ()


def test_type_kind_of_bare_and_generic_types() -> None:
    index = index_of(PRELUDE + "from typing import List, Mapping\nimport collections.abc\n")
    kind = index.type_kind
    assert kind(None) == "scalar"
    assert kind(ast.parse("list", mode="eval").body) == "sequence"
    assert kind(ast.parse("dict", mode="eval").body) == "mapping"
    assert kind(ast.parse("Mapping[str, int]", mode="eval").body) == "mapping"
    assert kind(ast.parse("Literal['a']", mode="eval").body) == "scalar"
    assert kind(ast.parse("type[int]", mode="eval").body) is None
    assert index.is_optional(ast.parse("Optional[int]", mode="eval").body)
    assert not index.is_optional(ast.parse("Union[int, str]", mode="eval").body)


def test_annotated_parts_through_strings_and_aliases() -> None:
    index = index_of(PRELUDE)
    type_, extras = index.annotated_parts(ast.parse("'ItemDep'", mode="eval").body)
    assert ast.unparse(type_) == "Item" if type_ else False
    assert [ast.unparse(e) for e in extras] == ["Depends(dep)"]


def test_subclasses_through_module_classes() -> None:
    index = index_of("from pydantic import BaseModel\nclass A(BaseModel): ...\nclass B(A): ...\nclass C: ...\n")
    assert index.model_classes == frozenset({"A", "B"})


# -- context edits ---------------------------------------------------------------------------------------------------


def context_of(code: str) -> RuleContext:
    return RuleContext(SourceFile("case.py", code), ast.parse(code))


def imported(code: str, module: str, name: str) -> tuple[str, str] | None:
    context = context_of(code)
    result = context.import_name(module, name)
    return None if result is None else (result[0], apply_edits(code, result[1]))


@pytest.mark.parametrize(
    ("code", "module", "name", "expected"),
    [
        # already imported, under an alias or through its module
        ("from fastapi import Query as Q\n", "fastapi", "Query", ("Q", "from fastapi import Query as Q\n")),
        ("import fastapi\n", "fastapi", "Query", ("fastapi.Query", "import fastapi\n")),
        # added to an existing from-import, even a parenthesized one
        (
            "from fastapi import (\n    FastAPI,\n)\n",
            "fastapi",
            "Query",
            ("Query", "from fastapi import (\n    FastAPI, Query,\n)\n"),
        ),
        # a new line in its group
        (
            "import os\nimport fastapi\n",
            "typing",
            "Annotated",
            ("Annotated", "from typing import Annotated\nimport os\nimport fastapi\n"),
        ),
        ("import os\n", "fastapi", "Query", ("Query", "import os\n\nfrom fastapi import Query\n")),
        ('"""Doc."""\n', "typing", "Annotated", ("Annotated", '"""Doc."""\nfrom typing import Annotated\n')),
        (
            "from __future__ import annotations\n",
            "fastapi",
            "Query",
            ("Query", "from __future__ import annotations\nfrom fastapi import Query\n"),
        ),
        ("x = 1\n", "fastapi", "Query", ("Query", "from fastapi import Query\nx = 1\n")),
        # the name is taken
        ("Query = None\n", "fastapi", "Query", None),
    ],
)
def test_import_name(code: str, module: str, name: str, expected: tuple[str, str] | None) -> None:
    assert imported(code, module, name) == expected


def test_add_argument_and_delete_lines() -> None:
    code = "f()\ng(1, b=2)\n@deco  # note\ndef h(): ...\nx = 1; y = 2\n"
    context = context_of(code)
    tree = context.tree
    f_call, g_call = (statement.value for statement in tree.body[:2] if isinstance(statement, ast.Expr))
    assert isinstance(f_call, ast.Call) and isinstance(g_call, ast.Call)
    function = tree.body[2]
    assert isinstance(function, ast.FunctionDef)
    edits = [
        context.source.add_argument(f_call, "a=1"),
        context.source.add_argument(g_call, "c=3"),
        context.source.delete_lines(function.decorator_list[0]),
    ]
    assert (
        apply_edits(code, [e for e in edits if e is not None]) == "f(a=1)\ng(1, b=2, c=3)\ndef h(): ...\nx = 1; y = 2\n"
    )
    assert context.source.delete_lines(tree.body[3]) is None
