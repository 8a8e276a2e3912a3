"""Waits until every service answers its health check, then prints the URLs.

Runs as the `ready` process under honcho and then stays idle: honcho stops all
processes as soon as one exits, so this one must not.
Standard library only, so it runs before anything else is importable.
"""

import os
import signal
import sys
import time
import urllib.request

TIMEOUT_S = float(os.environ.get("STARTUP_TIMEOUT", "300"))


def checks() -> dict[str, str]:
    env = os.environ
    action_base = env["ACTION_SERVER_URL"].rsplit("/webhook", 1)[0]
    return {
        "crm": f"{env['CRM_URL']}/health",
        "actions": f"{action_base}/health",
        "rasa": f"{env['RASA_URL']}/",
        "gateway": f"{env['GATEWAY_URL']}/health",
    }


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> None:
    pending = checks()
    started = time.monotonic()
    while pending:
        pending = {name: url for name, url in pending.items() if not healthy(url)}
        if pending and time.monotonic() - started > TIMEOUT_S:
            print(f"still not healthy after {TIMEOUT_S:.0f}s: {', '.join(pending)}", flush=True)
            sys.exit(1)
        time.sleep(0.5)
    gateway, crm = os.environ["GATEWAY_URL"], os.environ["CRM_URL"]
    print(
        f"\nAll services are up after {time.monotonic() - started:.0f}s. Open:\n"
        f"  Chat widget (demo shop)  {gateway}/\n"
        f"  Agent console            {gateway}/console   (agent@example.com)\n"
        f"  Admin workbench          {gateway}/admin     (admin@example.com)\n"
        f"  CRM API docs             {crm}/docs\n"
        f"  Gateway API docs         {gateway}/docs\n"
        f"Staff passwords are DEMO_AGENT_PASSWORD / DEMO_ADMIN_PASSWORD in .env. Ctrl-C stops everything.\n",
        flush=True,
    )
    signal.pause()


if __name__ == "__main__":
    main()
