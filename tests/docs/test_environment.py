"""Finding the user's environment and resolving library names both ways, without importing anything."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from fastapi_expert.docs.environment import (
    Distributions,
    PythonEnvironment,
    canonical_name,
    distributions_of,
    find_environment,
)
from tests.docs.conftest import write_distribution


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("fastapi_users", "fastapi-users"), ("FastAPI-Users", "fastapi-users"), ("zope.interface", "zope-interface")],
)
def test_names_are_normalised_as_pypi_does(name: str, canonical: str) -> None:
    assert canonical_name(name) == canonical


def test_the_project_virtualenv_is_found_from_a_subfolder(site: Path) -> None:
    project = site.parents[3]
    (project / "app" / "api").mkdir(parents=True)
    environment = find_environment(project / "app" / "api", environ={})
    assert environment.site_packages[0] == site.resolve()
    assert environment.label.startswith("project virtualenv")


def test_an_editable_install_adds_its_source_folder(site: Path) -> None:
    source = site.parents[3] / "src"
    source.mkdir()
    (site / "__editable__.myapp.pth").write_text(f"{source}\nimport something_else\n")
    environment = find_environment(site.parents[3], environ={})
    assert source.resolve() in environment.site_packages


def test_virtual_env_is_used_when_the_project_has_no_virtualenv(site: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = find_environment(elsewhere, environ={"VIRTUAL_ENV": str(site.parents[2])})
    assert environment.label.startswith("VIRTUAL_ENV")
    assert environment.site_packages[0] == site.resolve()


def test_the_servers_own_environment_is_the_last_resort(tmp_path: Path) -> None:
    environment = find_environment(tmp_path, environ={})
    assert environment.label.startswith("the server's own environment")
    assert any(str(path) in sys.path for path in environment.site_packages)


def test_distribution_and_import_names_resolve_both_ways(site: Path, fake_environment: PythonEnvironment) -> None:
    write_distribution(site, "PyJWT", "2.10.1", {"jwt/__init__.py": ""}, top_level="jwt\n")
    # No top_level.txt (wheels built by hatchling or flit): the import names come from RECORD.
    write_distribution(site, "PyYAML", "6.0.2", {"yaml/__init__.py": "", "_yaml/__init__.py": ""})
    write_distribution(site, "fastapi-users", "14.0.0", {"fastapi_users/__init__.py": ""})
    distributions = Distributions(fake_environment)
    for asked, name in [
        ("jwt", "PyJWT"),
        ("PyJWT", "PyJWT"),
        ("pyjwt", "PyJWT"),
        ("yaml", "PyYAML"),
        ("PyYAML", "PyYAML"),
        ("fastapi_users", "fastapi-users"),
        ("fastapi-users", "fastapi-users"),
        ("FastAPI.Users", "fastapi-users"),
    ]:
        found = distributions.find(asked)
        assert found is not None, asked
        assert found.name == name
    yaml = distributions.find("yaml")
    assert yaml is not None
    assert yaml.import_names == ("yaml",)  # the private _yaml is an implementation detail
    assert yaml.version == "6.0.2"
    assert distributions.find("requests") is None


def test_the_real_environment_maps_sqlalchemy_and_jwt() -> None:
    distributions = distributions_of(PythonEnvironment.of_server())
    sqlalchemy = distributions.find("sqlalchemy")
    assert sqlalchemy is not None and sqlalchemy.name == "SQLAlchemy" and "sqlalchemy" in sqlalchemy.import_names
    jwt = distributions.find("jwt")
    assert jwt is not None and jwt.name == "PyJWT"


def test_close_names_are_suggested_for_typos(site: Path, fake_environment: PythonEnvironment) -> None:
    write_distribution(site, "fastapi-users", "14.0.0", {"fastapi_users/__init__.py": ""})
    write_distribution(site, "pydantic", "2.11.0", {"pydantic/__init__.py": ""})
    distributions = Distributions(fake_environment)
    assert "fastapi-users" in distributions.close_names("fastapi_usrs")
    assert distributions.close_names("pydantc")[0] == "pydantic"
    assert distributions.close_names("zzzzzz") == []


def test_distributions_are_read_again_when_the_environment_changes(
    site: Path, fake_environment: PythonEnvironment
) -> None:
    first = distributions_of(fake_environment)
    assert first.find("newpkg") is None
    write_distribution(site, "newpkg", "1.0", {"newpkg/__init__.py": ""})

    os.utime(site, (site.stat().st_atime, site.stat().st_mtime + 10))
    assert distributions_of(fake_environment).find("newpkg") is not None
