"""Admin workbench fixtures: a real CRM (sign-in, audit log) started once per run, the
gateway app in process pointed at a tiny project in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from tests.admin import tiny_project
from tests.support.stack import ROOT, Stack, fresh_workdir

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def crm_stack():
    """The real CRM with demo staff (admin@example.com, agent@example.com) and its own secrets."""
    stack = Stack(fresh_workdir(ARTIFACTS, "admin-crm"), model=Path("/nonexistent"))
    try:
        stack.start("crm")
        yield stack
    finally:
        stack.stop()


def login(stack: Stack, email: str, password: str) -> str:
    answer = httpx.post(f"{stack.url('crm')}/api/v1/auth/login", json={"email": email, "password": password},
                        timeout=20)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="session")
def admin_token(crm_stack) -> str:
    return login(crm_stack, "admin@example.com", crm_stack.env["DEMO_ADMIN_PASSWORD"])


@pytest.fixture(scope="session")
def agent_token(crm_stack) -> str:
    return login(crm_stack, "agent@example.com", crm_stack.env["DEMO_AGENT_PASSWORD"])


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def configure(monkeypatch, crm_stack, project: Path, rasa_url: str = "http://127.0.0.1:9",
              rasa_token: str = "test-rasa-token-0123456789", **extra: str) -> dict[str, str]:  # noqa: S107
    env = tiny_project.build(project)
    env.update({
        "JWT_SECRET": crm_stack.env["JWT_SECRET"], "CRM_URL": crm_stack.url("crm"),
        "RASA_URL": rasa_url, "RASA_TOKEN": rasa_token,
        "CRM_GATEWAY_TOKEN": crm_stack.env["CRM_GATEWAY_TOKEN"],
        "GATEWAY_SERVICE_TOKEN": "test-gateway-service-token-0123",
        "KB_ENABLED": "false", "TRANSLATION_PRELOAD": "false", "VAR_DIR": str(project / "var"),
        "ADMIN_TRACKER_STORE_URL": f"sqlite:///{project / 'tracker.db'}",
        # the gateway's NLG serves the tiny project's responses and translations
        "DOMAIN_PATH": str(project / "domain.yml"), "NLG_TRANSLATIONS_DIR": str(project / "data" / "translations"),
    })
    env.update(extra)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    clear_caches()
    return env


def clear_caches() -> None:
    """Settings and services are cached per process: read the (changed) environment again."""
    from bot.admin.api import get_services
    from bot.admin.settings import get_admin_settings
    from bot.config import get_settings

    get_settings.cache_clear()
    get_admin_settings.cache_clear()
    get_services.cache_clear()


@pytest.fixture
def gateway(monkeypatch, crm_stack, project):
    """(client, project) — the gateway app with the workbench pointed at the tiny project."""
    from fastapi.testclient import TestClient

    configure(monkeypatch, crm_stack, project)
    from bot.main import app

    with TestClient(app) as client:
        yield client
    clear_caches()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_entries(crm_stack, admin_token: str, **params) -> list[dict]:
    answer = httpx.get(f"{crm_stack.url('crm')}/api/v1/audit", params={"entity_type": "training_data", **params},
                       headers=bearer(admin_token), timeout=20)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def copy_model(source: Path, target_dir: Path, name: str) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target_dir / name)
    return target_dir / name
