"""The action server accepts only callers with ACTION_SERVER_TOKEN (Rasa)."""

import os
import subprocess
import sys
import time

import pytest

from tests.support.stack import ROOT, free_port, http_get, http_json

TOKEN = "test-action-server-token-0123456789"


@pytest.fixture(scope="module")
def action_server():
    port = free_port()
    env = {**os.environ, "ACTION_SERVER_TOKEN": TOKEN, "ACTIONS_PORT": str(port), "BIND_HOST": "127.0.0.1"}
    process = subprocess.Popen([sys.executable, "-m", "actions.server"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while http_get(base + "/health") != 200:
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, "action server did not start"
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


def call(base: str, token: str | None) -> int:
    body = {"next_action": "action_does_not_exist", "tracker": {}, "domain": {}, "version": "3.6.2"}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, _ = http_json("POST", base + "/webhook", body, headers, timeout=10)
    return status


def test_health_needs_no_token(action_server):
    assert http_get(action_server + "/health") == 200


def test_webhook_without_token_is_rejected(action_server):
    assert call(action_server, None) == 401


def test_webhook_with_wrong_token_is_rejected(action_server):
    assert call(action_server, "wrong-token") == 401


def test_webhook_with_token_reaches_the_sdk(action_server):
    # The SDK itself answers: 404 for an action it does not know.
    assert call(action_server, TOKEN) == 404
