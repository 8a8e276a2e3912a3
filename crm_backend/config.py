"""CRM settings, read once from the environment (see .env.example)."""

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = "sqlite:///var/crm.db"
    crm_gateway_token: str = Field(min_length=16)
    crm_actions_token: str = Field(min_length=16)
    jwt_secret: str = Field(min_length=16)
    customer_token_secret: str = Field(min_length=16)
    shop_signing_secret: str = Field(min_length=16)
    seed_demo_data: bool = True
    demo_admin_password: str = ""
    demo_agent_password: str = ""

    @field_validator("database_url")
    @classmethod
    def use_psycopg3(cls, url: str) -> str:
        # "postgresql://" would make SQLAlchemy look for psycopg2; we ship psycopg 3.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            return "postgresql+psycopg://" + url.split("://", 1)[1]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
