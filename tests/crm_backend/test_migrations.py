"""Alembic migrations are the only way the schema is made, and they match the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import crm_backend.models  # noqa: F401
from crm_backend.db import Base
from crm_backend.manage import alembic_config
from tests.crm_backend.conftest import _create_pg_database, _drop_pg_database, make_settings, postgres_error


def test_migrated_schema_matches_the_models(settings, engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh.db"
        return
    if postgres_error():
        pytest.skip(f"PostgreSQL not reachable: {postgres_error()}")
    name, url = _create_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


def test_downgrade_and_upgrade_round_trip(empty_database):
    url = make_settings(empty_database).database_url
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        assert {"orders", "tickets", "conversations", "audit_log"} <= set(inspect(engine).get_table_names())
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert "orders" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
