"""A resource added to the user's project in its own style (``scaffold_endpoint`` with ``project_dir``).

The layout (``project.detect_layout``) says where things go: the router becomes a module of the project's router
package and is included where the others are (``codemods.include_router``: one line and its import, nothing else
touched); the model and schemas become modules of the project's ``models``/``schemas`` packages, or are appended to
its ``models.py``/``schemas.py`` modules (their imports merged by libcst). The router depends on the project's own
session dependency (its ``SessionDep`` alias, or an alias over its ``get_db``), async or sync as the project is, and
the model derives from the project's ``Base`` (or ``SQLModel``). With Alembic, a revision creating the table goes on
top of the current head. The same resource twice is refused.
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import libcst as cst
import libcst.helpers
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from fastapi_expert.codemods.include_router import include_router
from fastapi_expert.errors import InputError, SpecError
from fastapi_expert.generate.endpoint import (
    EndpointSpec,
    ResourceTarget,
    ResourceView,
    fix_imports,
    generate_resource,
    resource_view,
)
from fastapi_expert.generate.render import format_code, render
from fastapi_expert.project import ChangeSet, ProjectLayout, detect_layout
from fastapi_expert.review.ruff import RUFF_TIMEOUT

__all__ = [
    "InPlacePlan",
    "append_module",
    "confined_project",
    "export_model",
    "plan_in_place",
    "relative_imports",
    "sorted_like",
]


@dataclass(frozen=True, slots=True)
class InPlacePlan:
    """The change set of the resource in the project, and what validation needs to know."""

    layout: ProjectLayout
    changes: ChangeSet
    view: ResourceView
    notes: list[str] = field(default_factory=list)


def confined_project(project_dir: str | Path, roots: Sequence[Path]) -> Path:
    """``project_dir`` resolved, when it exists and lies inside one of ``roots``; ``InputError`` otherwise."""
    path = Path(project_dir).expanduser()
    if not path.exists():
        raise InputError(f"{str(project_dir)!r} does not exist", argument="project_dir")
    if not path.is_dir():
        raise InputError(f"{str(project_dir)!r} is not a directory", argument="project_dir")
    resolved = path.resolve()
    allowed = [root.resolve() for root in roots]
    if not any(resolved.is_relative_to(root) for root in allowed):
        shown = ", ".join(str(root) for root in allowed)
        raise InputError(f"{str(project_dir)!r} lies outside the allowed roots ({shown})", argument="project_dir")
    return resolved


def _module_path(location_path: str, package: bool, name: str) -> tuple[str, bool]:
    """The new module's path inside a package location (``app/models/__init__.py`` -> ``app/models/<name>.py``)."""
    if package:
        return f"{PurePosixPath(location_path).parent.as_posix()}/{name}.py", True
    return location_path, False


def _target(spec: EndpointSpec, layout: ProjectLayout) -> tuple[ResourceTarget, EndpointSpec]:
    names = spec.names
    session = layout.session
    if session is None or layout.persistence == "none":
        raise InputError(
            "the project has no database session dependency (a generator yielding a SQLAlchemy or SQLModel "
            "session) for the new routes to use",
            argument="project_dir",
        )
    persistence = "sqlmodel" if layout.base is not None and layout.base.kind == "sqlmodel" else "sqlalchemy"
    if spec.persistence == "memory":
        raise SpecError(
            "persistence 'memory' is for a standalone project; the project has a database", argument="persistence"
        )
    if spec.persistence != persistence:
        spec = spec.model_copy(update={"persistence": persistence})
    model_path, _ = _module_path(layout.models.path, layout.models.package, names.snake)
    schema_path, _ = _module_path(layout.schemas.path, layout.schemas.package, names.snake)
    model_module = layout.models.module + (f".{names.snake}" if layout.models.package else "")
    schema_module = layout.schemas.module + (f".{names.snake}" if layout.schemas.package else "")
    routers = layout.routers
    router_path = f"{routers.path}/{names.plural}.py" if routers.path not in {"", "."} else f"{names.plural}.py"
    router_module = f"{routers.module}.{names.plural}" if routers.module else names.plural
    base = layout.base
    first_party = tuple(sorted({layout.app.module.split(".")[0]}))
    target = ResourceTarget(
        model_path=model_path,
        model_module=model_module,
        schema_path=schema_path,
        schema_module=schema_module,
        router_path=router_path,
        router_module=router_module,
        session_module=session.module,
        session_name=session.name,
        session_class=session.session_class,
        is_async=session.is_async,
        base_module=base.module if base is not None else layout.database.module,
        base_name=base.name if base is not None else "Base",
        first_party=first_party,
        session_is_function=session.kind == "function",
        timestamps_module=None,
    )
    return target, spec


def _bound_names(source: str) -> set[str]:
    names: set[str] = set()
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            names |= {alias.asname or alias.name.split(".")[0] for alias in statement.names}
        elif isinstance(statement, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            names |= {target.id for target in statement.targets if isinstance(target, ast.Name)}
    return names


def _imports(source: str) -> list[tuple[str, str | None, str | None, int]]:
    """``(module, name, asname, level)`` of each import of ``source`` (``name`` ``None`` for ``import x``)."""
    found: list[tuple[str, str | None, str | None, int]] = []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ImportFrom):
            found += [(statement.module or "", a.name, a.asname, statement.level) for a in statement.names]
        elif isinstance(statement, ast.Import):
            found += [(a.name, None, a.asname, 0) for a in statement.names]
    return found


def append_module(original: str, generated: str, *, path: str, module: str) -> str | None:
    """``original`` with the definitions of ``generated`` appended and its imports merged; ``None`` when a name
    ``generated`` binds is already bound in ``original`` to something else (then it needs a module of its own)."""
    bound = _bound_names(original)
    tree = ast.parse(generated)
    body = [s for s in tree.body if not isinstance(s, ast.Import | ast.ImportFrom)]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    defined = _bound_names(ast.unparse(ast.Module(body=body, type_ignores=[])))
    imported = _imports(generated)
    original_imports = {
        (asname or (name or mod).split(".")[0]): (mod, name) for mod, name, asname, _ in _imports(original)
    }
    if defined & bound:
        return None
    for mod, name, asname, _ in imported:
        key = asname or (name or mod).split(".")[0]
        if key in bound and key in original_imports and original_imports[key][1] != name:
            return None
    lines = generated.splitlines(keepends=True)
    first = body[0].lineno - 1 if body else len(lines)
    decorators = getattr(body[0], "decorator_list", []) if body else []
    if decorators:
        first = min(first, *(d.lineno - 1 for d in decorators))
    appended = original.rstrip("\n") + "\n\n\n" + "".join(lines[first:])
    package = module.rpartition(".")[0] if not path.endswith("__init__.py") else module
    context = CodemodContext(filename=path, full_module_name=module, full_package_name=package)
    for mod, name, asname, level in imported:
        key = asname or (name or mod).split(".")[0]
        if key in bound:
            continue
        if name is None:
            AddImportsVisitor.add_needed_import(context, mod, asname=asname, relative=level)
        else:
            AddImportsVisitor.add_needed_import(context, mod, name, asname=asname, relative=level)
    return AddImportsVisitor(context).transform_module(cst.parse_module(appended)).code


def _isort(source: str, path: Path, *, fix: bool) -> tuple[bool, str]:
    """ruff's isort rule (``I`` alone) on ``source`` as the file ``path``, under the project's own ruff configuration
    (found from ``path``: its line length, first-party packages, isort settings): ``(clean, fixed source)``."""
    from ruff.__main__ import find_ruff_bin

    command = [str(find_ruff_bin()), "check", "--no-cache", "--quiet", "--select", "I", "--stdin-filename", str(path)]
    if fix:
        command[2:2] = ["--fix-only", "--exit-zero"]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command line; the source goes through stdin
            [*command, "-"],
            input=source.encode(),
            capture_output=True,
            timeout=RUFF_TIMEOUT,
            check=False,
            cwd=path.parent,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False, source
    if fix:
        return completed.returncode == 0, completed.stdout.decode() if completed.returncode == 0 else source
    return completed.returncode == 0, source


def sorted_like(original: str, merged: str, path: Path) -> str:
    """``merged`` (``original`` with imports added) with its imports sorted when ``original``'s are: a project whose
    imports ruff's isort rule finds sorted (under the project's own ruff configuration) gets the new names in their
    sorted places, not appended; a project that does not sort them (or a ruff that cannot run) keeps ``merged``."""
    clean, _ = _isort(original, path, fix=False)
    if not clean:
        return merged
    fixed, result = _isort(merged, path, fix=True)
    return result if fixed and result.strip() else merged


class _Relative(cst.CSTTransformer):
    """Module-level ``from <first party> import ...`` made relative to ``package``."""

    def __init__(self, package: str, first_party: Sequence[str]) -> None:
        self.package = package.split(".") if package else []
        self.first_party = set(first_party)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        dotted = cst.helpers.get_full_name_for_node(updated_node.module) or ""
        parts = dotted.split(".")
        if parts[0] not in self.first_party or not self.package or parts[0] != self.package[0]:
            return updated_node
        common = 0
        while common < min(len(parts), len(self.package)) and parts[common] == self.package[common]:
            common += 1
        level = len(self.package) - common + 1
        rest = ".".join(parts[common:])
        module = cst.parse_expression(rest) if rest else None
        return updated_node.with_changes(
            relative=[cst.Dot() for _ in range(level)],
            module=module,
        )


def relative_imports(source: str, module: str, first_party: Sequence[str]) -> str:
    """``source`` (the module ``module``) with its first-party absolute imports made relative, sorted and formatted,
    for a project that imports its own modules relatively (``from ..database import SessionDep``)."""
    package = module.rpartition(".")[0]
    converted = cst.parse_module(source).visit(_Relative(package, first_party)).code
    return format_code(fix_imports(converted, first_party), filename=f"{module.replace('.', '/')}.py")


class _ExtendAll(cst.CSTTransformer):
    """``__all__ = [...]`` (or a tuple) with one more name, when every element is a string."""

    def __init__(self, name: str) -> None:
        self.name = name

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        targets = [t.target for t in updated_node.targets]
        value = updated_node.value
        if not (len(targets) == 1 and isinstance(targets[0], cst.Name) and targets[0].value == "__all__"):
            return updated_node
        if not isinstance(value, cst.List | cst.Tuple) or not all(
            isinstance(element.value, cst.SimpleString) for element in value.elements
        ):
            return updated_node
        quote = value.elements[0].value.value[0] if value.elements else '"'  # type: ignore[attr-defined]
        elements = list(value.elements)
        if elements:
            elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elements.append(cst.Element(cst.SimpleString(f"{quote}{self.name}{quote}")))
        return updated_node.with_changes(value=value.with_changes(elements=elements))


def export_model(source: str, *, path: str, package: str, name: str, class_name: str) -> str:
    """A models package's ``__init__`` that imports its models (``from .item import Item``) with the new one imported
    the same way (relative or absolute) and added to ``__all__``; unchanged when it imports no model module."""
    tree = ast.parse(source)
    imports = [
        s
        for s in tree.body
        if isinstance(s, ast.ImportFrom)
        and ((s.level == 1 and s.module is not None) or (s.module or "").startswith(f"{package}."))
    ]
    if not imports:
        return source
    if all(statement.level == 1 for statement in imports):
        # Without module names libcst keeps the import relative (with them it would resolve it to an absolute one).
        context = CodemodContext(filename=path)
        AddImportsVisitor.add_needed_import(context, name, class_name, relative=1)
    else:
        context = CodemodContext(filename=path, full_module_name=package, full_package_name=package)
        AddImportsVisitor.add_needed_import(context, f"{package}.{name}", class_name)
    module = AddImportsVisitor(context).transform_module(cst.parse_module(source))
    return module.visit(_ExtendAll(class_name)).code


def _refuse_duplicates(layout: ProjectLayout, view: ResourceView) -> None:
    names = view.names
    root = layout.root
    if (root / view.target.router_path).exists():
        raise InputError(
            f"{view.target.router_path} exists: the resource {names.snake!r} was added already", argument="resource"
        )
    prefix = names.url
    for endpoint in layout.routes.endpoints:
        path = getattr(endpoint, "full_path", None) or getattr(endpoint, "path", "")
        if str(path).rstrip("/").endswith(prefix) or f"{prefix}/" in str(path):
            raise InputError(f"the project already serves {prefix}/ ({path})", argument="resource")
    for location in (layout.models, layout.schemas):
        if location.exists and not location.package and (root / location.path).is_file():
            source = (root / location.path).read_text(encoding="utf-8")
            if f"class {names.class_name}(" in source or f"class {names.class_name}Create(" in source:
                raise InputError(f"{location.path} already defines {names.class_name}", argument="resource")


def plan_in_place(spec: EndpointSpec, project_dir: Path) -> InPlacePlan:
    """The change set adding ``spec``'s resource to the project at ``project_dir`` (already confined)."""
    layout = detect_layout(project_dir)
    target, spec = _target(spec, layout)
    view = resource_view(spec, target)
    _refuse_duplicates(layout, view)
    root = layout.root
    notes: list[str] = []
    new: dict[str, str] = {}
    originals: dict[str, str | None] = {}
    modules = {target.model_path: target.model_module, target.schema_path: target.schema_module}
    modules[target.router_path] = target.router_module
    for file in generate_resource(view):
        if layout.include_site.import_style == "relative":
            file = file.model_copy(
                update={"content": relative_imports(file.content, modules[file.path], target.first_party)}
            )
        on_disk = root / file.path
        if on_disk.exists():
            original = on_disk.read_text(encoding="utf-8")
            module = target.model_module if file.path == target.model_path else target.schema_module
            merged = append_module(new.get(file.path, original), file.content, path=file.path, module=module)
            if merged is None:
                raise InputError(
                    f"{file.path} already binds a name the generated {view.names.snake} code needs", argument="resource"
                )
            originals.setdefault(file.path, original)
            new[file.path] = sorted_like(original, merged, on_disk)
        else:
            originals[file.path] = None
            new[file.path] = file.content
    if layout.models.package and view.persistence != "memory":
        init = layout.models.path
        if (root / init).is_file():
            original = (root / init).read_text(encoding="utf-8")
            exported = export_model(
                original,
                path=init,
                package=layout.models.module,
                name=view.names.snake,
                class_name=view.names.class_name,
            )
            if exported != original:
                originals[init] = original
                new[init] = exported
                notes.append(f"{init}: imports {view.names.class_name}, as it does the other models")
    site = layout.include_site
    site_source = new.get(site.path) or (root / site.path).read_text(encoding="utf-8")
    originals.setdefault(site.path, (root / site.path).read_text(encoding="utf-8"))
    module_name = view.names.plural
    new[site.path] = include_router(site_source, site, module_name)
    if layout.alembic is not None:
        path, content = _alembic_revision(layout, view)
        originals[path] = None
        new[path] = content
        notes.append(f"{path}: creates the {view.names.plural} table (alembic upgrade head)")
    changes = ChangeSet.compute(root, new, originals=originals)
    return InPlacePlan(layout=layout, changes=changes, view=view, notes=notes)


_SA_TYPES = {
    "int": "sa.Integer()",
    "float": "sa.Float()",
    "bool": "sa.Boolean()",
    "Decimal": "sa.Numeric()",
    "dt.date": "sa.Date()",
    "UUID": "sa.Uuid()",
    "str": "sa.String()",
}


def _alembic_revision(layout: ProjectLayout, view: ResourceView) -> tuple[str, str]:
    alembic = layout.alembic
    assert alembic is not None  # noqa: S101 (checked by the caller)
    heads = alembic.heads
    revision = hashlib.sha256(f"{view.names.plural}:{','.join(heads)}".encode()).hexdigest()[:12]
    columns = []
    indexes: list[tuple[str, bool]] = []
    for column in view.schema_layout.columns:
        annotation = column.annotation.removesuffix(" | None")
        nullable = column.annotation.endswith("| None") or "nullable=True" in column.arguments
        first = column.arguments[0] if column.arguments else ""
        if first.startswith("String("):
            kind = f"sa.String(length={first[7:-1]})"
        elif first.startswith("DateTime("):
            kind = "sa.DateTime(timezone=True)"
        elif first == "JSON":
            kind = "sa.JSON()"
        else:
            kind = _SA_TYPES.get(annotation, "sa.String()")
        columns.append(f"sa.Column({column.name!r}, {kind}, nullable={nullable})")
        unique = "unique=True" in column.arguments
        # As SQLAlchemy creates them from the model: unique and indexed is one unique index, unique alone a
        # constraint (so `alembic check` finds nothing to change).
        if "index=True" in column.arguments:
            indexes.append((column.name, unique))
        elif unique:
            columns.append(f"sa.UniqueConstraint({column.name!r})")
    if view.spec.timestamps:
        columns.append("sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)")
        columns.append("sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False)")
    down: str | tuple[str, ...] | None = heads[0] if len(heads) == 1 else (tuple(heads) if heads else None)
    content = render(
        "resource/alembic_revision.py.j2",
        view=view,
        names=view.names,
        revision=revision,
        down_revision=down,
        columns=columns,
        indexes=indexes,
    )
    folder = alembic.versions[0]
    path = f"{folder}/{revision}_create_{view.names.plural}.py"
    return path, format_code(content, filename=path)
