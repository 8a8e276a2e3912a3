"""Translation settings (TRANSLATION_* environment variables, see .env.example)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("marian", "m2m100", "nllb", "apertium")
logger = logging.getLogger(__name__)


def project_path(value: str | Path) -> Path:
    """Relative paths in settings are relative to the project root, whatever the cwd."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


class TranslationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSLATION_", extra="ignore")

    # Folder holding one sub-folder per model (what `python -m bot.translation download` writes).
    models_dir: Path = Path("models/translation")
    # Which engine and model translates which pair: "src-tgt:engine:model" entries,
    # comma-separated; src or tgt may be "*". The most specific entry wins.
    pairs: str = ""
    # Use Debian's Apertium for a pair no transformer model is configured for (auto) or never (off).
    apertium: Literal["auto", "off"] = "auto"
    # Seconds one translate() call may take before it falls back to the original text.
    timeout_s: float = Field(default=3.0, gt=0)
    # In-memory LRU entries (sentences); a persistent SQLite copy lives under VAR_DIR.
    cache_size: int = Field(default=4096, ge=0)
    persistent_cache: bool = True
    batch_size: int = Field(default=16, ge=1)
    num_beams: int = Field(default=2, ge=1)
    device: str = "cpu"
    # Load configured models while the gateway starts (in the background), not on first use.
    preload: bool = True
    var_dir: Path = Field(default=Path("var"), validation_alias=AliasChoices("VAR_DIR", "TRANSLATION_VAR_DIR"))

    @property
    def models_path(self) -> Path:
        return project_path(self.models_dir)

    @property
    def cache_path(self) -> Path | None:
        return project_path(self.var_dir) / "translation_cache.sqlite3" if self.persistent_cache else None

    def pair_rules(self) -> list[PairRule]:
        return parse_pairs(self.pairs)


@dataclass(frozen=True)
class PairRule:
    """One TRANSLATION_PAIRS entry: `source`/`target` are ISO codes or "*"."""

    source: str
    target: str
    engine: str
    model: str

    def matches(self, source: str, target: str) -> bool:
        return self.source in ("*", source) and self.target in ("*", target)

    @property
    def specificity(self) -> int:
        return (self.source != "*") + (self.target != "*")

    def __str__(self) -> str:
        return f"{self.source}-{self.target}:{self.engine}:{self.model}"


def parse_pairs(spec: str) -> list[PairRule]:
    """Parses TRANSLATION_PAIRS. A malformed entry is logged and skipped: a typo in one
    pair must not take the gateway (and every other language) down."""
    rules: list[PairRule] = []
    for raw in spec.split(","):
        entry = raw.strip()
        if not entry:
            continue
        parts = [part.strip() for part in entry.split(":")]
        pair = parts[0]
        if pair == "*":
            source, target = "*", "*"
        else:
            source, _, target = pair.partition("-")
        engine = parts[1].lower() if len(parts) > 1 else ""
        model = parts[2] if len(parts) > 2 else ""
        problem = None
        if len(parts) not in (2, 3) or not source or not target:
            problem = "expected PAIR:ENGINE:MODEL, e.g. en-ja:marian:opus-mt-en-jap"
        elif engine not in ENGINES:
            problem = f"unknown engine {engine!r} (one of {', '.join(ENGINES)})"
        elif engine != "apertium" and not model:
            problem = f"engine {engine} needs a model name"
        elif "/" in model or "\\" in model or model.startswith("."):
            problem = "the model is a folder name under TRANSLATION_MODELS_DIR, not a path"
        if problem:
            logger.error("TRANSLATION_PAIRS: ignoring %r: %s", entry, problem)
            continue
        rules.append(PairRule(source.lower(), target.lower(), engine, model))
    return rules
