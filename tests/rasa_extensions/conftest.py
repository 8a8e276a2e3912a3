"""Fixtures for Rasa-side components. Run in Rasa's environment:

    .venv-rasa/bin/python -m pytest tests/rasa_extensions
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rasa.engine.graph import ExecutionContext, GraphSchema  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402

from rasa_extensions.nlu.onnx_sentence_encoder import resolve_model_dir  # noqa: E402


@pytest.fixture(scope="session")
def encoder_dir() -> Path:
    """The ONNX export made by scripts/setup.sh; its absence is a setup failure, not a skip."""
    folder = resolve_model_dir(None)
    if not (folder / "export.json").is_file():
        pytest.fail(f"{folder} is missing: run scripts/setup.sh (or .venv/bin/python "
                    f"scripts/export_sentence_encoder.py) before these tests")
    return folder


@pytest.fixture
def model_storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


@pytest.fixture
def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="test_node")


@pytest.fixture
def resource() -> Resource:
    return Resource("test_component")


@pytest.fixture(scope="session")
def tokenizer() -> WhitespaceTokenizer:
    return WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
