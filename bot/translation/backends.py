"""Translation engines. Each translates a batch of sentences in a worker thread.

- `Seq2SeqBackend`: Hugging Face transformers encoder-decoder models loaded from a
  local folder: MarianMT (one model per language pair), M2M100 and NLLB (one model,
  many pairs, the target language forced as the first generated token).
- `ApertiumBackend`: Debian's rule-based Apertium (`apertium eng-spa`), offline and
  instant to start; used for a pair no transformer model is configured for.

Nothing here downloads: a missing folder makes the backend unavailable, which the
service logs once at start and routes around.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# NLLB-200 names languages by ISO 639-3 + script.
NLLB_CODES = {
    "ar": "arb_Arab", "bg": "bul_Cyrl", "ca": "cat_Latn", "cs": "ces_Latn", "da": "dan_Latn", "de": "deu_Latn",
    "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn", "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr",
    "hi": "hin_Deva", "hu": "hun_Latn", "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "ko": "kor_Hang",
    "nl": "nld_Latn", "no": "nob_Latn", "pl": "pol_Latn", "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl",
    "sk": "slk_Latn", "sv": "swe_Latn", "th": "tha_Thai", "tr": "tur_Latn", "uk": "ukr_Cyrl", "vi": "vie_Latn",
    "zh": "zho_Hans",
}
# Apertium names languages by ISO 639-3.
APERTIUM_CODES = {
    "en": "eng", "es": "spa", "ca": "cat", "pt": "por", "fr": "fra", "it": "ita", "de": "deu", "nl": "nld",
    "gl": "glg", "eu": "eus", "ro": "ron", "oc": "oci", "da": "dan", "sv": "swe", "no": "nob",
}


class Backend(Protocol):
    engine: str
    # Namespace of this backend's cache entries: a new model never reuses an old model's output.
    cache_id: str

    def available(self) -> bool: ...

    def supports(self, source: str, target: str) -> bool: ...

    def translate_batch(self, sentences: list[str], source: str, target: str, deadline: float) -> list[str]: ...


class BackendUnavailable(RuntimeError):
    """The model could not be loaded; the service falls back."""


class Seq2SeqBackend:
    """A transformers seq2seq model in `model_dir`, loaded on first use (or by preload)."""

    def __init__(self, engine: str, model_dir: Path, *, pair: tuple[str, str] | None = None, device: str = "cpu",
                 batch_size: int = 16, num_beams: int = 2) -> None:
        if engine not in ("marian", "m2m100", "nllb"):
            raise ValueError(f"not a transformers engine: {engine}")
        self.engine = engine
        self.model_dir = model_dir
        self.cache_id = f"{engine}:{model_dir.name}"
        # A Marian model translates one pair; which one comes from configuration.
        self.pair = pair
        self.device = device
        self.batch_size = batch_size
        self.num_beams = num_beams
        self._model: Any = None
        self._tokenizer: Any = None
        self._failed: str | None = None
        self._languages: frozenset[str] | None = None
        if engine == "m2m100":
            # Imported here, at start-up, not on a request's first routing decision.
            from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

            self._languages = frozenset(FAIRSEQ_LANGUAGE_CODES["m2m100"])
        elif engine == "nllb":
            self._languages = frozenset(NLLB_CODES)
        self._load_lock = threading.Lock()
        # One generate() at a time per model: CPU threads are shared anyway, and a
        # request that timed out must not pile up concurrent work behind it.
        self._generate_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<{self.engine} {self.model_dir}>"

    def available(self) -> bool:
        return self._failed is None and (self.model_dir / "config.json").is_file()

    def supports(self, source: str, target: str) -> bool:
        if self._languages is None:  # marian: the configured pair
            return self.pair is None or self.pair == (source, target)
        return source in self._languages and target in self._languages

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Loads tokenizer and model (seconds for real models). Raises BackendUnavailable."""
        with self._load_lock:
            if self._model is not None:
                return
            if self._failed:
                raise BackendUnavailable(self._failed)
            started = time.perf_counter()
            try:
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

                tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
                model = AutoModelForSeq2SeqLM.from_pretrained(str(self.model_dir), local_files_only=True)
                model.to(self.device)
                model.eval()
            except Exception as exc:  # a corrupt folder must not crash the gateway
                self._failed = f"cannot load {self.model_dir}: {exc.__class__.__name__}: {exc}"
                logger.error("translation: %s; its pairs fall back", self._failed)
                raise BackendUnavailable(self._failed) from exc
            self._tokenizer, self._model = tokenizer, model
            logger.info("translation: loaded %s model %s in %.1f s", self.engine, self.model_dir.name,
                        time.perf_counter() - started)

    def _language_arguments(self, source: str, target: str, sentences: list[str]) -> tuple[list[str], dict]:
        tokenizer = self._tokenizer
        if self.engine == "m2m100":
            tokenizer.src_lang = source
            return sentences, {"forced_bos_token_id": tokenizer.get_lang_id(target)}
        if self.engine == "nllb":
            tokenizer.src_lang = NLLB_CODES[source]
            return sentences, {"forced_bos_token_id": tokenizer.convert_tokens_to_ids(NLLB_CODES[target])}
        # Multi-target Marian models (opus-mt-en-ROMANCE) pick the language from a >>xx<< prefix.
        prefix = f">>{target}<<"
        if prefix in tokenizer.get_vocab():
            return [f"{prefix} {sentence}" for sentence in sentences], {}
        return sentences, {}

    def translate_batch(self, sentences: list[str], source: str, target: str, deadline: float) -> list[str]:
        import torch

        self.load()
        results: list[str] = []
        with self._generate_lock:
            for start in range(0, len(sentences), self.batch_size):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("translation deadline passed")
                chunk = sentences[start:start + self.batch_size]
                inputs, extra = self._language_arguments(source, target, chunk)
                encoded = self._tokenizer(inputs, return_tensors="pt", padding=True, truncation=True,
                                          max_length=512).to(self.device)
                longest = int(encoded["input_ids"].shape[1])
                with torch.inference_mode():
                    generated = self._model.generate(
                        **encoded, **extra, num_beams=self.num_beams, max_new_tokens=min(512, 2 * longest + 16),
                        # generate() stops itself at the deadline: a slow batch cannot hold the model for long.
                        max_time=remaining,
                    )
                if time.monotonic() > deadline:
                    # max_time cut the generation short: a truncated sentence must not be shown or cached.
                    raise TimeoutError("translation deadline passed during generation")
                results.extend(self._tokenizer.batch_decode(generated, skip_special_tokens=True))
        return [text.strip() for text in results]


class ApertiumBackend:
    """Debian's Apertium: `apertium -u eng-spa` reads lines on stdin."""

    engine = "apertium"

    def __init__(self, executable: str | None = None, modes: set[str] | None = None) -> None:
        self.executable = executable or shutil.which("apertium")
        self.modes = modes if modes is not None else self._installed_modes()
        self.cache_id = "apertium:" + ",".join(sorted(self.modes))

    def _installed_modes(self) -> set[str]:
        if not self.executable:
            return set()
        try:
            listing = subprocess.run([self.executable, "-l"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning("apertium: cannot list language pairs (%s)", exc)
            return set()
        return {line.strip() for line in listing.stdout.splitlines() if line.strip()}

    @staticmethod
    def mode_for(source: str, target: str) -> str | None:
        if source not in APERTIUM_CODES or target not in APERTIUM_CODES:
            return None
        return f"{APERTIUM_CODES[source]}-{APERTIUM_CODES[target]}"

    def available(self) -> bool:
        return bool(self.executable and self.modes)

    def supports(self, source: str, target: str) -> bool:
        return self.mode_for(source, target) in self.modes

    def translate_batch(self, sentences: list[str], source: str, target: str, deadline: float) -> list[str]:
        mode = self.mode_for(source, target)
        if not self.executable or mode not in self.modes:
            raise BackendUnavailable(f"apertium has no {source}-{target} pair installed")
        # One sentence per line, one process for the whole batch (starting the
        # pipeline is most of Apertium's cost).
        lines = [sentence.replace("\n", " ") for sentence in sentences]
        output = self._run(mode, "\n".join(lines), deadline).split("\n")
        if len(output) != len(lines):  # never seen, but never misalign sentences either
            output = [self._run(mode, line, deadline) for line in lines]
        return [self._clean(line) for line in output]

    def _run(self, mode: str, text: str, deadline: float) -> str:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("translation deadline passed")
        try:
            done = subprocess.run([self.executable, "-u", mode], input=text, capture_output=True, text=True,
                                  timeout=remaining)
        except subprocess.TimeoutExpired as exc:
            raise TimeoutError("apertium timed out") from exc
        if done.returncode != 0:
            raise BackendUnavailable(f"apertium {mode} failed: {done.stderr.strip()[:200]}")
        return done.stdout.rstrip("\n")

    @staticmethod
    def _clean(line: str) -> str:
        # Apertium marks words it could not generate with # and untranslated lemmas with @.
        return re.sub(r"(?<![\w\]])[#@](?=\w)", "", line).strip()
