"""Alembic environment. crm_backend.manage passes the URL from the same settings the app uses
(`python -m crm_backend.manage init|revision`)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import crm_backend.models  # noqa: F401  (registers every table on Base.metadata)
from crm_backend.db import Base

target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        # render_as_batch lets ALTER TABLE migrations work on SQLite too.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
