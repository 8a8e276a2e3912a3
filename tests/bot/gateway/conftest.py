"""Real CRM and real gateway processes (tests/support/stack.py), a recording stand-in for
Rasa (no trained model is needed), and clients for the widget's socket.io contract and the
agent console's WebSocket."""

from __future__ import annotations

import contextlib

import pytest

from tests.support.gateway_clients import (  # noqa: F401 (tests import these from here)
    Console,
    Customer,
    GatewayStack,
    crm_and_gateway,
    make_stack,
    wait_for,
)


@pytest.fixture(scope="module")
def gw():
    with crm_and_gateway("gateway-tests") as running:
        yield running


@pytest.fixture
def customer_factory():
    made: list[Customer] = []

    def make(url: str, session_id: str | None = None, enriched: bool = True) -> Customer:
        made.append(Customer(url, session_id, enriched).connect())
        return made[-1]

    yield make
    for customer in made:
        with contextlib.suppress(Exception):
            customer.close()


@pytest.fixture
def console_factory():
    made: list[Console] = []

    def make(url: str, token: str) -> Console:
        made.append(Console(url, token))
        return made[-1]

    yield make
    for console in made:
        console.close()
