"""Human handoff on the real stack (CRM, action server, Rasa with the trained model, gateway):
the assistant's handoff action calls /internal/handoff; while an agent has the conversation
the bot is silent; after the hand back Rasa is resumed and answers again."""

import httpx

from tests.support.gateway_clients import Console, wait_for
from tests.support.stack import http_json


def rest(stack, sender, text, language="en"):
    return http_json("POST", stack.url("gateway") + "/webhooks/rest/webhook",
                     {"sender": sender, "message": text, "metadata": {"language": language}})


def conversation(stack, session_id):
    return http_json("GET", stack.url("crm") + f"/api/v1/conversations/{session_id}",
                     headers={"Authorization": f"Bearer {stack.env['CRM_GATEWAY_TOKEN']}"})[1]


def agent_token(stack):
    return http_json("POST", stack.url("crm") + "/api/v1/auth/login",
                     {"email": "agent@example.com", "password": stack.env["DEMO_AGENT_PASSWORD"]})[1]["access_token"]


def test_request_human_queues_then_agent_then_bot_again(stack):
    token = agent_token(stack)
    console = Console(stack.url("gateway"), token)  # an agent is signed in: handoff is possible
    try:
        status, replies = rest(stack, "e2e-handoff", "I want to talk to a human")
        assert status == 200 and replies, replies
        session_id = "rest:e2e-handoff"
        wait_for(lambda: conversation(stack, session_id)["state"] == "queued", 20, "conversation queued")
        wait_for(lambda: any(e["type"] == "queue_changed" for e in console.events), 10, "console notified")

        with httpx.Client(base_url=stack.url("gateway"), headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as agent:
            assert agent.post(f"/console/api/conversations/{session_id}/take").status_code == 200
            status, replies = rest(stack, "e2e-handoff", "are you there?")
            assert status == 200 and replies == []  # the agent answers, not the bot
            console.wait_message("are you there?")
            assert agent.post(f"/console/api/conversations/{session_id}/handback").status_code == 200
        wait_for(lambda: conversation(stack, session_id)["state"] == "bot", 10, "back with the bot")
        status, replies = rest(stack, "e2e-handoff", "hi")
        assert status == 200 and replies and replies[0]["text"]
    finally:
        console.close()


def test_request_human_without_agents_is_answered(stack):
    status, replies = rest(stack, "e2e-no-agents", "I want to talk to a human")
    assert status == 200 and replies and replies[0]["text"]
    assert conversation(stack, "rest:e2e-no-agents")["state"] == "bot"
