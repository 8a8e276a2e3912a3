"""Admin workbench settings (environment variables with the ADMIN_ prefix, see .env.example).

Paths default to the assistant's own files; tests and the browser demo point them at a
small copy (ADMIN_DATA_DIR, ADMIN_CONFIG, ...) and run the very same code.
"""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class AdminSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADMIN_", extra="ignore")

    # Training data: nlu/, stories/, rules/, translations/, knowledge_base/ under it.
    data_dir: Path = PROJECT_ROOT / "data"
    domain: Path = PROJECT_ROOT / "domain.yml"
    config: Path = PROJECT_ROOT / "config.yml"
    # Trained models, registry.json, ACTIVE, job logs and evaluation results.
    models_dir: Path = PROJECT_ROOT / "models"
    # Held-out NLU test files (nlu/<lang>.yml) and test stories (stories/).
    tests_dir: Path = PROJECT_ROOT / "tests" / "rasa"
    rasa_bin: Path = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
    # Niceness of training and evaluation processes (the gateway keeps answering).
    nice: int = 10
    # Seconds a training or an evaluation may take before it is stopped.
    train_timeout_s: int = 3600
    # Messages whose intent confidence is under this are offered in "learn from conversations".
    low_confidence: float = 0.5
    # Rasa tracker store to read conversations from (read-only); empty: TRACKER_STORE_URL.
    tracker_store_url: str = ""

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (PROJECT_ROOT / path)


@lru_cache
def get_admin_settings() -> AdminSettings:
    s = AdminSettings()
    for name in ("data_dir", "domain", "config", "models_dir", "tests_dir", "rasa_bin"):
        setattr(s, name, s.resolve(getattr(s, name)))
    return s
