"""CRM settings, read once from the environment (every variable is documented in .env.example)."""

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"generate", "changeme", "change-me", "secret", "password"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "sqlite:///var/crm.db"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=20, ge=0, le=200)
    # Threads running the (synchronous) database work of requests. Under the GIL a few threads
    # serve CPU-bound requests faster and more fairly than many.
    request_threads: int = Field(default=40, ge=1, le=400)

    crm_gateway_token: str = Field(min_length=16)
    crm_actions_token: str = Field(min_length=16)
    # HMAC-SHA256 keys: at least 32 bytes (RFC 7518 3.2).
    jwt_secret: str = Field(min_length=32)
    customer_token_secret: str = Field(min_length=32)
    shop_signing_secret: str = Field(min_length=32)

    jwt_expires_minutes: int = Field(default=480, ge=1, le=7 * 24 * 60)
    customer_token_ttl_minutes: int = Field(default=30, ge=1, le=24 * 60)
    verification_max_failures: int = Field(default=5, ge=1, le=100)
    verification_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_max_failures: int = Field(default=10, ge=1, le=100)
    login_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    return_window_days: int = Field(default=30, ge=0, le=365)
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    max_request_bytes: int = Field(default=1_000_000, ge=1024)

    seed_demo_data: bool = True
    demo_admin_password: str = ""
    demo_agent_password: str = ""
    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def use_psycopg3(cls, url: str) -> str:
        # "postgresql://" would make SQLAlchemy look for psycopg2; we ship psycopg 3.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @field_validator(
        "crm_gateway_token", "crm_actions_token", "jwt_secret", "customer_token_secret", "shop_signing_secret"
    )
    @classmethod
    def no_placeholder(cls, value: str) -> str:
        if value.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("a placeholder is not a secret: run scripts/setup.sh to generate one")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
