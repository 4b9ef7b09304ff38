"""The installed API, read statically with griffe: public names, signatures, docstrings and Doc() parameter docs."""

from __future__ import annotations

from pathlib import Path

from fastapi_expert.docs.environment import PythonEnvironment
from fastapi_expert.docs.installed import installed_api

PACKAGE = {
    "shop/__init__.py": (
        '"""Shop."""\nfrom shop._core import Cart, checkout\nfrom shop import admin\n__all__ = ["Cart"]\n'
    ),
    "shop/_core.py": '''
from typing import Annotated
from typing_extensions import Doc

raise SystemExit("importing this module is a bug: the API is read statically")


class Cart:
    """A shopping cart."""

    def __init__(self, owner: str) -> None:
        self.owner = owner

    async def add(self, item: Annotated[str, Doc("The item's SKU.")], quantity: int = 1) -> None:
        """Put an item in the cart."""

    def _secret(self) -> None:
        """Private."""


def checkout(cart: Cart, *, express: Annotated[bool, Doc("Ship the same day.")] = False) -> int:
    """Pay for everything in the cart."""
    return 0
''',
    "shop/admin.py": '''
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shop._core import Cart


def refund(order_id: int, /, reason: str = "", *args: str, **extra: str) -> bool:
    """Refund an order."""
    return True
''',
    "shop/tests/test_shop.py": "def test_x():\n    pass\n",
}


def api_of(site: Path):
    for path, text in PACKAGE.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    return installed_api("shop", "1.0", PythonEnvironment("fake", (site,)).site_packages)


def test_public_objects_get_their_shortest_public_name(site: Path) -> None:
    api = api_of(site)
    assert {"shop.Cart", "shop.Cart.add", "shop.checkout", "shop.admin.refund"} <= set(api.entries)
    # Imported for type checking by admin, defined under shop: it is shown as shop.Cart, once.
    assert not [name for name in api.entries if name.startswith("shop.admin.Cart")]
    assert not [name for name in api.entries if "_secret" in name or "_core" in name or ".tests" in name]


def test_signatures_keep_kinds_and_drop_doc_metadata(site: Path) -> None:
    api = api_of(site)
    assert api.entries["shop.Cart.add"].signature == ("async def add(self, item: str, quantity: int = 1) -> None")
    assert api.entries["shop.checkout"].signature == "def checkout(cart: Cart, *, express: bool = False) -> int"
    assert api.entries["shop.admin.refund"].signature == (
        "def refund(order_id: int, /, reason: str = '', *args: str, **extra: str) -> bool"
    )
    assert "def __init__(self, owner: str)" in api.entries["shop.Cart"].signature


def test_doc_parameter_docs_and_docstrings_are_rendered(site: Path) -> None:
    entry = api_of(site).entries["shop.checkout"]
    assert entry.parameters == (("express", "Ship the same day."),)
    rendered = entry.render()
    assert rendered.startswith("```python\ndef checkout(")
    assert "Pay for everything in the cart." in rendered
    assert "- `express`: Ship the same day." in rendered
    lines = PACKAGE["shop/_core.py"].splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("def checkout("))
    assert entry.location == f"{site / 'shop' / '_core.py'}:{line}"


def test_exact_names_and_search(site: Path) -> None:
    api = api_of(site)
    assert [entry.name for entry in api.exact("Cart.add")] == ["shop.Cart.add"]
    assert [entry.name for entry in api.exact("how does `checkout` work")] == ["shop.checkout"]
    assert api.exact("refund an order") == []  # English words are not looked up as names
    assert api.search("refund an order", 3)[0][0].name == "shop.admin.refund"


def test_a_package_is_loaded_once_per_process(site: Path) -> None:
    first = api_of(site)
    assert installed_api("shop", "1.0", (site,)) is first
    assert installed_api("shop", "2.0", (site,)) is not first  # another version is another API


def test_fastapi_depends_has_its_doc_parameter_docs() -> None:
    environment = PythonEnvironment.of_server()
    import fastapi

    api = installed_api("fastapi", fastapi.__version__, environment.site_packages)
    depends = api.entries["fastapi.Depends"]
    assert depends.signature.startswith("def Depends(dependency: Callable[..., Any] | None = None, *, use_cache")
    assert "Doc(" not in depends.signature
    names = [name for name, _ in depends.parameters]
    assert names[:3] == ["dependency", "use_cache", "scope"]
    assert "yield" in dict(depends.parameters)["scope"]


def test_a_package_without_sources_has_no_entries(site: Path) -> None:
    assert installed_api("nothing_here", "1", (site,)).entries == {}
