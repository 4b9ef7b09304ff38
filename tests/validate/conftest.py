"""Fixtures of the validation tests: a throwaway PostgreSQL cluster (see ``tests/postgres.py``).

Tests that use it skip with the reason when PostgreSQL cannot run here, and fail instead when ``CI`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import PostgresCluster, start_postgres_or_skip


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One cluster for the session; ``postgres_cluster.create_database()`` gives a test a database of its own."""
    with start_postgres_or_skip() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The ``postgresql+asyncpg://`` URL (Unix socket) of the cluster's database, shared by the session."""
    return postgres_cluster.url
