"""The names of a resource: what ``scaffold_endpoint`` calls its class, modules, table, routes and functions.

A resource is named in the singular as a Python identifier, snake_case (``blog_post``) or PascalCase (``BlogPost``).
Plurals come from ``inflect`` (``category`` -> ``categories``, ``person`` -> ``people``, ``status`` -> ``statuses``);
in a compound name only the last word is made plural (``blog_post`` -> ``blog_posts``). The URL is the plural with
hyphens (``/blog-posts/``); the table and the router module are the plural in snake_case.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from functools import cache

import inflect

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.specs import pascal_case, snake_case

__all__ = ["RESERVED_RESOURCES", "ResourceNames", "plural_of", "resource_names"]

#: Resource names a generated project cannot take: its own modules and packages (``app``, ``main``, ``tests``...),
#: and the names its modules bind at the top level (a class ``Base`` or ``Settings`` would shadow the import).
RESERVED_RESOURCES: frozenset[str] = frozenset(
    {
        "app",
        "main",
        "database",
        "settings",
        "setting",
        "store",
        "models",
        "schemas",
        "routers",
        "tests",
        "test",
        "conftest",
        "health",
        "base",
        "page",
        "session",
        "engine",
        "router",
        "path",
        "query",
        "depends",
        "request",
        "response",
        "annotated",
        "field",
        "model",
        "fastapi",
        "pydantic",
        "sqlalchemy",
        "sqlmodel",
        "typing",
        "datetime",
        "decimal",
        "uuid",
        "json",
        "enum",
    }
)
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_MAX_LENGTH = 40


@cache
def _engine() -> inflect.engine:
    return inflect.engine()


def plural_of(word: str) -> str:
    """The plural of a singular snake_case noun (``person`` -> ``people``, ``blog_post`` -> ``blog_posts``)."""
    head, _, last = word.rpartition("_")
    plural = _engine().plural_noun(last) or f"{last}s"
    plural = plural.lower()
    return f"{head}_{plural}" if head else plural


@dataclass(frozen=True, slots=True)
class ResourceNames:
    """Every name the generated code uses for one resource."""

    snake: str  # blog_post: the model and schema modules, the function suffix
    class_name: str  # BlogPost
    plural: str  # blog_posts: the table, the router module, the list function
    url: str  # /blog-posts
    id_param: str  # blog_post_id
    title: str  # "blog post": docstrings and messages
    plural_title: str  # "blog posts"

    @property
    def tag(self) -> str:
        return self.plural.replace("_", "-")


def resource_names(resource: str, *, argument: str = "resource") -> ResourceNames:
    """The names of ``resource`` (singular; snake_case or PascalCase); ``SpecError`` naming ``argument`` when it
    is not an identifier, is a Python keyword, is plural-looking nonsense or clashes with the generated project."""
    if not resource:
        raise SpecError("is empty; name the resource in the singular, like order or blog_post", argument=argument)
    if len(resource) > _MAX_LENGTH:
        raise SpecError(f"is longer than {_MAX_LENGTH} characters", argument=argument)
    if not resource.isascii() or not resource.isidentifier():
        hint = (
            f" (did you mean {re.sub(r'[^A-Za-z0-9]+', '_', resource).strip('_').lower()!r}?)"
            if "-" in resource
            else ""
        )
        raise SpecError(
            f"{resource!r} is not a Python identifier: use letters, digits and _, starting with a letter{hint}",
            argument=argument,
        )
    if keyword.iskeyword(resource) or keyword.issoftkeyword(resource):
        raise SpecError(f"{resource!r} is a Python keyword; pick another name", argument=argument)
    snake = snake_case(resource)
    if not _SNAKE.match(snake):
        raise SpecError(
            f"{resource!r} is not a snake_case or PascalCase name (like order, blog_post or BlogPost)",
            argument=argument,
        )
    if snake in RESERVED_RESOURCES or keyword.iskeyword(snake):
        raise SpecError(
            f"{resource!r} clashes with a module or name of the generated project; pick another name",
            argument=argument,
        )
    plural = plural_of(snake)
    if keyword.iskeyword(plural) or plural in RESERVED_RESOURCES:
        raise SpecError(f"the plural of {resource!r} ({plural!r}) clashes with a generated name", argument=argument)
    class_name = pascal_case(snake)
    if class_name.endswith(("Base", "Create", "Update", "Read", "Page")):
        raise SpecError(
            f"{resource!r} ends like a generated class ({class_name}Create, {class_name}Page...); drop the suffix",
            argument=argument,
        )
    return ResourceNames(
        snake=snake,
        class_name=class_name,
        plural=plural,
        url="/" + plural.replace("_", "-"),
        id_param=f"{snake}_id",
        title=snake.replace("_", " "),
        plural_title=plural.replace("_", " "),
    )
