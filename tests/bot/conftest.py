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
