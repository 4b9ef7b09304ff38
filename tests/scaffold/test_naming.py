"""Resource names: plurals from inflect, and names refused with the argument named."""

from __future__ import annotations

import pytest

from fastapi_expert.errors import SpecError
from fastapi_expert.generate.naming import resource_names


@pytest.mark.parametrize(
    ("resource", "plural", "url"),
    [
        ("category", "categories", "/categories"),
        ("person", "people", "/people"),
        ("status", "statuses", "/statuses"),
        ("blog_post", "blog_posts", "/blog-posts"),
        ("BlogPost", "blog_posts", "/blog-posts"),
        ("child", "children", "/children"),
    ],
)
def test_plurals(resource: str, plural: str, url: str) -> None:
    names = resource_names(resource)
    assert (names.plural, names.url) == (plural, url)


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("class", "keyword"),
        ("1st", "not a Python identifier"),
        ("my-resource", "did you mean 'my_resource'"),
        ("", "empty"),
        ("app", "clashes"),
        ("order_create", "ends like a generated class"),
    ],
)
def test_bad_names_name_the_argument(resource: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        resource_names(resource)
    assert str(caught.value).startswith("resource: ")
