"""Real concurrency: simultaneous HTTP requests against the running server (the server
handles each in its own thread and database session), and threads racing on separate
sessions through the service layer. Exactly one of two conflicting changes wins; the loser
gets a 409 naming the conflict; nothing is half-applied or done twice."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from crm_backend.models import AuditEntry, Message, Order, OrderStatusChange, Ticket
from crm_backend.schemas.orders import AddressIn
from crm_backend.services import orders
from crm_backend.services.errors import VersionConflict
from crm_backend.services.security import Actor
from crm_backend.services.unit_of_work import Mutation
from tests.crm_backend.factories import make_conversation, make_customer, make_order, make_staff

N = 8


def race(ctx, requests: list[tuple[str, str, dict, dict]]) -> list[httpx.Response]:
    """Sends the requests at the same moment, each from its own thread and connection."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        method, path, body, headers = request
        with httpx.Client(base_url=ctx.client.base_url, timeout=60) as client:
            barrier.wait()
            return client.request(method, path, json=body, headers=headers)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_concurrent_cancels_one_wins(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
        order = make_order(s, customer)
    headers = ctx.actions(ctx.customer_token(customer))
    responses = race(ctx, [("POST", f"/orders/{order.number}/cancel", {"reason": f"r{i}"}, headers)
                           for i in range(N)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (N - 1), [r.text for r in responses]
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["detail"]["code"] in {"version_conflict", "order_not_cancellable"}
    with ctx.db() as s:
        assert s.query(OrderStatusChange).filter_by(order_id=order.id, to_status="cancelled").count() == 1
        assert s.query(AuditEntry).filter_by(action="order.cancelled").count() == 1
        assert s.get(Order, order.id).version == 2


def test_concurrent_address_updates_never_mix(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
        order = make_order(s, customer)
    headers = ctx.actions(ctx.customer_token(customer))
    bodies = [{"line1": f"{i} Street {i}", "city": f"City {i}", "postal_code": f"1000{i}", "country": "DE",
               "expected_version": 1} for i in range(N)]
    responses = race(ctx, [("PUT", f"/orders/{order.number}/shipping-address", b, headers) for b in bodies])
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1
    assert all(r.json()["detail"]["code"] == "version_conflict" for r in responses if r.status_code == 409)
    won = winners[0].json()["shipping_address"]
    i = won["line1"].split()[0]
    assert won["city"] == f"City {i}" and won["postal_code"] == f"1000{i}"  # one request's address, whole
    with ctx.db() as s:
        fresh = s.get(Order, order.id)
        assert (fresh.ship_line1, fresh.ship_city, fresh.version) == (won["line1"], won["city"], 2)


def test_version_check_on_separate_sessions(ctx, session_factory):
    """Two threads load the same order, then both cancel: the database's compare-and-set lets
    one commit and raises VersionConflict in the other."""
    with ctx.db() as s:
        customer = make_customer(s)
        order = make_order(s, customer)
    loaded = threading.Barrier(2)
    outcomes: list[str] = []

    def cancel(i: int) -> None:
        with session_factory() as session:
            mutation = Mutation(session=session, actor=Actor("test", customer_id=customer.id), owner="t", key=None,
                                method="POST", path="/", ttl=None)
            row = orders.get(session, order.number)
            assert row.version == 1
            loaded.wait()  # both hold version 1 before either writes
            try:
                mutation.run(lambda: orders.cancel(session, row, mutation.actor, f"thread {i}"))
                outcomes.append("ok")
            except VersionConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=cancel, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["conflict", "ok"]
    with ctx.db() as s:
        assert s.query(OrderStatusChange).filter_by(order_id=order.id, to_status="cancelled").count() == 1


def test_concurrent_address_change_and_cancel(ctx, session_factory):
    """Different changes to the same order from two sessions: still one winner."""
    with ctx.db() as s:
        customer = make_customer(s)
        order = make_order(s, customer)
    loaded = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def work(kind: str) -> None:
        with session_factory() as session:
            mutation = Mutation(session=session, actor=Actor("test"), owner="t", key=None, method="POST", path="/",
                                ttl=None)
            row = orders.get(session, order.number)
            loaded.wait()
            try:
                if kind == "cancel":
                    mutation.run(lambda: orders.cancel(session, row, mutation.actor, "x"))
                else:
                    address = AddressIn(line1="New 1", city="Köln", postal_code="50667", country="DE")
                    mutation.run(lambda: orders.change_address(session, row, mutation.actor, address))
                outcomes[kind] = "ok"
            except VersionConflict:
                outcomes[kind] = "conflict"

    threads = [threading.Thread(target=work, args=(k,)) for k in ("cancel", "address")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    with ctx.db() as s:
        fresh = s.get(Order, order.id)
        if outcomes["cancel"] == "ok":
            assert fresh.status == "cancelled" and fresh.ship_city == "Berlin"
        else:
            assert fresh.status == "placed" and fresh.ship_city == "Köln"


def test_concurrent_take_one_agent_wins(ctx):
    with ctx.db() as s:
        agents = [make_staff(s, name=f"Agent {i}") for i in range(N)]
        make_conversation(s, "web-race")
    ctx.client.post("/conversations/web-race/handoff", json={"reason": "human"}, headers=ctx.gateway())
    responses = race(ctx, [("POST", "/conversations/web-race/take", None, ctx.staff(a)) for a in agents])
    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1, [r.text for r in responses]
    winner = winners[0].json()["assignee"]
    for loser in (r for r in responses if r.status_code != 200):
        assert loser.status_code == 409
        assert loser.json()["detail"]["code"] == "already_taken", loser.json()
        assert loser.json()["detail"]["assignee"] == winner


def test_concurrent_retries_with_one_idempotency_key_create_one_ticket(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
    headers = ctx.actions(ctx.customer_token(customer), key=str(uuid.uuid4()))
    body = {"subject": "Broken", "description": "It broke.", "category": "damaged_item"}
    responses = race(ctx, [("POST", "/tickets", body, headers) for _ in range(N)])
    assert [r.status_code for r in responses] == [201] * N, [r.text for r in responses]
    assert len({r.json()["number"] for r in responses}) == 1
    with ctx.db() as s:
        assert s.query(Ticket).count() == 1
        assert s.query(AuditEntry).filter_by(action="ticket.created").count() == 1


def test_concurrent_retries_of_one_cancel_cancel_once(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
        order = make_order(s, customer)
    headers = ctx.actions(ctx.customer_token(customer), key=str(uuid.uuid4()))
    responses = race(ctx, [("POST", f"/orders/{order.number}/cancel", {"reason": "x"}, headers) for _ in range(N)])
    ok = [r for r in responses if r.status_code == 200]
    assert ok, [r.text for r in responses]
    assert all(r.json() == ok[0].json() for r in ok)
    with ctx.db() as s:
        assert s.query(OrderStatusChange).filter_by(order_id=order.id, to_status="cancelled").count() == 1


def test_concurrent_tickets_get_distinct_numbers(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
    headers = ctx.actions(ctx.customer_token(customer))
    body = {"subject": "s", "description": "d", "category": "other"}
    responses = race(ctx, [("POST", "/tickets", body, headers) for _ in range(N)])
    assert [r.status_code for r in responses] == [201] * N
    assert sorted(r.json()["number"] for r in responses) == [f"T{10001 + i}" for i in range(N)]


def test_concurrent_messages_get_unique_ordered_seqs(ctx):
    with ctx.db() as s:
        conv = make_conversation(s, "web-msgs")
    distinct = [("POST", "/conversations/web-msgs/messages",
                 {"client_message_id": f"m{i}", "sender_type": "customer", "text": f"hi {i}", "language": "en"},
                 ctx.gateway()) for i in range(N)]
    duplicate = [("POST", "/conversations/web-msgs/messages",
                  {"client_message_id": "dup", "sender_type": "customer", "text": "same", "language": "en"},
                  ctx.gateway()) for _ in range(4)]
    responses = race(ctx, distinct + duplicate)
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    dup_responses = responses[N:]
    assert sorted(r.status_code for r in dup_responses) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in dup_responses}) == 1
    with ctx.db() as s:
        seqs = sorted(m.seq for m in s.query(Message).filter_by(conversation_id=conv.id))
    assert seqs == list(range(1, N + 2))


@pytest.mark.parametrize("attempts", [12])
def test_concurrent_wrong_guesses_cannot_exceed_the_lock(ctx, attempts):
    with ctx.db() as s:
        customer = make_customer(s, email="alice@example.com")
        order = make_order(s, customer)
    body = {"order_number": order.number, "email": "wrong@example.com"}
    responses = race(ctx, [("POST", "/verifications", body, ctx.actions()) for _ in range(attempts)])
    assert sorted({r.status_code for r in responses}) == [401, 429]
    assert sum(r.status_code == 401 for r in responses) == ctx.settings.verification_max_failures - 1
