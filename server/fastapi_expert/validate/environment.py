"""The environment a project's settings need to load in a validation run, read from its settings module.

A project configured by pydantic-settings often declares fields its deployment supplies (``PROJECT_NAME: str``,
``POSTGRES_SERVER: str`` in the full-stack template, filled from ``.env`` or docker compose); in the scrubbed
validation environment its ``Settings()`` fails at import. ``settings_environment`` parses the settings module (it
never imports it) and returns, for each ``BaseSettings`` subclass (directly or through another class of the module):

- **required fields** (annotated, without a default, or ``Field(...)`` without one): a test value of the field's type
  under the class' ``env_prefix`` (or the field's string ``alias``): ``str`` -> ``test``, ``int`` -> ``1``,
  ``float`` -> ``1.0``, ``bool`` -> ``false``, ``EmailStr`` -> ``test@example.com``, ``PostgresDsn`` -> a
  ``postgresql://`` URL, another URL or DSN type -> ``http://localhost``, a ``Literal`` -> its first value, a
  list/set/tuple -> ``[]``, a dict -> ``{}``;
- **the database on SQLite, when the project is configured by an override variable**: a field named ``DATABASE_URL``,
  ``DATABASE_URI``, ``DB_URL``, ``SQLALCHEMY_DATABASE_URI`` or ``SQLALCHEMY_DATABASE_URL`` whose default is ``None``
  or ``""`` (the project builds its URL from parts, ``POSTGRES_*``, unless given one) is set to a SQLite file in the
  copy (``sqlite+aiosqlite`` when the project's session is async): validation needs no database server and no
  driver. A URL field with a real default is the project's own choice and is left alone, and so is a computed one
  (a property).

A name the project's env file already defines (``env_file`` of ``model_config``, relative to the project root where
validation runs, else ``.env``) is never set: an environment variable would override the user's own value.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DATABASE_OVERRIDES", "SettingsField", "describe", "settings_environment", "settings_fields"]

#: Names of a settings field that, left unset, means "build the URL from parts" and, set, overrides it.
DATABASE_OVERRIDES = frozenset(
    {"DATABASE_URL", "DATABASE_URI", "DB_URL", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URL"}
)
_SQLITE_FILE = ".fastapi-expert-validation.db"


@dataclass(frozen=True, slots=True)
class SettingsField:
    """One annotated field of a settings class: its environment variable, annotation and whether it needs a value."""

    variable: str
    annotation: ast.expr
    required: bool
    default_is_empty: bool  # defaults to None or ""


def _is_field_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "Field")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "Field")
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _empty(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (None, "")


def _field(statement: ast.AnnAssign, prefix: str) -> SettingsField | None:
    if not isinstance(statement.target, ast.Name) or "ClassVar" in ast.unparse(statement.annotation):
        return None
    name = statement.target.id
    if name == "model_config":
        return None
    variable = f"{prefix}{name}"
    value = statement.value
    if value is not None and _is_field_call(value):
        assert isinstance(value, ast.Call)  # noqa: S101 (checked by _is_field_call)
        alias = _keyword(value, "validation_alias") or _keyword(value, "alias")
        if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
            variable = alias.value
        default = _keyword(value, "default")
        if default is None and value.args:
            default = value.args[0]
        has_default = _keyword(value, "default_factory") is not None or (
            default is not None and not (isinstance(default, ast.Constant) and default.value is Ellipsis)
        )
        return SettingsField(variable, statement.annotation, not has_default, _empty(default))
    return SettingsField(variable, statement.annotation, value is None, _empty(value))


def _prefix(body: list[ast.stmt]) -> str | None:
    """The ``env_prefix`` of ``model_config = SettingsConfigDict(...)`` (or of a ``class Config``), when literal."""
    for statement in body:
        config: ast.expr | None = None
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "env_prefix" in names and isinstance(statement.value, ast.Constant):
                return str(statement.value.value)  # inside ``class Config``
            if "model_config" in names:
                config = statement.value
        if isinstance(config, ast.Call):
            prefix = _keyword(config, "env_prefix")
            if isinstance(prefix, ast.Constant) and isinstance(prefix.value, str):
                return prefix.value
        if isinstance(config, ast.Dict):
            for key, value in zip(config.keys, config.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "env_prefix" and isinstance(value, ast.Constant):
                    return str(value.value)
        if isinstance(statement, ast.ClassDef) and statement.name == "Config":
            return _prefix(statement.body)
    return None


def _env_files(body: list[ast.stmt]) -> list[str]:
    for statement in body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "model_config" for t in statement.targets
        ):
            config = statement.value
            files = _keyword(config, "env_file") if isinstance(config, ast.Call) else None
            if isinstance(files, ast.Constant) and isinstance(files.value, str):
                return [files.value]
            if isinstance(files, ast.Tuple | ast.List):
                return [e.value for e in files.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _settings_classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    """The module's ``BaseSettings`` subclasses, bases first (a base defined in the module counts)."""
    settings: dict[str, ast.ClassDef] = {}
    for statement in tree.body:
        if not isinstance(statement, ast.ClassDef):
            continue
        bases = [ast.unparse(base).rpartition(".")[2] for base in statement.bases]
        if any(base == "BaseSettings" or base in settings for base in bases):
            settings[statement.name] = statement
    yield from settings.values()


def settings_fields(source: str) -> tuple[list[SettingsField], list[str]]:
    """The fields of the settings classes of ``source`` (inherited ones included, under the prefix of the class that
    inherits them) and the env files they read."""
    tree = ast.parse(source)
    fields: dict[str, SettingsField] = {}
    env_files: list[str] = []
    statements: dict[str, list[ast.AnnAssign]] = {}
    prefixes: dict[str, str] = {}
    for cls in _settings_classes(tree):
        bases = [ast.unparse(base).rpartition(".")[2] for base in cls.bases]
        inherited = [s for base in bases for s in statements.get(base, [])]
        statements[cls.name] = [*inherited, *(s for s in cls.body if isinstance(s, ast.AnnAssign))]
        own = _prefix(cls.body)
        prefixes[cls.name] = own if own is not None else next((prefixes[b] for b in bases if b in prefixes), "")
        env_files += _env_files(cls.body)
        for statement in statements[cls.name]:
            field = _field(statement, prefixes[cls.name])
            if field is not None:
                fields[field.variable] = field
    return list(fields.values()), env_files


def _test_value(annotation: ast.expr) -> str:
    text = ast.unparse(annotation)
    literal = next(
        (
            node.slice
            for node in ast.walk(annotation)
            if isinstance(node, ast.Subscript) and ast.unparse(node.value).rpartition(".")[2] == "Literal"
        ),
        None,
    )
    if literal is not None:
        first = literal.elts[0] if isinstance(literal, ast.Tuple) else literal
        if isinstance(first, ast.Constant):
            return str(first.value)
    # The outermost type decides (``list[AnyUrl]`` is a list); optional parts do not.
    outer = text.split("|")[0].strip().split("[")[0].rpartition(".")[2]
    if outer in {"list", "List", "set", "Set", "tuple", "Tuple", "frozenset", "Sequence"}:
        return "[]"
    if outer in {"dict", "Dict", "Mapping"}:
        return "{}"
    values = {"bool": "false", "int": "1", "float": "1.0", "EmailStr": "test@example.com"}
    if outer in values:
        return values[outer]
    if outer == "PostgresDsn":
        return "postgresql://test:test@localhost:5432/test"
    if outer.endswith(("Url", "URL", "Dsn")):
        return "http://localhost"
    return "test"


def _defined_in(root: Path, env_files: list[str]) -> set[str]:
    names: set[str] = set()
    for name in env_files or [".env"]:
        path = root / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            key, equals, _ = line.removeprefix("export ").partition("=")
            if equals and not key.lstrip().startswith("#"):
                names.add(key.strip())
    return names


def settings_environment(root: Path, settings_path: str | None, *, is_async: bool = False) -> dict[str, str]:
    """The variables to add to the validation environment of the project (copy) at ``root`` whose settings module
    is ``settings_path`` (relative to ``root``; ``None`` or missing: none). See the module docstring for the rules."""
    if settings_path is None or not (root / settings_path).is_file():
        return {}
    try:
        fields, env_files = settings_fields((root / settings_path).read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    defined = _defined_in(root, env_files)
    environment: dict[str, str] = {}
    for field in fields:
        if field.variable in defined or field.variable.upper() in defined:
            continue
        if _is_override(field):
            scheme = "sqlite+aiosqlite" if is_async else "sqlite"
            environment[field.variable] = f"{scheme}:///{(root.resolve() / _SQLITE_FILE).as_posix()}"
        elif field.required:
            environment[field.variable] = _test_value(field.annotation)
    return environment


def _is_override(field: SettingsField) -> bool:
    name = field.variable.upper()
    return field.default_is_empty and any(name.endswith(override) for override in DATABASE_OVERRIDES)


def describe(environment: Mapping[str, str]) -> str:
    """``NAME=value, ...`` for a note."""
    return ", ".join(f"{name}={value}" for name, value in sorted(environment.items()))
