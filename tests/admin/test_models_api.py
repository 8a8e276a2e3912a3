"""Training, evaluation and activation through /api/admin with the real Rasa (.venv-rasa):
a tiny project trains in about a minute; the full assistant is never trained here."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.admin.conftest import ARTIFACTS, audit_entries, bearer, clear_caches, configure
from tests.support.stack import Stack, fresh_workdir


def wait_for(client, token: str, job_id: str, timeout: float = 600) -> tuple[dict, str]:
    deadline, offset, log = time.monotonic() + timeout, 0, ""
    while time.monotonic() < deadline:
        job = client.get(f"/api/admin/jobs/{job_id}", params={"log_offset": offset}, headers=bearer(token)).json()
        log, offset = log + job["log"], job["next_offset"]
        if job["status"] != "running":
            return job, log
        time.sleep(1)
    raise TimeoutError(f"job {job_id} still running after {timeout}s")


@pytest.fixture(scope="module")
def workbench(crm_stack, admin_token, tmp_path_factory):
    """The gateway on a tiny project, with one training already run through the API."""
    from fastapi.testclient import TestClient

    project = tmp_path_factory.mktemp("models-project")
    with pytest.MonkeyPatch.context() as monkeypatch:
        configure(monkeypatch, crm_stack, project)
        from bot.main import app

        with TestClient(app) as client:
            first = client.post("/api/admin/train", headers=bearer(admin_token))
            second = client.post("/api/admin/train", headers=bearer(admin_token))
            job, log = wait_for(client, admin_token, first.json()["id"])
            yield {"client": client, "project": project, "first": first, "second": second, "job": job, "log": log,
                   "monkeypatch": monkeypatch}
    clear_caches()


def test_one_training_at_a_time(workbench):
    assert workbench["first"].status_code == 202
    second = workbench["second"]
    assert second.status_code == 409
    assert second.json()["detail"]["code"] == "job_running"
    assert second.json()["detail"]["job"]["id"] == workbench["first"].json()["id"]


def test_training_registers_the_model_with_its_evaluation(workbench, admin_token):
    client, job = workbench["client"], workbench["job"]
    assert job["status"] == "succeeded", job["error"]
    assert job["progress"] == 1.0 and job["by"]["name"] == "Alex Admin"
    # trained now, or restored from Rasa's cache when an earlier run trained the same tiny data
    assert re.search(r"(Finished training|Restored) component 'LogisticRegressionClassifier'", workbench["log"])
    assert "rasa test nlu" in workbench["log"]
    models = client.get("/api/admin/models", headers=bearer(admin_token)).json()
    entry = next(m for m in models["models"] if m["name"] == job["model"])
    from bot.admin.api import get_services

    assert entry["fingerprint"] == get_services().data.fingerprint()
    assert entry["trained_by"]["name"] == "Alex Admin" and entry["training_s"] > 0
    nlu = entry["evaluation"]["nlu"]
    assert set(nlu["intents"]) == {"greet", "goodbye", "thank", "check_order_status"}
    assert 0 <= nlu["intents"]["greet"]["f1"] <= 1 and nlu["intents"]["greet"]["support"] == 2
    assert entry["evaluation"]["core"]["failed_stories"] == 0
    image = client.get(f"/api/admin/models/{job['model']}/evaluation/nlu_confusion.png", headers=bearer(admin_token))
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert (Path(workbench["project"]) / "models" / "registry.json").exists()


def test_failed_training_keeps_the_active_model_and_shows_the_error(workbench, admin_token):
    client, project = workbench["client"], Path(workbench["project"])
    (project / "models" / "ACTIVE").write_text(workbench["job"]["model"] + "\n")
    config = project / "config.yml"
    good = config.read_text()
    config.write_text(good.replace("LogisticRegressionClassifier", "NoSuchClassifier"))
    try:
        started = client.post("/api/admin/train", headers=bearer(admin_token))
        assert started.status_code == 202
        job, _ = wait_for(client, admin_token, started.json()["id"])
    finally:
        config.write_text(good)
    assert job["status"] == "failed"
    assert "rasa train exited with" in job["error"] and "NoSuchClassifier" in job["error"]
    assert "the active model keeps serving" in job["error"]
    models = client.get("/api/admin/models", headers=bearer(admin_token)).json()
    assert [m["name"] for m in models["models"]] == [workbench["job"]["model"]]
    assert models["active"] == workbench["job"]["model"]
    assert (project / "models" / "ACTIVE").read_text().strip() == workbench["job"]["model"]


@pytest.fixture(scope="module")
def rasa(workbench):
    """A real Rasa server serving the trained tiny model; the workbench pointed at it."""
    model = Path(workbench["project"]) / "models" / workbench["job"]["model"]
    stack = Stack(fresh_workdir(ARTIFACTS, "admin-rasa"), model=model)
    try:
        stack.start("rasa")
        yield stack
    finally:
        stack.stop()


def _point_at(workbench, crm_stack, rasa: Stack) -> None:
    # configure() rebuilds the project files (the trained model and registry stay) and clears the caches
    configure(workbench["monkeypatch"], crm_stack, Path(workbench["project"]), rasa_url=rasa.url("rasa"),
              rasa_token=rasa.env["RASA_TOKEN"])


def _status(rasa: Stack) -> str:
    answer = httpx.get(f"{rasa.url('rasa')}/status", params={"token": rasa.env["RASA_TOKEN"]}, timeout=10)
    return Path(answer.json()["model_file"]).name


def test_activate_without_downtime_refuse_a_broken_model_and_roll_back(workbench, rasa, crm_stack, admin_token):
    _point_at(workbench, crm_stack, rasa)
    client, project = workbench["client"], Path(workbench["project"])
    original = workbench["job"]["model"]
    candidate = "20990101-000000-cand.tar.gz"
    (project / "models" / candidate).write_bytes((project / "models" / original).read_bytes())

    # customers keep being answered while Rasa loads the new model
    answers, stop = [], threading.Event()

    def ask() -> None:
        with httpx.Client(timeout=60) as http:
            while not stop.is_set():
                answers.append(http.post(f"{rasa.url('rasa')}/model/parse", params={"token": rasa.env["RASA_TOKEN"]},
                                         json={"text": "hello"}).status_code)

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        activated = client.post("/api/admin/activate", headers=bearer(admin_token), json={"model": candidate})
    finally:
        stop.set()
        asker.join()
    assert activated.status_code == 200, activated.text
    assert activated.json()["active"] == candidate and activated.json()["audit_warning"] is None
    assert activated.json()["method"] == "gateway_channel"  # the non-blocking swap
    assert answers and set(answers) == {200}
    assert _status(rasa) == candidate
    assert (project / "models" / "ACTIVE").read_text().strip() == candidate
    # conversations still work on the swapped-in agent: its tracker store records a new message
    conversation, params = f"{rasa.url('rasa')}/conversations/after-swap", {"token": rasa.env["RASA_TOKEN"]}
    logged = httpx.post(f"{conversation}/messages", params=params, json={"text": "thanks a lot", "sender": "user"},
                        timeout=30)
    assert logged.status_code == 200, logged.text
    tracker = httpx.get(f"{conversation}/tracker", params=params, timeout=30).json()
    assert tracker["latest_message"]["intent"]["name"] == "thank"
    audit = audit_entries(crm_stack, admin_token, entity_type="model", entity_id=candidate)
    assert audit[0]["action"] == "model.activated" and audit[0]["after"] == {"model": candidate}

    broken = "20990102-000000-broken.tar.gz"
    (project / "models" / broken).write_bytes(b"not a model at all")
    refused = client.post("/api/admin/activate", headers=bearer(admin_token), json={"model": broken})
    assert refused.status_code == 502
    assert refused.json()["detail"]["code"] == "model_load_failed"
    assert _status(rasa) == candidate  # still serving the previous model
    assert (project / "models" / "ACTIVE").read_text().strip() == candidate
    parse = httpx.post(f"{rasa.url('rasa')}/model/parse", params={"token": rasa.env["RASA_TOKEN"]},
                       json={"text": "thanks a lot"}, timeout=30)
    assert parse.status_code == 200 and parse.json()["intent"]["name"] == "thank"

    rolled_back = client.post("/api/admin/activate", headers=bearer(admin_token), json={"model": original})
    assert rolled_back.status_code == 200 and rolled_back.json()["previous"] == candidate
    assert _status(rasa) == original
    models = client.get("/api/admin/models", headers=bearer(admin_token)).json()
    assert models["active"] == original and models["rasa"]["model_file"] == original
    assert [a["model"] for a in models["activations"]][-2:] == [candidate, original]
    missing = client.post("/api/admin/activate", headers=bearer(admin_token), json={"model": "../registry.json"})
    assert missing.status_code == 404


def test_evaluate_a_model_and_compare_with_the_active_one(workbench, admin_token):
    client = workbench["client"]
    models = client.get("/api/admin/models", headers=bearer(admin_token)).json()
    candidate = next(m["name"] for m in models["models"] if m["name"].endswith("-cand.tar.gz"))
    started = client.post("/api/admin/evaluate", headers=bearer(admin_token), json={"model": candidate})
    assert started.status_code == 202
    job, _ = wait_for(client, admin_token, started.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    compared = client.get(f"/api/admin/models/{candidate}/compare", headers=bearer(admin_token)).json()
    assert compared["candidate"]["name"] == candidate and compared["active"]["name"] == models["active"]
    same = compared["candidate"]["evaluation"]["nlu"]["intents"]
    assert same == compared["active"]["evaluation"]["nlu"]["intents"]  # byte-identical models score the same
