"""Database management.

    python -m crm_backend.manage init        migrate to the newest schema; on an empty database
                                             with SEED_DEMO_DATA=true, load the demo data
    python -m crm_backend.manage seed        load the demo data into an empty database
    python -m crm_backend.manage revision -m "what changed"   autogenerate a migration
"""

import argparse
import logging
import os
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from crm_backend.config import Settings, get_settings
from crm_backend.db import make_engine, make_sessionmaker

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("crm.manage")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE / "migrations"))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), "head")


def seed(settings: Settings, *, only_if_empty: bool = True) -> dict[str, int] | None:
    from crm_backend.demo import generator
    from crm_backend.models import Customer, Staff

    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            populated = (session.scalar(select(func.count()).select_from(Customer)) or 0) + \
                        (session.scalar(select(func.count()).select_from(Staff)) or 0)
            if populated:
                if only_if_empty:
                    return None
                raise SystemExit("the database already holds data; demo data goes only into an empty one")
            passwords = {"DEMO_ADMIN_PASSWORD": settings.demo_admin_password,
                         "DEMO_AGENT_PASSWORD": settings.demo_agent_password}
            for name, value in passwords.items():
                if not value:
                    logger.warning("%s is empty: the demo staff accounts using it are created disabled", name)
            counts = generator.load(session, passwords)
            session.commit()
            return counts
    finally:
        engine.dispose()


def init(settings: Settings) -> None:
    started = time.monotonic()
    migrate(settings)
    counts = seed(settings) if settings.seed_demo_data else None
    message = f"CRM database ready in {time.monotonic() - started:.1f}s"
    if counts:
        message += " with demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items())
    print(message)


def revision(settings: Settings, message: str) -> None:
    command.revision(alembic_config(settings.database_url), message=message, autogenerate=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crm_backend.manage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("init")
    sub.add_parser("seed")
    rev = sub.add_parser("revision")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if args.command in (None, "init"):
        init(settings)
    elif args.command == "seed":
        counts = seed(settings, only_if_empty=False)
        print(f"demo data loaded: {counts}")
    else:
        revision(settings, args.message)


if __name__ == "__main__":
    main()
