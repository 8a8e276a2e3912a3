"""`python -m bot.admin`: the same service layer from the command line, signed in as an admin
against the real CRM (audit), on the tiny project."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.admin import tiny_project
from tests.admin.conftest import audit_entries
from tests.support.stack import ROOT


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.admin", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def environment(crm_stack, project, **extra: str) -> dict[str, str]:
    env = {**os.environ, **tiny_project.build(project)}
    env.update({"JWT_SECRET": crm_stack.env["JWT_SECRET"], "CRM_URL": crm_stack.url("crm"),
                "RASA_URL": "http://127.0.0.1:9", "RASA_TOKEN": "test-rasa-token-0123456789",
                "CRM_GATEWAY_TOKEN": "test-crm-gateway-token-0123", "GATEWAY_SERVICE_TOKEN": "test-gateway-token-0123",
                "ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": crm_stack.env["DEMO_ADMIN_PASSWORD"]})
    env.pop("ADMIN_TOKEN", None)
    env.update(extra)
    return env


def test_cli_reads_changes_validates_and_audits(crm_stack, admin_token, project):
    env = environment(crm_stack, project)
    added = cli(env, "nlu", "add", "en", "thank", "much obliged")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["examples"][-1] == "much obliged"
    listed = json.loads(cli(env, "nlu", "list", "--language", "en", "--name", "thank").stdout)
    assert listed[0]["examples"][-1] == "much obliged"
    assert audit_entries(crm_stack, admin_token, entity_id="nlu/en/basics.yml#intent:thank")[0]["actor_name"] == \
        "Alex Admin"

    duplicate = cli(env, "nlu", "add", "en", "greet", "much obliged")
    assert duplicate.returncode == 1
    assert "error invalid_training_data" in duplicate.stderr and "intent 'thank'" in duplicate.stderr

    story = "story: greet back\nsteps:\n  - intent: greet\n  - action: utter_greet\n"
    assert cli(env, "stories", "set", "story", "greet back", "-", stdin=story).returncode == 0
    unknown = cli(env, "stories", "set", "story", "bad", "-", stdin="story: bad\nsteps:\n  - intent: nope\n")
    assert unknown.returncode == 1 and "intent 'nope' is not in domain.yml" in unknown.stderr
    stories = json.loads(cli(env, "stories", "list", "story").stdout)
    assert [(s["file"], s["name"]) for s in stories] == [("stories/admin.yml", "greet back"),
                                                         ("stories/stories.yml", "order status")]

    models = json.loads(cli(env, "models").stdout)
    assert models["models"] == [] and models["rasa"]["reachable"] is False
    missing = cli(env, "activate", "nothing.tar.gz")
    assert missing.returncode == 1 and "error model_not_found" in missing.stderr


def test_cli_refuses_agents_and_bad_passwords(crm_stack, project):
    agent = environment(crm_stack, project, ADMIN_EMAIL="agent@example.com",
                        ADMIN_PASSWORD=crm_stack.env["DEMO_AGENT_PASSWORD"])
    refused = cli(agent, "nlu", "add", "en", "thank", "cheers then")
    assert refused.returncode == 1 and "error forbidden" in refused.stderr
    wrong = cli(environment(crm_stack, project, ADMIN_PASSWORD="not-the-password"), "train")
    assert wrong.returncode == 1 and "error sign_in_failed" in wrong.stderr
    assert "cheers then" not in (project / "data/nlu/en/basics.yml").read_text()
