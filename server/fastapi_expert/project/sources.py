"""The project's Python modules, found on disk, named as Python imports them and parsed (``ast``) when first needed.

Nothing of the user's code is imported or run. Folders that hold no project code (virtualenvs, ``.git``,
``node_modules``, caches, build output) are never entered. A module name is what ``import`` would use when the app is
run from the project root (or ``src/``/``backend/``): a file inside regular packages is named from its topmost
package; a file in a plain folder from the deepest of those roots. Names resolve across modules: ``items.router``
seen from ``app.main`` after ``from .routers import items`` is ``router`` defined in ``app.routers.items``, also
through re-exports in ``__init__.py``.
"""

from __future__ import annotations

import ast
import os
import re
import tokenize
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from pathlib import Path, PurePosixPath

from fastapi_expert.errors import SourceParseError
from fastapi_expert.review.context import SourceFile
from fastapi_expert.review.index import FunctionNode, ModuleIndex, dotted_name
from fastapi_expert.review.names import import_bindings

__all__ = [
    "MAX_FILE_BYTES",
    "Definition",
    "Module",
    "ProjectSources",
    "Statement",
    "UnparsedFile",
    "parse_module",
    "statements_of",
]

#: Files larger than this are not read (generated code, data dumps): they are recorded as unparsed.
MAX_FILE_BYTES = 2_000_000
_SKIPPED_DIRECTORIES = frozenset(
    {
        "__pycache__",
        "node_modules",
        "site-packages",
        "venv",
        "build",
        "dist",
        "htmlcov",
        "__pypackages__",
    }
)
#: Text that makes a module worth parsing up front (others are parsed when a name leads to them).
_RELEVANT = re.compile(
    rb"fastapi|FastAPI|APIRouter|include_router|add_api_route|sqlalchemy|sqlmodel|[Ss]ession|TestClient|BaseSettings"
    rb"|Depends|@[\w.]+\.(?:get|post|put|patch|delete|options|head|trace|api_route)\("
)


@dataclass(frozen=True, slots=True)
class UnparsedFile:
    """A Python file that was needed but could not be read or parsed: skipped, and said why."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Definition:
    """Where a qualified name is bound: the module, the name in it, and attributes taken from it (``settings.X``)."""

    module: Module
    name: str
    attributes: tuple[str, ...] = ()


class Module:
    """One parsed module: its import name, file, text, tree and the review engine's ``ModuleIndex`` over it."""

    def __init__(self, name: str, path: str, source: SourceFile, tree: ast.Module, *, is_package: bool) -> None:
        self.name = name
        self.path = path
        self.source = source
        self.tree = tree
        self.statements = statements_of(tree)
        self.index: ModuleIndex = _StatementIndex(tree, self.statements)
        self.is_package = is_package

    def __repr__(self) -> str:
        return f"Module({self.name!r}, {self.path!r})"

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @cached_property
    def relative_imports(self) -> dict[str, str]:
        """Local name -> absolute qualified name for ``from . import x`` / ``from .a import b as c`` anywhere."""
        found: dict[str, str] = {}
        for statement in self.statements:
            node = statement.node
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                base = self.package.split(".") if self.package else []
                if node.level > len(base):
                    continue  # beyond the top-level package: an ImportError at run time
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name
        return found

    def resolve(self, node: ast.AST, scopes: tuple[FunctionNode, ...] = ()) -> str | None:
        """The qualified name ``node`` refers to (``ModuleIndex.resolve``, plus relative imports)."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        if head in self.relative_imports and not any(head in self.index.function_locals(s) for s in scopes):
            qualified = self.relative_imports[head]
            return f"{qualified}.{rest}" if rest else qualified
        return self.index.resolve(node, scopes)

    @cached_property
    def scopes(self) -> dict[int, tuple[FunctionNode, ...]]:
        """``id()`` of each statement -> the functions enclosing it."""
        return {id(statement.node): statement.scopes for statement in self.statements}

    def segment(self, node: ast.AST) -> str:
        return self.source.segment(node)

    def position(self, node: ast.AST) -> tuple[int, int]:
        """``node``'s start as 1-based line and 1-based character column."""
        line, column = self.source.start(node)
        return line, column + 1


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement of a module, the functions enclosing it (outermost first), and whether it sits directly in the
    module's or its function's body (not inside an ``if``, ``for``, ``try``...)."""

    node: ast.stmt
    scopes: tuple[FunctionNode, ...]
    direct: bool


def statements_of(tree: ast.Module) -> tuple[Statement, ...]:
    """Every statement of ``tree`` in source order, through compound statements and function and class bodies
    (expressions are not entered: much cheaper than ``ast.walk``)."""
    found: list[Statement] = []

    def visit(body: list[ast.stmt], scopes: tuple[FunctionNode, ...], direct: bool) -> None:
        for node in body:
            found.append(Statement(node, scopes, direct))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node.body, (*scopes, node), True)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, scopes, False)
            elif isinstance(node, ast.Try | ast.TryStar):
                visit(node.body, scopes, False)
                for handler in node.handlers:
                    visit(handler.body, scopes, False)
                visit(node.orelse, scopes, False)
                visit(node.finalbody, scopes, False)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    visit(case.body, scopes, False)
            else:
                for field in ("body", "orelse"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit(inner, scopes, False)

    visit(tree.body, (), True)
    return tuple(found)


class _StatementIndex(ModuleIndex):
    """The review engine's ``ModuleIndex`` with its import, function and class tables read from the statements
    (imports and definitions are statements): the same answers without walking every expression of the module."""

    def __init__(self, tree: ast.Module, statements: tuple[Statement, ...]) -> None:
        super().__init__(tree)
        self._statements = statements

    @cached_property
    def imports(self) -> dict[str, str]:
        return import_bindings(statement.node for statement in self._statements)

    @cached_property
    def functions(self) -> dict[str, FunctionNode]:
        return {
            s.node.name: s.node for s in self._statements if isinstance(s.node, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    @cached_property
    def classes(self) -> dict[str, ast.ClassDef]:
        return {s.node.name: s.node for s in self._statements if isinstance(s.node, ast.ClassDef)}


class ProjectSources:
    """Every Python file under ``root``, by path and by module name; parsed lazily, failures recorded."""

    def __init__(self, root: Path, *, walk: bool = True) -> None:
        self.root = root
        self.files: dict[str, Path] = {}  # relative POSIX path -> absolute path
        self.other_files: dict[str, Path] = {}  # alembic.ini, pyproject.toml... by relative path
        self.modules_by_name: dict[str, str] = {}  # module name -> relative path
        self.names_by_path: dict[str, str] = {}
        self.unparsed: dict[str, UnparsedFile] = {}
        self._parsed: dict[str, Module | None] = {}
        self._relevant: tuple[Module, ...] | None = None
        self._packages: dict[Path, bool] = {}
        self._texts: dict[str, str] | None = None  # the modules of ``from_texts``, by relative path
        if walk:
            self._walk()

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> ProjectSources:
        """Modules given as text by relative POSIX path (``add_auth`` plans one module together with the auth module
        it would add), named and resolved as the same files under a project root would be, without touching the
        disk; parsed lazily like files (a module that does not parse is recorded in ``unparsed``)."""
        sources = cls(Path("/<memory>"), walk=False)
        sources._texts = dict(texts)
        roots = sources._source_roots()
        for relative in sorted(texts, key=lambda path: (PurePosixPath(path).parent.parts, PurePosixPath(path).name)):
            sources._register(relative, sources.root / relative, roots)
        return sources

    @classmethod
    def single(cls, text: str, filename: str) -> ProjectSources:
        """One module given as text (``add_auth`` on ``source``): its name is the file's stem; it must parse."""
        sources = cls(Path(), walk=False)
        path = filename.replace("\\", "/")
        try:
            tree = parse_module(text, path)
        except SyntaxError as error:
            raise SourceParseError(
                f"does not parse: {error.msg}", path=path, line=error.lineno, column=error.offset
            ) from error
        except (ValueError, RecursionError, MemoryError) as error:
            raise SourceParseError(f"does not parse: {type(error).__name__}", path=path) from error
        stem = Path(path).stem
        name = stem if stem.isidentifier() else "module"
        sources.files[path] = Path(path)
        sources.modules_by_name[name] = path
        sources.names_by_path[path] = name
        sources._parsed[path] = Module(name, path, SourceFile(path, text), tree, is_package=False)
        return sources

    # -- discovery ---------------------------------------------------------------------------------------------------

    def _walk(self) -> None:
        roots = self._source_roots()
        for directory, subdirectories, filenames in os.walk(self.root):
            here = Path(directory)
            subdirectories[:] = sorted(
                name
                for name in subdirectories
                if not name.startswith(".")
                and name not in _SKIPPED_DIRECTORIES
                and not (here / name / "pyvenv.cfg").exists()
            )
            for filename in sorted(filenames):
                absolute = here / filename
                relative = absolute.relative_to(self.root).as_posix()
                if filename.endswith(".py"):
                    self._register(relative, absolute, roots)
                elif filename in {"alembic.ini", "pyproject.toml", "setup.cfg", "pytest.ini"}:
                    self.other_files[relative] = absolute

    def _register(self, relative: str, absolute: Path, roots: tuple[Path, ...]) -> None:
        self.files[relative] = absolute
        name = self._module_name(absolute, roots)
        if name is not None:
            self.names_by_path[relative] = name
            self.modules_by_name.setdefault(name, relative)

    def _source_roots(self) -> tuple[Path, ...]:
        """Folders the app's imports start from: the root (its parent when the root is itself a package), and its
        ``src/`` and ``backend/`` folders."""
        candidates = [self.root.parent if self._exists(self.root / "__init__.py") else self.root]
        candidates += [self.root / "src", self.root / "backend"]
        return tuple(path for path in candidates if path == self.root or self._is_directory(path))

    def _exists(self, path: Path) -> bool:
        if self._texts is None:
            return path.exists()
        return path.is_relative_to(self.root) and path.relative_to(self.root).as_posix() in self._texts

    def _is_directory(self, path: Path) -> bool:
        if self._texts is None:
            return path.is_dir()
        if not path.is_relative_to(self.root):
            return False
        folder = path.relative_to(self.root).as_posix() + "/"
        return any(relative.startswith(folder) for relative in self._texts)

    def _is_package(self, directory: Path) -> bool:
        if directory not in self._packages:
            self._packages[directory] = self._exists(directory / "__init__.py")
        return self._packages[directory]

    def _module_name(self, path: Path, roots: tuple[Path, ...]) -> str | None:
        directory = path.parent
        if self._is_package(directory):
            top = directory
            while self._is_package(top.parent) and top.parent != top and top != self.root.parent:
                top = top.parent
            base = top.parent
        else:
            ancestors = [root for root in roots if directory == root or root in directory.parents]
            base = max(ancestors, key=lambda root: len(root.parts)) if ancestors else directory
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(part.isidentifier() for part in parts):
            return None
        return ".".join(parts)

    # -- parsing -----------------------------------------------------------------------------------------------------

    def module(self, name: str) -> Module | None:
        """The module imported as ``name``, parsed (``None`` when there is none or it does not parse)."""
        path = self.modules_by_name.get(name)
        return self.at(path) if path is not None else None

    def at(self, path: str) -> Module | None:
        """The module at relative ``path``, parsed (``None`` when it cannot be read or parsed: see ``unparsed``)."""
        if path not in self._parsed:
            self._parsed[path] = self._parse(path)
        return self._parsed[path]

    def _parse(self, path: str) -> Module | None:
        absolute = self.files.get(path)
        if absolute is None:
            return None
        if self._texts is not None:
            text = self._texts[path]
        else:
            try:
                if absolute.stat().st_size > MAX_FILE_BYTES:
                    self.unparsed[path] = UnparsedFile(path, f"larger than {MAX_FILE_BYTES} bytes: not read")
                    return None
                data = absolute.read_bytes()
            except OSError as error:
                self.unparsed[path] = UnparsedFile(path, f"cannot be read: {error.strerror or error}")
                return None
            try:
                text = _decode(data)
            except (SyntaxError, UnicodeDecodeError, LookupError) as error:
                self.unparsed[path] = UnparsedFile(path, f"cannot be decoded: {error}")
                return None
        try:
            tree = parse_module(text, path)
        except SyntaxError as error:
            self.unparsed[path] = UnparsedFile(path, f"syntax error: {error.msg}", error.lineno, error.offset)
            return None
        except (ValueError, RecursionError, MemoryError) as error:
            self.unparsed[path] = UnparsedFile(path, f"cannot be parsed: {type(error).__name__}")
            return None
        name = self.names_by_path.get(path, path.removesuffix(".py").replace("/", "."))
        return Module(name, path, SourceFile(path, text), tree, is_package=path.endswith("__init__.py"))

    def relevant(self) -> tuple[Module, ...]:
        """Every module whose text mentions FastAPI, SQLAlchemy/SQLModel, settings or test clients, parsed."""
        if self._relevant is None:
            found: list[Module] = []
            for path, absolute in self.files.items():
                if path in self._parsed:
                    parsed = self._parsed[path]
                    data = parsed.source.text.encode() if parsed is not None else b""
                elif self._texts is not None:
                    data = self._texts[path].encode("utf-8", errors="surrogatepass")
                else:
                    try:
                        too_large = absolute.stat().st_size > MAX_FILE_BYTES
                        data = b"" if too_large else absolute.read_bytes()
                    except OSError:
                        data = b""
                    if not data:
                        self.at(path)  # records why it cannot be read (an empty file parses to nothing)
                if _RELEVANT.search(data):
                    module = self.at(path)
                    if module is not None:
                        found.append(module)
            self._relevant = tuple(found)
        return self._relevant

    # -- names across modules ----------------------------------------------------------------------------------------

    def definition(self, qualified: str | None, depth: int = 0) -> Definition | None:
        """Where the project binds ``qualified`` (``app.core.config.settings.API_V1_STR`` -> ``settings`` in
        ``app.core.config``, attribute ``API_V1_STR``), following imports that re-export it."""
        if qualified is None or depth > 8:
            return None
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.module(".".join(parts[:cut]))
            if module is None:
                continue
            name, attributes = parts[cut], tuple(parts[cut + 1 :])
            imported = _imported_at_module_level(module, name)
            if not imported and (
                name in module.index.module_definitions
                or name in module.index.functions
                or name in module.index.classes
            ):
                return Definition(module, name, attributes)
            target = module.relative_imports.get(name) or module.index.imports.get(name)
            if imported and target is not None:
                return self.definition(".".join([target, *attributes]), depth + 1)
        return None


def _imported_at_module_level(module: Module, name: str) -> bool:
    for statement in module.tree.body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            for alias in statement.names:
                if (alias.asname or alias.name.split(".", 1)[0]) == name:
                    return True
    return False


#: ``except A, B:`` (PEP 758, Python 3.14): older parsers want ``except (A, B):``.
_UNPARENTHESIZED_EXCEPT = re.compile(r"^([ \t]*except\*?[ \t]+)([^\n():#]+,[^\n():#]+?)([ \t]*:)", re.MULTILINE)


def parse_module(text: str, path: str) -> ast.Module:
    """``ast.parse`` without letting the user's warnings escape, accepting Python 3.14's unparenthesized ``except A,
    B:`` on older interpreters (the tuple gets its parentheses, on the same line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for the user's "\d" is not ours to raise
        try:
            return ast.parse(text, filename=path)
        except SyntaxError as error:
            rewritten = _UNPARENTHESIZED_EXCEPT.sub(r"\1(\2)\3", text)
            if "parenthesized" not in str(error.msg) or rewritten == text:
                raise
            try:
                return ast.parse(rewritten, filename=path)
            except SyntaxError:
                raise error from None


def _decode(data: bytes) -> str:
    """The text of a Python file: UTF-8 (with or without a BOM), or the encoding its coding cookie declares."""
    try:
        return data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("utf-8")
    except UnicodeDecodeError:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        return data.decode(encoding)
