"""Gateway answers that need no CRM: support hours, bad input, staff-only routes (the app
in-process with its real lifespan; the CRM address is unreachable)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.bot.conftest import SERVICE_TOKEN

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture
def closed_now(monkeypatch):
    """SUPPORT_HOURS that cover only tomorrow."""
    tomorrow = (datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=1)).strftime("%a")
    monkeypatch.setenv("SUPPORT_HOURS", f"{tomorrow} 00:00-23:59 Europe/Madrid")
    monkeypatch.setenv("CRM_URL", "http://127.0.0.1:9")


def test_handoff_outside_support_hours_is_closed(closed_now, gateway):
    answer = gateway.post("/internal/handoff", json={"sender_id": "web-x", "reason": "customer_request"},
                          headers=AUTH)
    assert answer.status_code == 200 and answer.json() == {"outcome": "closed"}


def test_handoff_without_a_console_open_is_no_agents(gateway):
    answer = gateway.post("/internal/handoff", json={"sender_id": "web-x", "reason": "customer_request"},
                          headers=AUTH)
    assert answer.json() == {"outcome": "no_agents"}


@pytest.mark.parametrize("body, field", [({"reason": "x"}, "sender_id"),
                                          ({"sender_id": "a b", "reason": "x"}, "sender_id"),
                                          ({"sender_id": "x"}, "reason")])
def test_handoff_input_errors_name_the_field(gateway, body, field):
    answer = gateway.post("/internal/handoff", json=body, headers=AUTH)
    assert answer.status_code == 422 and any(field in error["loc"] for error in answer.json()["detail"])


@pytest.mark.parametrize("method, path", [("GET", "/console/api/queue"), ("GET", "/console/api/me"),
                                          ("POST", "/console/api/conversations/web-x/take"),
                                          ("POST", "/console/api/conversations/web-x/messages")])
def test_console_api_needs_a_signed_in_agent(gateway, method, path):
    assert gateway.request(method, path).status_code == 401


def test_console_websocket_refuses_strangers(gateway):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused, gateway.websocket_connect("/console/ws") as ws:
        ws.receive_json()
    assert refused.value.code == 4401


def test_widget_assets_are_served(gateway):
    script = gateway.get("/widget/widget.js")
    assert script.status_code == 200 and "textContent" in script.text and "innerHTML" not in script.text
    assert gateway.get("/widget/vendor/socket.io.min.js").status_code == 200
    assert 'src="/widget/widget.js"' in gateway.get("/").text
