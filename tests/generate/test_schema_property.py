"""Property tests: random valid FieldSpec lists and random JSON samples always give a schema module that is ruff- and
review-clean, imports, round-trips its own example data (built here from the field specs, or the sample itself), has
an empty update, and serves the probe's create and update in a started copy of the reference app."""

from __future__ import annotations

import datetime as dt
import keyword
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_expert.generate.schema import build_schema_spec, generate_schema
from fastapi_expert.generate.specs import RESERVED_NAMES, FieldSpec, SchemaSpec
from fastapi_expert.review.engine import ReviewRequest, review_code
from fastapi_expert.review.ruff import RuffRun
from tests.generate.exercise import check_routes, classes, mounted

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)

NAMES = st.from_regex(r"\A[a-z][a-z0-9_]{0,11}\Z").filter(
    # `l` is a valid name that pycodestyle calls ambiguous (E741): a user's choice, not something we generate.
    lambda n: not keyword.iskeyword(n) and n not in {*RESERVED_NAMES, "id", "l"} and not n.startswith("model_")
)
#: Patterns with a string that matches them.
PATTERNS = [(r"^[a-z]+$", "abc"), (r"^[A-Z]{2}-\d{3}$", "AB-123"), (r"^\S+$", "x1"), ("^it's$", "it's")]
SCALARS = ["str", "int", "float", "bool", "decimal", "datetime", "date", "uuid", "email", "url"]
LISTS = ["list[str]", "list[int]", "dict"]


@st.composite
def field_specs(draw: st.DrawFn, name: str) -> tuple[dict[str, Any], Any]:
    """A valid FieldSpec (as the tool receives it) and a valid value for it."""
    kind = draw(st.sampled_from([*SCALARS, *LISTS, "enum"]))
    spec: dict[str, Any] = {"name": name, "type": "str" if kind == "enum" else kind}
    value: Any
    if kind == "enum":
        values = draw(st.lists(st.text("abcdefg -'\"\\", min_size=1, max_size=6), min_size=1, max_size=4, unique=True))
        spec["enum"] = values
        value = draw(st.sampled_from(values))
    elif kind == "str":
        if draw(st.booleans()):
            pattern, value = draw(st.sampled_from(PATTERNS))
            spec["pattern"] = pattern
        else:
            low = draw(st.integers(0, 5))
            high = draw(st.integers(low, 40) | st.none())
            spec.update({k: v for k, v in (("min_length", low or None), ("max_length", high)) if v is not None})
            value = "a" * max(low, 1 if high != 0 else 0)
    elif kind in {"int", "float", "decimal"}:
        low = draw(st.integers(-1000, 1000))
        high = draw(st.integers(low + 2, low + 5000))
        spec[draw(st.sampled_from(["ge", "gt"]))] = low
        spec[draw(st.sampled_from(["le", "lt"]))] = high
        value = low + 1 if kind == "int" else (str(Decimal(low) + Decimal("1.5")) if kind == "decimal" else low + 1.5)
    elif kind in {"list[str]", "list[int]", "dict"}:
        low = draw(st.integers(0, 2))
        spec.update({"min_length": low or None, "max_length": draw(st.integers(low, 5) | st.none())})
        spec = {k: v for k, v in spec.items() if v is not None}
        item = {"list[str]": "x", "list[int]": 1}.get(kind)
        value = [item] * low if item is not None else {f"k{i}": i for i in range(low)}
    else:
        value = {
            "bool": True,
            "datetime": "2024-05-01T08:30:00Z",
            "date": "2024-05-01",
            "uuid": "0b5a9f3e-8c1d-4a3b-9f2e-1d2c3b4a5e6f",
            "email": "someone@example.com",
            "url": "https://example.com/x",
        }[kind]
    if draw(st.booleans()):
        spec["description"] = draw(st.text(max_size=30))
    optional = draw(st.sampled_from(["required", "optional", "default", "nullable"]))
    if optional == "optional":
        spec["required"] = False
    elif optional == "default" and not FieldSpec(name=name, type="str").write_only:
        spec["default"] = value
    elif optional == "nullable":
        spec["nullable"] = True
    return spec, value


@st.composite
def field_lists(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    names = draw(st.lists(NAMES, min_size=1, max_size=8, unique=True))
    pairs = [draw(field_specs(name)) for name in names]
    return [spec for spec, _ in pairs], {spec["name"]: value for spec, value in pairs}


def assert_clean(files: list[Any]) -> None:
    for file in files:
        assert RuffRun(stdin=file.content, stdin_filename=file.path, select=("E", "F", "W", "B", "UP")).result() == []
        findings = review_code(file.content, file.path, ReviewRequest()).findings
        assert [f for f in findings if f.severity == "error"] == []


def assert_round_trips(spec: SchemaSpec, example: dict[str, Any]) -> None:
    create, update, read = classes(spec)
    created = create.model_validate(example)
    wire = created.model_dump(mode="json", by_alias=True)
    again = create.model_validate(wire)
    assert again == created
    assert again.model_dump(mode="json", by_alias=True) == wire
    returned = read.model_validate({**created.model_dump(), "id": 1})
    assert {k: v for k, v in returned.model_dump(mode="json").items() if k != "id"}.items() <= (
        created.model_dump(mode="json").items()
    )
    assert update().model_dump(exclude_unset=True) == {}


@PROPERTY
@given(case=field_lists(), orm=st.booleans())
def test_random_field_specs_give_working_schemas(
    case: tuple[list[dict[str, Any]], dict[str, Any]], orm: bool, tmp_path_factory: Any
) -> None:
    raw, example = case
    spec, _ = build_schema_spec("Thing", fields=[FieldSpec.model_validate(f) for f in raw], orm=orm)
    files = generate_schema(spec)
    assert_clean(files)
    root: Path = tmp_path_factory.mktemp("fields")
    with mounted(root, [*files, *_probe(spec)]):
        assert_round_trips(spec, example)
        check_routes(spec, root, example)


JSON_KEYS = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_ -]{0,9}\Z").filter(lambda k: k != "id")
SCALAR_VALUES = (
    st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.booleans()
    | st.text(max_size=10)
    | st.sampled_from(["2024-05-01T08:30:00Z", "2024-05-01", "ops@example.com", "https://example.com/a", None])
    | st.just(str(dt.date(2020, 1, 1)))
)


def json_objects(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    values: st.SearchStrategy[Any] = SCALAR_VALUES | st.lists(st.integers(0, 9), max_size=3)
    if depth > 0:
        values = values | json_objects(depth - 1) | st.lists(json_objects(depth - 1), min_size=1, max_size=2)
    return st.dictionaries(JSON_KEYS, values, min_size=1, max_size=5)


@PROPERTY
@given(sample=json_objects(2), orm=st.booleans())
def test_random_json_samples_give_working_schemas(sample: dict[str, Any], orm: bool, tmp_path_factory: Any) -> None:
    spec, _ = build_schema_spec("Thing", json_sample=sample, orm=orm)
    files = generate_schema(spec)
    assert_clean(files)
    root: Path = tmp_path_factory.mktemp("sample")
    with mounted(root, [*files, *_probe(spec)]):
        assert_round_trips(spec, sample)
        check_routes(spec, root, sample)


def _probe(spec: SchemaSpec) -> list[Any]:
    from fastapi_expert.generate.schema import probe_files

    return probe_files(spec)


SANDBOXED = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SANDBOXED
@given(case=field_lists(), orm=st.booleans())
def test_random_field_specs_pass_the_sandboxed_validation(case: tuple[list[dict[str, Any]], dict[str, Any]], orm: bool):
    """What the tool returns passes its own validation (syntax, ruff, review, import, start-up, OpenAPI and the probe's
    requests in the sandboxed reference app), not only the in-process checks above: fewer examples, each a real run."""
    import anyio

    from fastapi_expert.generate.schema import write_schema

    raw, _ = case
    spec, notes = build_schema_spec("Thing", fields=[FieldSpec.model_validate(f) for f in raw], orm=orm)
    result = anyio.run(write_schema, spec, notes)
    assert result.validation.ok, result.validation
    assert [step.name for step in result.validation.steps if step.ok] == [
        "syntax",
        "ruff",
        "review",
        "import",
        "startup",
        "openapi",
        "routes",
    ]


@SANDBOXED
@given(sample=json_objects(2), orm=st.booleans())
def test_random_json_samples_pass_the_sandboxed_validation(sample: dict[str, Any], orm: bool) -> None:
    """The same for schemas inferred from random JSON samples."""
    import anyio

    from fastapi_expert.generate.schema import write_schema

    spec, notes = build_schema_spec("Thing", json_sample=sample, orm=orm)
    result = anyio.run(write_schema, spec, notes)
    assert result.validation.ok, result.validation
