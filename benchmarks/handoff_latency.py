"""Time from a customer's message to the agent's screen, once a human has the conversation.

Starts the real CRM and gateway (uvicorn subprocesses, tests/support/stack.py) and, with
--rasa, the real Rasa and action servers (needs a trained model); without it, Rasa is the
recording stand-in of tests/support/fake_rasa.py (Rasa is not on this path anyway: while an
agent has the conversation the gateway does not call it). The handoff is made through
POST /internal/handoff as the action server makes it, the agent takes it through the console
API, then the customer sends N messages over socket.io; each is timed until it arrives on
the agent's console WebSocket (stored in the CRM first, translated into the agent's language).
With --redis the customer is on one gateway and the agent on a second one (Redis pub/sub).

    .venv/bin/python benchmarks/handoff_latency.py --messages 100 [--language es] [--redis]

Target: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from nlu_common import percentile  # noqa: E402

from tests.support.gateway_clients import Console, Customer, make_stack, wait_for  # noqa: E402
from tests.support.stack import Stack, fresh_workdir  # noqa: E402

SENTENCES = {
    "en": "my parcel has not arrived yet, message {i}",
    "es": "mi paquete todavía no ha llegado, mensaje {i}",
}



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--language", choices=sorted(SENTENCES), default="es",
                        help="the customer's language (the agent reads English: 'es' includes machine translation)")
    parser.add_argument("--redis", action="store_true", help="customer and agent on two gateways sharing Redis")
    parser.add_argument("--rasa", action="store_true", help="run the real Rasa and action servers (trained model)")
    args = parser.parse_args()
    if args.redis and args.rasa:
        parser.error("--redis runs a second gateway next to the Rasa stand-in; leave out --rasa")

    extra = {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_NAMESPACE": "gwbench"} if args.redis else {}
    if args.rasa:
        stack = Stack(fresh_workdir(ROOT / "test-artifacts", "bench-handoff"), extra_env=extra)
        rasa = None
    else:
        rasa, stack = make_stack("bench-handoff", extra)
    services = ("crm", "actions", "rasa", "gateway") if args.rasa else ("crm", "gateway")
    try:
        stack.start(*services)
        agent_gateway = "gateway"
        if args.redis:
            stack.start_service("gateway2")
            stack.wait_healthy("gateway2")
            agent_gateway = "gateway2"
        token = httpx.post(stack.url("crm") + "/api/v1/auth/login", json={
            "email": "agent@example.com", "password": stack.env["DEMO_AGENT_PASSWORD"]}).json()["access_token"]
        console = Console(stack.url(agent_gateway), token)
        customer = Customer(stack.url("gateway")).connect()
        customer.say("hola" if args.language == "es" else "hello", language=args.language)
        handoff = httpx.post(stack.url("gateway") + "/internal/handoff", timeout=30,
                             json={"sender_id": customer.session_id, "reason": "benchmark"},
                             headers={"Authorization": f"Bearer {stack.env['GATEWAY_SERVICE_TOKEN']}"})
        assert handoff.json()["outcome"] == "queued", handoff.text
        agent = httpx.Client(base_url=stack.url(agent_gateway), headers={"Authorization": f"Bearer {token}"},
                             timeout=30)
        assert agent.post(f"/console/api/conversations/{customer.session_id}/take").status_code == 200

        latencies: list[float] = []
        for i in range(args.messages + 5):  # the first 5 warm caches and connections up
            text = SENTENCES[args.language].format(i=i)
            started = time.perf_counter()
            customer.say(text)
            wait_for(lambda text=text: any(e["type"] == "message" and e["message"].get("text") == text
                                           and e["message"].get("display_text") for e in console.events),
                     10, f"message {i} on the console")
            if i >= 5:
                latencies.append((time.perf_counter() - started) * 1000)
        shown = next(e["message"] for e in reversed(console.events) if e["type"] == "message"
                     and e["message"].get("sender_type") == "customer")
        print(f"customer ({args.language}) -> agent console (en), {len(latencies)} messages, "
              f"{'two gateways + Redis' if agent_gateway == 'gateway2' else 'one gateway'}, "
              f"{'real Rasa' if args.rasa else 'Rasa stand-in (not on this path)'}")
        print(f"  example: {shown['text']!r} shown as {shown['display_text']!r}")
        print(f"  p50 {statistics.median(latencies):.1f} ms  p95 {percentile(latencies, 95):.1f} ms  "
              f"max {max(latencies):.1f} ms  (target p95 < 300 ms)")
        console.close()
        customer.close()
    finally:
        stack.stop()
        if rasa is not None:
            rasa.stop()


if __name__ == "__main__":
    main()
