"""Fetches translation models for users with internet access; the gateway never downloads.

    python -m bot.translation download opus-mt-en-ja      # MarianMT, one pair
    python -m bot.translation download m2m100_418M        # many-to-many, 100 languages
    python -m bot.translation download nllb-200-distilled-600M
    python -m bot.translation download Helsinki-NLP/opus-mt-en-jap --name opus-mt-en-jap
    python -m bot.translation list                        # configured pairs and what is present

A model lands in TRANSLATION_MODELS_DIR/<name>/ (config.json, weights, tokenizer
files, SOURCE.json saying where it came from). It is downloaded into
<name>.partial/ first and renamed when complete, so the gateway never loads half a
model. Then add the pair to TRANSLATION_PAIRS, e.g. "en-ja:marian:opus-mt-en-ja".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Short names for the models people use most; anything else is given as "org/name".
KNOWN_MODELS = {
    "m2m100_418M": ("facebook/m2m100_418M", "m2m100"),
    "m2m100_1.2B": ("facebook/m2m100_1.2B", "m2m100"),
    "nllb-200-distilled-600M": ("facebook/nllb-200-distilled-600M", "nllb"),
    "nllb-200-distilled-1.3B": ("facebook/nllb-200-distilled-1.3B", "nllb"),
}
OPUS_MT = re.compile(r"^opus-mt-[A-Za-z]{2,3}(?:_[A-Za-z]+)?-[A-Za-z]{2,3}(?:_[A-Za-z]+)?$|^opus-mt-[a-z]+-[A-Z]+$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
# What a translation model needs; skips other frameworks' weights (tf, flax, onnx, rust).
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.spm", "*.model", "*.txt", "sentencepiece*", "tokenizer*",
                  "README.md", "LICENSE*"]
# Older repositories only have pytorch_model.bin; fetched only when no safetensors exist.
FALLBACK_PATTERNS = ["pytorch_model.bin"]

Downloader = Callable[[str, Path, list[str]], None]


class DownloadError(Exception):
    pass


@dataclass(frozen=True)
class ModelSpec:
    name: str      # folder under the models dir, and the MODEL part of TRANSLATION_PAIRS
    repo_id: str   # Hugging Face Hub repository
    engine: str    # marian | m2m100 | nllb


def resolve(model: str, name: str | None = None) -> ModelSpec:
    """Turns what the user typed into a repository and a folder name, or explains why not."""
    if model in KNOWN_MODELS:
        repo_id, engine = KNOWN_MODELS[model]
        folder = name or model
    elif OPUS_MT.match(model):
        repo_id, engine, folder = f"Helsinki-NLP/{model}", "marian", name or model
    elif REPO_ID.match(model):
        repo_id, folder = model, name or model.split("/", 1)[1]
        lowered = model.lower()
        engine = "m2m100" if "m2m100" in lowered else "nllb" if "nllb" in lowered else "marian"
    else:
        raise DownloadError(
            f"unknown model {model!r}: give one of {', '.join(KNOWN_MODELS)}, an opus-mt-SRC-TGT name "
            "(Helsinki-NLP MarianMT) or a Hugging Face repository id such as Helsinki-NLP/opus-mt-en-jap")
    if not SAFE_NAME.match(folder) or folder in (".", ".."):
        raise DownloadError(f"invalid folder name {folder!r}: letters, digits, '.', '_' and '-' only")
    return ModelSpec(folder, repo_id, engine)


def hub_download(repo_id: str, target: Path, patterns: list[str]) -> None:
    """The real download (huggingface_hub). The gateway's environment sets
    HF_HUB_OFFLINE=1 so nothing ever downloads at request time; this command is the
    one place that lifts it, before huggingface_hub reads it."""
    os.environ["HF_HUB_OFFLINE"] = "0"
    if "huggingface_hub" in sys.modules:
        import huggingface_hub.constants as constants

        constants.HF_HUB_OFFLINE = False
    from huggingface_hub import snapshot_download

    snapshot_download(repo_id=repo_id, local_dir=str(target), allow_patterns=patterns)
    if not any(target.glob("*.safetensors")):
        snapshot_download(repo_id=repo_id, local_dir=str(target), allow_patterns=FALLBACK_PATTERNS)


def download(spec: ModelSpec, models_dir: Path, *, force: bool = False,
             downloader: Downloader = hub_download) -> Path:
    """Downloads into <name>.partial, checks it is a model, then renames it into place."""
    final = models_dir / spec.name
    if final.exists() and not force:
        raise DownloadError(f"{final} already exists (use --force to replace it)")
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = models_dir / f"{spec.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        downloader(spec.repo_id, partial, ALLOW_PATTERNS)
        # huggingface_hub keeps bookkeeping in .cache/ inside local_dir; the model does not need it.
        shutil.rmtree(partial / ".cache", ignore_errors=True)
        if not (partial / "config.json").is_file():
            raise DownloadError(f"{spec.repo_id} has no config.json: not a transformers model")
        if not any(partial.glob("*.safetensors")) and not (partial / "pytorch_model.bin").is_file():
            raise DownloadError(f"{spec.repo_id} has no PyTorch weights")
        (partial / "SOURCE.json").write_text(json.dumps(
            {"repo_id": spec.repo_id, "engine": spec.engine,
             "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=2) + "\n")
        if final.exists():
            shutil.rmtree(final)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def main(argv: list[str] | None = None, *, downloader: Downloader = hub_download) -> int:
    from bot.translation.settings import TranslationSettings

    settings = TranslationSettings()
    parser = argparse.ArgumentParser(prog="python -m bot.translation",
                                     description="Manage the gateway's translation models.")
    commands = parser.add_subparsers(dest="command", required=True)
    get = commands.add_parser("download", help="download a model into TRANSLATION_MODELS_DIR (needs internet)")
    get.add_argument("model", help="m2m100_418M, nllb-200-distilled-600M, opus-mt-SRC-TGT, or org/name")
    get.add_argument("--name", help="folder name under the models dir (default: the model's name)")
    get.add_argument("--models-dir", type=Path, default=settings.models_path,
                     help=f"default: TRANSLATION_MODELS_DIR ({settings.models_path})")
    get.add_argument("--force", action="store_true", help="replace a model already there")
    commands.add_parser("list", help="show configured pairs and which models are present")
    args = parser.parse_args(argv)

    if args.command == "list":
        from bot.translation.service import TranslationService

        service = TranslationService.from_settings(settings)
        rows = service.describe()
        if not rows:
            print("TRANSLATION_PAIRS is empty: no transformer model configured.")
        for row in rows:
            print(f"{row['rule']:<50} {row['state']}")
        if service.apertium:
            print(f"apertium: {', '.join(sorted(service.apertium.modes))}")
        return 0

    try:
        spec = resolve(args.model, args.name)
        print(f"downloading {spec.repo_id} into {args.models_dir / spec.name} ...", flush=True)
        path = download(spec, args.models_dir, force=args.force, downloader=downloader)
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # network errors, hub errors: one clear line, no stack trace
        print(f"error: download of {args.model} failed: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    pair = "*"
    if spec.engine == "marian":
        opus = re.match(r"opus-mt-([a-z]{2})-([a-z]{2})$", spec.repo_id.split("/")[-1])
        pair = f"{opus[1]}-{opus[2]}" if opus else "SRC-TGT"
    example = f"{pair}:{spec.engine}:{spec.name}"
    print(f"done: {path}\nuse it by adding it to TRANSLATION_PAIRS, e.g. TRANSLATION_PAIRS=\"{example}\"")
    return 0
