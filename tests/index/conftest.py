"""Fixtures of the indexer's tests: a real PostgreSQL server, SQLite files, a TLS provider server.

Tests that need a system package (PostgreSQL's server, openssl) skip with the reason when it is
missing here, and fail instead when AKINV_REQUIRE_SYSTEM=1 (CI sets it).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgserver import PostgresUnavailable, throwaway_postgres
from provider_server import ProviderServer, self_signed
from system import require


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        require("psycopg is not installed (pip install 'akinv[index]')")
    try:
        with throwaway_postgres() as url:
            yield url
    except PostgresUnavailable as error:
        require(str(error))


_databases = itertools.count()


@pytest.fixture()
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the test server."""
    import psycopg

    name = f"test_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return postgres_server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against an SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'akinv.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = self_signed(tmp_path_factory.mktemp("tls"))
    if made is None:
        require("openssl is not installed (scripts/system-deps installs it)")
    assert made is not None
    return made


@pytest.fixture()
def provider_server(certificate: tuple[Path, Path]) -> Iterator[ProviderServer]:
    with ProviderServer(*certificate) as server:
        yield server
