"""One running stack (CRM, actions, Rasa, gateway) shared by all end-to-end tests
of a pytest run; it uses the model `make test` trained into models/."""

from pathlib import Path

import pytest

from tests.support.stack import ROOT, Stack, fresh_workdir

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def stack():
    running = Stack(fresh_workdir(ARTIFACTS, "e2e-stack"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
