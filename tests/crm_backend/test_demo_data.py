"""The demo data: deterministic, at least the promised counts, every order status and
language, and the documented scenario records (docs/DEMO_DATA.md) in their stated states."""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm_backend.db import make_engine, make_sessionmaker
from crm_backend.demo import generator, scenarios
from crm_backend.manage import init
from crm_backend.models import Conversation, Customer, Order, Staff, Ticket
from crm_backend.services import orders as order_rules
from crm_backend.services import tickets as ticket_service
from crm_backend.services.security import SYSTEM, verify_password
from crm_backend.vocab import OrderStatus, Priority, TicketCategory
from tests.crm_backend.conftest import _create_pg_database, _drop_pg_database, make_settings, postgres_error
from tests.support.stack import ROOT

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_generator_is_deterministic_and_meets_its_counts():
    first, second = generator.build(NOW), generator.build(NOW)
    assert first == second
    assert generator.build(NOW, seed=1).customers != first.customers
    assert len(first.customers) >= 200 and len(first.orders) >= 1000 and len(first.tickets) >= 300
    statuses = Counter(o["status"] for o in first.orders)
    assert set(statuses) == set(OrderStatus) and min(statuses.values()) >= 10
    languages = Counter(c["preferred_language"] for c in first.customers)
    assert set(languages) == {"en", "es", "de", "fr"}
    language_of = {c["ref"]: c["preferred_language"] for c in first.customers}
    ticket_languages = Counter(language_of[t["customer"]] for t in first.tickets)
    assert set(ticket_languages) == {"en", "es", "de", "fr"} and min(ticket_languages.values()) >= 30
    # Texts really are in the customer's language.
    spanish = next(t for t in first.tickets if language_of[t["customer"]] == "es" and t["category"] == "billing")
    assert spanish["subject"] == "Cobro duplicado"
    numbers = [o["number"] for o in first.orders]
    assert len(set(numbers)) == len(numbers) and all(len(n) == 6 and n.isdigit() for n in numbers)


def _environment(database_url: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "DATABASE_URL": database_url, "SEED_DEMO_DATA": "true",
            "CRM_GATEWAY_TOKEN": "g" * 32, "CRM_ACTIONS_TOKEN": "a" * 32, "JWT_SECRET": "j" * 32,
            "CUSTOMER_TOKEN_SECRET": "c" * 32, "SHOP_SIGNING_SECRET": "s" * 32,
            "DEMO_ADMIN_PASSWORD": "admin-demo-password", "DEMO_AGENT_PASSWORD": "agent-demo-password"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request, tmp_path):
    """A database made the way setup and the e2e stack make it: `python -m crm_backend.manage init`
    with settings from the environment."""
    if request.param == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path}/var/crm.db", None
    else:
        if postgres_error():
            pytest.skip(f"PostgreSQL not reachable: {postgres_error()}")
        cleanup, url = _create_pg_database()
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "crm_backend.manage", "init"], cwd=ROOT, env=_environment(url),
                            capture_output=True, text=True, timeout=300)
    print(f"\n[demo data] {request.param}: python -m crm_backend.manage init took {time.monotonic() - started:.1f}s")
    assert result.returncode == 0, result.stderr
    assert "with demo data" in result.stdout
    settings = make_settings(url, seed_demo_data=True, demo_admin_password="admin-demo-password",
                             demo_agent_password="agent-demo-password")
    engine = make_engine(settings)
    try:
        yield settings, make_sessionmaker(engine)
    finally:
        engine.dispose()
        if cleanup:
            _drop_pg_database(cleanup)


def test_seeded_database_has_the_scenario_records(seeded):
    settings, sessions = seeded
    now = datetime.now(UTC)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) >= 200
        assert s.scalar(select(func.count()).select_from(Order)) >= 1000
        assert s.scalar(select(func.count()).select_from(Ticket)) >= 300
        assert s.scalar(select(func.count()).select_from(Conversation)) >= 1
        for customer in scenarios.CUSTOMERS:
            row = s.scalar(select(Customer).where(Customer.email == customer.email))
            assert row is not None and row.preferred_language == customer.language and row.tier == customer.tier
            for spec in customer.orders:
                order = order_rules.get(s, spec.number, row.id)
                assert order.status == spec.status and order.currency == customer.currency
                if spec.status == "shipped":
                    assert order.carrier and order.tracking_number == spec.tracking_number
                allowed = order_rules.allowed_actions(order, settings.return_window_days, now)
                if spec.status == "delivered":
                    assert allowed["return"] is (spec.delivered_days_ago < settings.return_window_days)
                    assert abs((now - order.delivered_at) - timedelta(days=spec.delivered_days_ago)) < timedelta(
                        minutes=5)
                assert allowed["cancel"] is (spec.status in ("placed", "packed"))
                assert allowed["change_address"] is (spec.status == "placed")
        for spec in scenarios.TICKETS:
            ticket = ticket_service.get(s, spec.number)
            owner = scenarios.BY_KEY[spec.customer_key]
            assert ticket.status == spec.status and ticket.customer.email == owner.email
            assert (ticket.order.number if ticket.order else None) == spec.order_number
        admin = s.scalar(select(Staff).where(Staff.email == scenarios.ADMIN.email))
        assert admin.role == "admin" and verify_password(admin.password_hash, "admin-demo-password")
        for member in scenarios.STAFF[1:]:
            row = s.scalar(select(Staff).where(Staff.email == member.email))
            assert row.role == "agent" and row.languages == list(member.languages)
            assert verify_password(row.password_hash, "agent-demo-password")
        # New rows after seeding get fresh ids and numbers (PostgreSQL sequences were advanced).
        customer = Customer(first_name="New", last_name="Person", email="new.person@example.com")
        s.add(customer)
        s.flush()
        ticket = ticket_service.create(s, SYSTEM, subject="s", description="d", category=TicketCategory.other,
                                       priority=Priority.normal, customer=customer)
        s.commit()
        assert ticket.number == f"T{10001 + s.scalar(select(func.count()).select_from(Ticket)) - 1}"
    init(settings)  # a second init migrates (nothing to do) and leaves the data alone
    with sessions() as s:
        assert s.scalar(select(func.count()).where(Customer.email == scenarios.EN.email)) == 1
        assert s.scalar(select(func.count()).select_from(Staff)) == len(scenarios.STAFF)


def test_refuses_placeholder_secrets():
    with pytest.raises(ValueError):
        make_settings("sqlite://", jwt_secret="generate")
