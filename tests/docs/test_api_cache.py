"""The extracted API on disk: read back by the next process, rebuilt when the version, files or format change."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from fastapi_expert.docs import api_cache, installed
from fastapi_expert.docs.api_cache import ApiCache, package_fingerprint
from fastapi_expert.docs.environment import PythonEnvironment
from fastapi_expert.docs.installed import ApiEntry, installed_api
from fastapi_expert.docs.service import DocsService
from fastapi_expert.docs.settings import DocsSettings
from tests.docs.conftest import write_distribution

SOURCE = 'def checkout(cart: list[str]) -> int:\n    """Pay for the cart."""\n    return 0\n'


class Extractions:
    """Counts griffe extractions (``installed._extract``), and forgets the in-process memo like a new process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self._monkeypatch = monkeypatch
        real = installed._extract

        def counting(package: str, search_paths: tuple[Path, ...]) -> list[ApiEntry]:
            self.count += 1
            return real(package, search_paths)

        monkeypatch.setattr(installed, "_extract", counting)
        self.new_process()

    def new_process(self) -> None:
        self._monkeypatch.setattr(installed, "_CACHE", {})


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> Extractions:
    return Extractions(monkeypatch)


@pytest.fixture
def shop(site: Path) -> Path:
    write_distribution(site, "Shop-Kit", "3.1.4", {"shopkit/__init__.py": SOURCE, "shopkit/cart.py": "X = 1\n"})
    return site


def names(api: installed.InstalledApi) -> list[str]:
    return sorted(api.entries)


def test_the_next_process_reads_the_api_from_disk(shop: Path, tmp_path: Path, extractions: Extractions) -> None:
    cache = tmp_path / "api"
    first = installed_api("shopkit", "3.1.4", (shop,), cache)
    assert extractions.count == 1 and names(first) == ["shopkit.checkout"]
    [written] = cache.glob("*.json")
    assert written.name.startswith("shopkit-")
    assert not list(cache.glob(".tmp-*"))  # written atomically: nothing half-written is left
    extractions.new_process()
    second = installed_api("shopkit", "3.1.4", (shop,), cache)
    assert extractions.count == 1  # not parsed again
    assert second.entries == first.entries
    assert second.exact("checkout()")[0].render() == first.exact("checkout()")[0].render()


@pytest.mark.parametrize("change", ["version", "source", "format", "extractor", "environment"])
def test_a_change_rebuilds_the_cached_api(
    shop: Path, tmp_path: Path, extractions: Extractions, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    cache = tmp_path / "api"
    installed_api("shopkit", "3.1.4", (shop,), cache)
    extractions.new_process()
    version = "3.1.4"
    search_paths: tuple[Path, ...] = (shop,)
    if change == "version":
        version = "3.2.0"
    elif change == "source":  # an editable install: new code, same version
        (shop / "shopkit" / "__init__.py").write_text(SOURCE + "\n\ndef refund() -> None:\n    pass\n")
    elif change == "format":
        monkeypatch.setattr(api_cache, "FORMAT", api_cache.FORMAT + 1)
    elif change == "extractor":
        monkeypatch.setattr(api_cache, "_extractor", lambda: "griffelib 99.0")
    else:
        search_paths = (shop, tmp_path)
    api = installed_api("shopkit", version, search_paths, cache)
    assert extractions.count == 2
    assert ("shopkit.refund" in api.entries) is (change == "source")
    extractions.new_process()
    installed_api("shopkit", version, search_paths, cache)
    assert extractions.count == 2  # the rebuilt file serves the next process


@pytest.mark.parametrize("damage", ["", "{not json", "[]", '{"key": 1}', '{"key": null, "entries": [[1]]}'])
def test_a_damaged_file_is_a_miss_and_is_replaced(
    shop: Path, tmp_path: Path, extractions: Extractions, damage: str
) -> None:
    cache = tmp_path / "api"
    installed_api("shopkit", "3.1.4", (shop,), cache)
    path = ApiCache(cache).path_of("shopkit", (shop,))
    path.write_text(damage)
    extractions.new_process()
    assert names(installed_api("shopkit", "3.1.4", (shop,), cache)) == ["shopkit.checkout"]
    assert extractions.count == 2
    assert json.loads(path.read_text())["entries"]


def test_entries_that_do_not_match_their_key_are_a_miss(shop: Path, tmp_path: Path) -> None:
    disk = ApiCache(tmp_path)
    disk.store("shopkit", "3.1.4", (shop,), [])
    data = json.loads(disk.path_of("shopkit", (shop,)).read_text())
    data["entries"] = [["x", "function", "def x()", "", [["a"]], None]]  # a malformed parameter pair
    disk.path_of("shopkit", (shop,)).write_text(json.dumps(data))
    assert disk.load("shopkit", "3.1.4", (shop,)) is None
    assert disk.load("shopkit", "3.1.5", (shop,)) is None


def test_an_unwritable_cache_only_costs_time(
    shop: Path, tmp_path: Path, extractions: Extractions, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    assert names(installed_api("shopkit", "3.1.4", (shop,), blocked / "api")) == ["shopkit.checkout"]
    assert "cannot write the API cache" in caplog.text
    extractions.new_process()
    installed_api("shopkit", "3.1.4", (shop,), blocked / "api")
    assert extractions.count == 2


def test_the_fingerprint_follows_the_files_griffe_reads(site: Path, tmp_path: Path) -> None:
    write_distribution(site, "solo", "1.0", {"solo.py": "A = 1\n"})
    before = package_fingerprint("solo", (tmp_path, site))
    (site / "solo.py").write_text("A = 22\n")
    assert package_fingerprint("solo", (tmp_path, site)) != before
    assert package_fingerprint("absent", (site,)) == package_fingerprint("other-absent", (site,))


def test_a_real_package_round_trips(tmp_path: Path) -> None:
    import fastapi

    site = Path(fastapi.__file__).parent.parent
    api = installed_api("fastapi", fastapi.__version__, (site,))
    entries = list(api.entries.values())
    ApiCache(tmp_path).store("fastapi", fastapi.__version__, (site,), entries)
    assert ApiCache(tmp_path).load("fastapi", fastapi.__version__, (site,)) == entries
    assert any(entry.parameters for entry in entries)  # the Doc() parameter docs survive


@pytest.mark.anyio
async def test_the_service_keeps_the_api_in_the_docs_cache_directory(
    shop: Path, tmp_path: Path, fake_environment: PythonEnvironment
) -> None:
    settings = DocsSettings(cache_dir=tmp_path / "docs", offline=True)
    answer = await DocsService(settings=settings, environment=fake_environment).fetch_docs("shop-kit", "checkout()")
    assert answer.sections[0].title == "shopkit.checkout"
    assert [path.name.split("-")[0] for path in (tmp_path / "docs" / "api").glob("*.json")] == ["shopkit"]


def test_files_not_used_for_a_month_are_dropped_by_the_next_write(shop: Path, tmp_path: Path) -> None:
    """A deleted environment's file goes; one read recently stays, because reading it touches it."""
    cache = tmp_path / "api"
    installed_api("shopkit", "3.1.4", (shop,), cache)
    [kept] = cache.glob("*.json")
    cache.mkdir(exist_ok=True)
    gone = cache / "oldpkg-0123456789abcdef01234567.json"
    gone.write_text("{}")
    leftover = cache / ".tmp-abc.json"
    leftover.write_text("half")
    fresh_leftover = cache / ".tmp-now.json"
    fresh_leftover.write_text("being written")
    long_ago = time.time() - (api_cache.MAX_UNUSED_DAYS + 1) * 86400
    for path in (kept, gone, leftover):
        os.utime(path, (long_ago, long_ago))
    assert ApiCache(cache).load("shopkit", "3.1.4", (shop,)) is not None  # a read: kept is in use again
    write_distribution(shop, "Other-Kit", "1.0", {"otherkit/__init__.py": SOURCE})
    installed_api("otherkit", "1.0", (shop,), cache)  # a write prunes
    assert kept.exists() and fresh_leftover.exists()
    assert not gone.exists() and not leftover.exists()
