"""The API of an installed package, extracted statically with griffe (the user's code is never imported).

Each public object (a function, class, method, property or documented attribute reachable from the package without a
private name) becomes one ``ApiEntry``: its qualified public name, signature, docstring and, through
``griffe-typingdoc``, the ``Annotated[..., Doc("...")]`` parameter docs FastAPI writes. Packages are loaded once per
process (keyed by environment, import name and version) and ranked with the shared ``SearchIndex``; with a cache
directory, what griffe extracted is also kept on disk (``api_cache``), so the next process does not parse again.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import griffe

    from fastapi_expert.search_index import SearchIndex

__all__ = ["MAX_ENTRIES", "ApiEntry", "InstalledApi", "installed_api"]

#: At most this many objects are indexed per package (a guard against pathological packages, far above real ones).
MAX_ENTRIES = 30_000
_MAX_ATTRIBUTES_SHOWN = 40
#: Only the start of a long docstring is indexed: it says what the object is; the rest is detail and examples.
_INDEXED_CHARS = 400
#: Submodules that are not the library's API: tests, vendored code, type-checker plugins, legacy namespaces
#: (``pydantic.v1`` documents Pydantic 1, which the ``pydantic`` 2 a user has installed is not).
_SKIPPED_MODULES = frozenset(
    {"tests", "test", "testing", "conftest", "_vendor", "vendor", "vendored", "examples", "mypy", "v1"}
)
#: An identifier as a topic names it: ``AsyncSession.execute``, ``field_validator``, ``Depends()``.
_SYMBOL = re.compile(r"(`?)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(\(\))?`?")


@dataclass(frozen=True, slots=True)
class ApiEntry:
    """One public object of a package, ready to be shown."""

    #: The shortest public name: ``fastapi.Depends`` rather than ``fastapi.param_functions.Depends``.
    name: str
    kind: str
    signature: str
    docstring: str
    #: ``(parameter, description)`` pairs from ``Doc()`` annotations (griffe-typingdoc).
    parameters: tuple[tuple[str, str], ...]
    #: ``file:line`` of the definition.
    location: str | None

    @property
    def short_name(self) -> str:
        """The name without its package: ``AsyncSession.execute`` for a method, ``Depends`` for a function."""
        return self.name.split(".", 1)[1] if "." in self.name else self.name

    def render(self) -> str:
        """The entry as markdown: the signature as a code block, the docstring, the ``Doc()`` parameter docs."""
        parts = [f"```python\n{self.signature}\n```"]
        if self.docstring:
            parts.append(self.docstring)
        if self.parameters:
            parts.append("Parameters:\n\n" + "\n".join(f"- `{name}`: {text}" for name, text in self.parameters))
        return "\n\n".join(parts)


class InstalledApi:
    """The public API of one installed import package, searchable."""

    def __init__(self, package: str, entries: Iterable[ApiEntry]) -> None:
        self.package = package
        self.entries = {entry.name: entry for entry in entries}

    @cached_property
    def _index(self) -> SearchIndex:
        from fastapi_expert.search_index import SearchIndex

        documents = {}
        for entry in self.entries.values():
            owner_and_name = ".".join(entry.name.rsplit(".", 2)[-2:])
            parameter_text = " ".join(f"{name} {text}" for name, text in entry.parameters)
            documents[entry.name] = [
                (owner_and_name, 4),
                (entry.name, 1),
                (entry.signature[:_INDEXED_CHARS], 1),
                (entry.docstring[:_INDEXED_CHARS], 1),
                (parameter_text[:_INDEXED_CHARS], 1),
            ]
        return SearchIndex(documents)

    def warm(self) -> None:
        """Build the search index now (it is otherwise built on the first search)."""
        _ = self._index

    def exact(self, topic: str) -> list[ApiEntry]:
        """Entries the topic names outright (``AsyncSession.execute``, ``field_validator``), most specific first."""
        matches = list(_SYMBOL.finditer(topic))
        alone = len(matches) == 1
        wanted = [
            match.group(2)
            for match in matches
            if match.group(1) or match.group(3) or _looks_like_code(match.group(2), alone=alone)
        ]
        found: list[ApiEntry] = []
        for symbol in wanted:
            suffix = "." + symbol
            hits = [entry for entry in self.entries.values() if entry.name.endswith(suffix) or entry.name == symbol]
            found += sorted(hits, key=lambda entry: (entry.name.count("."), entry.name))
        return list(dict.fromkeys(found))

    def search(self, topic: str, limit: int) -> list[tuple[ApiEntry, float]]:
        """The ``limit`` entries that match ``topic`` best (BM25 over names, signatures and docs), best first."""
        return [(self.entries[name], score) for name, score, _ in self._index.rank(topic, limit)]


def _looks_like_code(word: str, *, alone: bool) -> bool:
    """Whether a word of a topic is an identifier rather than an English word: dotted, snake_case, CamelCase, or
    a capitalised word that is the whole topic (``Depends``; in ``Request body limits`` it is English)."""
    return "." in word or "_" in word or any(char.isupper() for char in word[1:]) or (alone and word[:1].isupper())


_CACHE: dict[tuple[tuple[Path, ...], str, str], InstalledApi] = {}
_LOCK = threading.Lock()


def installed_api(
    package: str, version: str, search_paths: tuple[Path, ...], cache_dir: Path | None = None
) -> InstalledApi:
    """The API of import package ``package`` as installed under ``search_paths`` (memoised per process, and on disk
    under ``cache_dir`` when one is given)."""
    key = (search_paths, package, version)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = InstalledApi(package, _extract_cached(package, version, search_paths, cache_dir))
            _CACHE[key] = cached
    return cached


def _extract_cached(
    package: str, version: str, search_paths: tuple[Path, ...], cache_dir: Path | None
) -> list[ApiEntry]:
    if cache_dir is None:
        return _extract(package, search_paths)
    from fastapi_expert.docs.api_cache import ApiCache

    disk = ApiCache(cache_dir)
    entries = disk.load(package, version, search_paths)
    if entries is None:
        entries = _extract(package, search_paths)
        disk.store(package, version, search_paths, entries)
    return entries


def _extract(package: str, search_paths: tuple[Path, ...]) -> list[ApiEntry]:
    import griffe
    from griffe_typingdoc import TypingDocExtension

    logging.getLogger("griffe").setLevel(logging.ERROR)
    loader = griffe.GriffeLoader(
        extensions=griffe.load_extensions(TypingDocExtension()),
        search_paths=[str(path) for path in search_paths],
        allow_inspection=False,
        store_source=False,
    )
    try:
        root = loader.load(package)
    except (griffe.GriffeError, ImportError, OSError, SyntaxError, ValueError, RecursionError):
        return []
    if not isinstance(root, griffe.Module):
        return []
    return list(_walk(root))


def _walk(root: griffe.Module) -> Iterator[ApiEntry]:
    """Every public object once, under its best public name (see ``_public_name``)."""
    import griffe

    exposed: dict[str, tuple[griffe.Object, list[str]]] = {}
    queue: deque[griffe.Module] = deque([root])
    while queue:
        module = queue.popleft()
        for name, member in list(module.members.items()):
            if name.startswith("_"):
                continue
            target = _resolved(member, root.name)
            if target is None:
                continue
            if isinstance(target, griffe.Module):
                if not member.is_alias and name not in _SKIPPED_MODULES:
                    queue.append(target)
                continue
            exposed.setdefault(target.path, (target, []))[1].append(f"{module.path}.{name}")
    count = 0
    for target, names in exposed.values():
        for entry in _entries(_public_name(target, names), target):
            count += 1
            if count > MAX_ENTRIES:
                return
            yield entry


def _public_name(target: griffe.Object, names: list[str]) -> str:
    """The name to show for an object several modules expose.

    The shortest among the modules that contain its definition (``sqlalchemy.ext.asyncio.AsyncSession``, defined in
    ``sqlalchemy.ext.asyncio.session``), since other modules may only import it for their own use (``sqlalchemy.orm
    .state`` imports ``AsyncSession`` for type checking); else the shortest of all.
    """
    defined_in = target.module.path + "."
    containing = [name for name in names if defined_in.startswith(name.rsplit(".", 1)[0] + ".")]
    return min(containing or names, key=lambda name: (name.count("."), len(name), name))


def _resolved(member: griffe.Object | griffe.Alias, package: str) -> griffe.Object | None:
    import griffe

    if not isinstance(member, griffe.Alias):
        return member
    try:
        target = member.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError, KeyError, ValueError):
        return None
    if target.package.name != package:  # re-exported from another distribution: documented there
        return None
    return target


def _entries(public: str, obj: griffe.Object) -> Iterator[ApiEntry]:
    import griffe

    if isinstance(obj, griffe.Function):
        yield _function_entry(public, obj)
    elif isinstance(obj, griffe.Class):
        yield _class_entry(public, obj)
        for name, member in obj.members.items():
            if name.startswith("_") or member.is_alias:
                continue
            if isinstance(member, griffe.Function):
                yield _function_entry(f"{public}.{name}", member)
            elif isinstance(member, griffe.Attribute) and member.docstring:
                yield _attribute_entry(f"{public}.{name}", member)
    elif isinstance(obj, griffe.Attribute) and obj.docstring:
        yield _attribute_entry(public, obj)


def _function_entry(public: str, func: griffe.Function) -> ApiEntry:
    prefix = "async def" if "async" in func.labels else "def"
    kind = (
        "property" if "property" in func.labels else ("method" if func.parent and func.parent.is_class else "function")
    )
    signature = f"{prefix} {func.name}({_parameters(func)})"
    if func.returns:
        signature += f" -> {_annotation(func.returns)}"
    if kind == "property":
        signature = f"@property\n{signature}"
    return ApiEntry(
        name=public,
        kind=kind,
        signature=signature,
        docstring=_docstring(func),
        parameters=_doc_parameters(func),
        location=_location(func),
    )


def _class_entry(public: str, cls: griffe.Class) -> ApiEntry:
    import griffe

    bases = ", ".join(_annotation(base) for base in cls.bases)
    lines = [f"class {cls.name}({bases}):" if bases else f"class {cls.name}:"]
    init = cls.members.get("__init__")
    parameters: tuple[tuple[str, str], ...] = ()
    if isinstance(init, griffe.Function):
        lines.append(f"    def __init__({_parameters(init)}): ...")
        parameters = _doc_parameters(init)
    fields = [
        member
        for name, member in cls.members.items()
        if isinstance(member, griffe.Attribute) and not name.startswith("_") and member.annotation is not None
    ][:_MAX_ATTRIBUTES_SHOWN]
    for field in fields:
        default = f" = {field.value}" if field.value is not None else ""
        lines.append(f"    {field.name}: {_annotation(field.annotation)}{default}")
    return ApiEntry(
        name=public,
        kind="class",
        signature="\n".join(lines),
        docstring=_docstring(cls),
        parameters=parameters,
        location=_location(cls),
    )


def _attribute_entry(public: str, attribute: griffe.Attribute) -> ApiEntry:
    annotation = f": {_annotation(attribute.annotation)}" if attribute.annotation is not None else ""
    value = f" = {attribute.value}" if attribute.value is not None and len(str(attribute.value)) < 200 else ""
    return ApiEntry(
        name=public,
        kind="attribute",
        signature=f"{attribute.name}{annotation}{value}",
        docstring=_docstring(attribute),
        parameters=(),
        location=_location(attribute),
    )


def _parameters(func: griffe.Function) -> str:
    import griffe

    rendered: list[str] = []
    positional_only_done = False
    star_done = False
    for parameter in func.parameters:
        kind = parameter.kind
        if kind is not griffe.ParameterKind.positional_only and not positional_only_done:
            if any(p.kind is griffe.ParameterKind.positional_only for p in func.parameters):
                rendered.append("/")
            positional_only_done = True
        if kind is griffe.ParameterKind.keyword_only and not star_done:
            rendered.append("*")
            star_done = True
        if kind is griffe.ParameterKind.var_positional:
            star_done = True
        prefix = {griffe.ParameterKind.var_positional: "*", griffe.ParameterKind.var_keyword: "**"}.get(kind, "")
        text = f"{prefix}{parameter.name}"
        if parameter.annotation is not None:
            text += f": {_annotation(parameter.annotation)}"
        if parameter.default is not None and not prefix:
            text += f" = {parameter.default}" if parameter.annotation is not None else f"={parameter.default}"
        rendered.append(text)
    return ", ".join(rendered)


def _annotation(annotation: str | griffe.Expr | None) -> str:
    """An annotation as written, without ``Doc("...")`` metadata: ``Annotated[int, Doc("...")]`` -> ``int``."""
    import griffe

    if not isinstance(annotation, griffe.ExprSubscript) or str(annotation.left) not in (
        "Annotated",
        "typing.Annotated",
    ):
        return str(annotation)
    elements = annotation.slice.elements if isinstance(annotation.slice, griffe.ExprTuple) else [annotation.slice]
    kept = [
        element
        for element in elements
        if not (isinstance(element, griffe.ExprCall) and str(element.function).rsplit(".", 1)[-1] == "Doc")
    ]
    if len(kept) == 1:
        return _annotation(kept[0])
    return f"Annotated[{', '.join(_annotation(element) for element in kept)}]"


def _docstring(obj: griffe.Object) -> str:
    return obj.docstring.value.strip() if obj.docstring else ""


def _doc_parameters(func: griffe.Function) -> tuple[tuple[str, str], ...]:
    """The parameter docs griffe-typingdoc read from ``Doc()`` annotations."""
    import griffe

    if func.docstring is None or not any(_has_doc(parameter.annotation) for parameter in func.parameters):
        return ()
    found: list[tuple[str, str]] = []
    for section in func.docstring.parsed:
        if isinstance(section, griffe.DocstringSectionParameters):
            found += [(item.name, item.description.strip()) for item in section.value if item.description]
    return tuple(found)


def _has_doc(annotation: str | griffe.Expr | None) -> bool:
    return annotation is not None and "Doc(" in str(annotation)


def _location(obj: griffe.Object) -> str | None:
    try:
        path = obj.filepath
    except (AttributeError, ValueError):
        return None
    if isinstance(path, list):
        return None
    return f"{path}:{obj.lineno}" if obj.lineno else str(path)
