"""Engine, sessions, the declarative base and the column types shared by the models."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from crm_backend.config import Settings

# Named constraints, so migrations can alter them on PostgreSQL and (in batch mode) SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend. SQLite has no time zones and would
    hand back naive values, which cannot be compared with aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        # timeout: a writer waits up to 30 s for another writer instead of failing at once.
        # A pool as large as on PostgreSQL: a new SQLite connection costs its PRAGMAs, and the
        # request threads (up to 40) would otherwise keep opening overflow connections.
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        pool = {} if in_memory else {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services return objects that routes serialise after the commit.
    return sessionmaker(bind=engine, expire_on_commit=False)


def insert_or_ignore(session: Session, model: type[Base], conflict_columns: list[str], **values: Any) -> bool:
    """INSERT .. ON CONFLICT DO NOTHING on SQLite and PostgreSQL; True when a row was inserted.
    Lets concurrent first writers of the same natural key both succeed without a savepoint."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported database {dialect}")
    table = model.__table__
    primary_key = list(table.primary_key.columns)[0]
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    # RETURNING rather than rowcount, which psycopg reports as -1 here.
    return session.execute(statement.returning(primary_key)).first() is not None
