"""Gateway settings, read once from the environment (see .env.example)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = Field(min_length=16)
    crm_url: str = "http://127.0.0.1:8001"
    crm_gateway_token: str = Field(min_length=16)
    # Rasa's NLG calls and the action server's calls to the gateway carry this.
    gateway_service_token: str = Field(min_length=16)
    jwt_secret: str = Field(min_length=16)
    # Seconds to wait for Rasa to answer one customer message.
    rasa_timeout_s: float = 20.0
    domain_path: Path = PROJECT_ROOT / "domain.yml"
    data_dir: Path = PROJECT_ROOT / "data"
    languages: str = "en,es,de,fr"
    redis_url: str = ""
    # Prefix of the gateway's Redis channels and keys (several deployments can share one Redis).
    redis_namespace: str = "gw"
    # Where the gateway keeps its durable outbox of CRM writes (SQLite).
    var_dir: Path = PROJECT_ROOT / "var"
    # Seconds to wait for the CRM on one call.
    crm_timeout_s: float = 5.0
    # When agents answer, e.g. "Mon-Fri 08:00-18:00 Europe/Madrid"; empty: always open.
    support_hours: str = ""
    # Estimated minutes per conversation ahead in the queue (the handoff's expected_reply).
    minutes_per_queued_conversation: int = 3

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
