"""CRM test fixtures. API tests run against a real uvicorn server (in a thread) on each
database backend: SQLite always, PostgreSQL at 127.0.0.1:5432 when a server answers (a
uniquely named database per session, dropped afterwards). Without PostgreSQL those tests
are skipped with a loud banner; set CRM_TEST_REQUIRE_POSTGRES=1 to make that an error."""

import os
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from crm_backend.config import Settings
from crm_backend.db import Base, make_engine, make_sessionmaker
from crm_backend.main import create_app
from crm_backend.manage import migrate
from crm_backend.services.security import issue_customer_token, issue_staff_token
from tests.support.stack import free_port

PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
TEST_SECRETS = dict(
    crm_gateway_token="test-gateway-token-0123456789", crm_actions_token="test-actions-token-0123456789",
    jwt_secret="test-jwt-secret-0123456789abcdef-0123", customer_token_secret="test-customer-secret-0123456789abc",
    shop_signing_secret="test-shop-secret-0123456789abcdef-01",
)


class PostgresUnavailable(UserWarning):
    pass


def _postgres_error() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN) as connection:
            connection.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_PG_ERROR: list[str | None] = []


def postgres_error() -> str | None:
    if not _PG_ERROR:
        _PG_ERROR.append(_postgres_error())
    return _PG_ERROR[0]


BANNER = ("!" * 78 + "\n!!  PostgreSQL at 127.0.0.1:5432 is NOT reachable ({error}).\n"
          "!!  The CRM's PostgreSQL tests are SKIPPED: only SQLite was tested.\n" + "!" * 78)


def pytest_report_header(config):
    error = postgres_error()
    return BANNER.format(error=error) if error else "CRM tests: SQLite and PostgreSQL (127.0.0.1:5432)"


def pytest_terminal_summary(terminalreporter):
    error = postgres_error()
    if error:
        terminalreporter.write_line(BANNER.format(error=error), red=True, bold=True)


def _create_pg_database() -> tuple[str, str]:
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, PG_URL.format(name=name)


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database URL for this session (skips loudly)."""
    error = postgres_error()
    if error:
        if os.environ.get("CRM_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required (CRM_TEST_REQUIRE_POSTGRES=1) but not reachable: {error}")
        warnings.warn(f"PostgreSQL not reachable, CRM PostgreSQL tests skipped: {error}", PostgresUnavailable,
                      stacklevel=1)
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {error}")
    name, url = _create_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


def make_settings(database_url: str, **overrides) -> Settings:
    # Fewer failed logins before the lock than in production: each failure costs an argon2 hash.
    values = {"seed_demo_data": False, "log_level": "WARNING", "login_max_failures": 3, **TEST_SECRETS,
              **overrides}
    return Settings(database_url=database_url, **values)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('crm')}/crm.db"
    return request.getfixturevalue("postgres_database")


@pytest.fixture(scope="session")
def settings(backend: str) -> Settings:
    settings = make_settings(backend)
    migrate(settings)  # the real migrations, not create_all
    return settings


@pytest.fixture(scope="session")
def engine(settings: Settings):
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


class ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # not the main thread
        pass


@pytest.fixture(scope="session")
def server_url(settings: Settings) -> Iterator[str]:
    """A real uvicorn server running the app, so tests (and concurrent requests) go over HTTP."""
    port = free_port()
    server = ThreadedServer(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("CRM test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def clean_database(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "number_counters"]
    # DELETE rather than TRUNCATE: on tables this small it is much faster on PostgreSQL.
    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (table names from metadata)
        connection.execute(text("UPDATE number_counters SET value = 10000 WHERE name = 'ticket'"))
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('ticket_number_seq', 10000)"))


@dataclass
class Ctx:
    """One API test's view: an HTTP client on the running server, the settings (for tokens)
    and a way into the database for factories and checks."""

    client: httpx.Client
    settings: Settings
    sessions: sessionmaker[Session]
    base_url: str

    # --- headers ----------------------------------------------------------------------
    def gateway(self, key: str | None = None, **extra: str) -> dict[str, str]:
        return self._headers(self.settings.crm_gateway_token, key=key, **extra)

    def actions(self, customer_token: str | None = None, key: str | None = None) -> dict[str, str]:
        extra = {"X-Customer-Token": customer_token} if customer_token else {}
        return self._headers(self.settings.crm_actions_token, key=key, **extra)

    def staff(self, member, key: str | None = None) -> dict[str, str]:
        token, _ = issue_staff_token(self.settings, member.id, member.role, member.name)
        return self._headers(token, key=key)

    @staticmethod
    def _headers(token: str, key: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", **extra}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    # --- customers ----------------------------------------------------------------------
    def customer_token(self, customer) -> str:
        return issue_customer_token(self.settings, customer.id, "test")[0]

    def verify(self, order_number: str, email: str) -> str:
        response = self.client.post("/verifications", json={"order_number": order_number, "email": email},
                                    headers=self.actions())
        assert response.status_code == 200, response.text
        return response.json()["customer_token"]

    def db(self) -> Session:
        return self.sessions()


@pytest.fixture
def ctx(server_url: str, settings: Settings, session_factory, engine) -> Iterator[Ctx]:
    clean_database(engine)
    with httpx.Client(base_url=f"{server_url}/api/v1", timeout=60) as client:
        yield Ctx(client=client, settings=settings, sessions=session_factory, base_url=server_url)

