"""The CRM client's time limit and retry rule, against a deliberately slow local HTTP server
(a real socket; the real CRM cannot be made slow on demand)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from actions.crm import CRMClient, CRMError, CRMSettings, CRMUnavailable


@pytest.fixture
def slow_server():
    calls: list[tuple[str, str, str | None]] = []
    state = {"delay": 1.0, "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            calls.append((self.command, self.path, self.headers.get("Idempotency-Key")))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(state["delay"])
            body = b'{"detail": {"code": "order_not_found", "message": "No such order."}}' \
                if state["status"] == 404 else b"{}"
            try:
                self.send_response(state["status"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = CRMSettings(url=f"http://127.0.0.1:{server.server_port}", token="t", timeout_s=0.3, retries=1)
    yield CRMClient(settings), calls, state
    server.shutdown()


async def test_slow_get_is_retried_once_then_reported_unavailable(slow_server):
    client, calls, _ = slow_server
    started = time.perf_counter()
    with pytest.raises(CRMUnavailable):
        await client.order("100101")
    assert [call[0] for call in calls] == ["GET", "GET"]
    assert time.perf_counter() - started < 2.0  # two time limits, not the server's pace


async def test_mutation_with_idempotency_key_is_retried_with_the_same_key(slow_server):
    client, calls, _ = slow_server
    with pytest.raises(CRMUnavailable):
        await client.cancel_order("100101", "changed my mind", "key-123")
    assert [(method, key) for method, _, key in calls] == [("POST", "key-123"), ("POST", "key-123")]


async def test_verification_is_never_retried(slow_server):
    client, calls, _ = slow_server
    with pytest.raises(CRMUnavailable):
        await client.verify("100101", "a@example.com")
    assert len(calls) == 1  # a retry could count as a second failed attempt


async def test_server_errors_are_retried_but_client_errors_are_not(slow_server):
    client, calls, state = slow_server
    state.update(delay=0, status=503)
    with pytest.raises(CRMUnavailable):
        await client.order("100101")
    assert len(calls) == 2
    calls.clear()
    state.update(status=404)
    with pytest.raises(CRMError) as error:
        await client.order("100101")
    assert error.value.code == "order_not_found" and len(calls) == 1
