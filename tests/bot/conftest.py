"""Fixtures shared by the translation, language, NLG and knowledge tests."""

from pathlib import Path

import pytest

from tests.bot.tiny_models import build_m2m100, build_marian


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    """A TRANSLATION_MODELS_DIR with two tiny Marian models and one tiny M2M100 model."""
    root = tmp_path_factory.mktemp("models")
    work = tmp_path_factory.mktemp("spm")
    build_marian(root / "tiny-marian-en-xx", work / "a", seed=1)
    build_marian(root / "tiny-marian-it-en", work / "b", seed=2)
    build_m2m100(root / "tiny-m2m100", work / "c", seed=3)
    return root


SERVICE_TOKEN = "test-gateway-service-token"


@pytest.fixture
def gateway(monkeypatch, tmp_path):
    """The gateway app (bot.main) with its real lifespan; knowledge search off unless a
    test puts a KnowledgeService on app.state (loading MiniLM per test is too slow)."""
    from fastapi.testclient import TestClient

    from bot.config import get_settings

    for name in ("RASA_TOKEN", "CRM_GATEWAY_TOKEN", "JWT_SECRET"):
        monkeypatch.setenv(name, f"test-{name.lower()}-0123456789")
    monkeypatch.setenv("GATEWAY_SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("KB_ENABLED", "false")
    monkeypatch.setenv("TRANSLATION_PRELOAD", "false")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    from bot.main import app

    with TestClient(app) as client:
        yield client
    get_settings.cache_clear()
