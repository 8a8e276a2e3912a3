"""Dense features from a sentence-transformers encoder exported to ONNX.

Rasa's own `LanguageModelFeaturizer` needs TensorFlow ports of Hugging Face models
fetched from the hub; neither is available here (no hub, and Rasa's environment has no
torch). `scripts/export_sentence_encoder.py` exports all-MiniLM-L6-v2 from the Python
3.11 environment to ONNX at setup time; this component runs it with onnxruntime and the
model's own `tokenizers` WordPiece tokenizer inside Rasa's Python 3.10 environment.

Features per message (for every attribute that has tokens, normally `text`):
- sentence: mean of the word-piece vectors (sentence-transformers' pooling for this
  model), L2-normalised: the vector the model was trained to produce;
- sequence: one vector per Rasa token, the mean of the word pieces that overlap the
  token's characters (zeros where none do, e.g. past the model's maximum length).

The ONNX folder is an asset outside the model archive (90 MB; copying it into every
trained model would slow training and bloat models/). Two guards keep a model and its
asset together: `fingerprint_addon` puts the ONNX file's hash into Rasa's fingerprint
(so a re-exported encoder retrains the model), and training stores that hash in the
model archive; loading a model against a different encoder fails with a clear message
instead of producing silently wrong features.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR = REPO_ROOT / ".cache" / "models" / "all-MiniLM-L6-v2-onnx"
MODEL_DIR_ENV = "NLU_SENTENCE_ENCODER_DIR"
SETUP_HINT = "run scripts/setup.sh (or .venv/bin/python scripts/export_sentence_encoder.py) to export it"
PERSISTED_FILE = "sentence_encoder.json"


def resolve_model_dir(configured: str | None) -> Path:
    """`model_dir` from config.yml, else $NLU_SENTENCE_ENCODER_DIR, else the setup default.

    Relative paths are taken from the repository root, so Rasa finds the encoder
    whatever its working directory.
    """
    raw = configured or os.environ.get(MODEL_DIR_ENV) or str(DEFAULT_MODEL_DIR)
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def read_export_metadata(model_dir: Path) -> dict[str, Any]:
    meta_file = model_dir / "export.json"
    for needed in (meta_file, model_dir / "model.onnx", model_dir / "tokenizer.json"):
        if not needed.is_file():
            raise RasaException(f"Sentence encoder file {needed} is missing: {SETUP_HINT}.")
    return json.loads(meta_file.read_text())


class SentenceEncoder:
    """The ONNX encoder and its tokenizer; turns texts into word-piece vectors."""

    def __init__(self, model_dir: Path, num_threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer as WordPieceTokenizer

        self.model_dir = model_dir
        self.metadata = read_export_metadata(model_dir)
        self.max_length = int(self.metadata.get("max_seq_length", 256))
        self.tokenizer = WordPieceTokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json pads every input to 128 pieces; pad per batch instead.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_length)
        options = onnxruntime.SessionOptions()
        if num_threads > 0:
            options.intra_op_num_threads = num_threads
        options.log_severity_level = 3
        # No busy-waiting between ops: the machine's cores are shared with Rasa's other
        # work (and, on small servers, other services); spinning threads only steal them.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.dim = int(self.metadata["hidden_size"])

    def encode(self, texts: list[str]) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        """Word-piece vectors and their character offsets in the text, one pair per text.

        Special tokens ([CLS], [SEP]) are kept with offset (0, 0): they take part in the
        mean pooling, as in sentence-transformers, but never overlap a Rasa token.
        """
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        result = []
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            offsets = [(start, end) if not special else (0, 0)
                       for (start, end), special in zip(encoding.offsets, encoding.special_tokens_mask, strict=True)]
            result.append((hidden[row, :n].astype(np.float32), offsets))
        return result


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class OnnxSentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence and token features from an ONNX sentence-transformers encoder (all-MiniLM-L6-v2)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Folder written by scripts/export_sentence_encoder.py; None = $NLU_SENTENCE_ENCODER_DIR
            # or .cache/models/all-MiniLM-L6-v2-onnx in the repository.
            "model_dir": None,
            # Messages per ONNX call while featurizing training data (sorted by length).
            "batch_size": 64,
            # onnxruntime intra-op threads; 0 = onnxruntime's default (one per core).
            "num_threads": 0,
            # L2-normalise the sentence vector (the model is trained for cosine similarity).
            "normalize_sentence": True,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("batch_size", 64)) < 1:
            raise InvalidConfigException("OnnxSentenceEncoderFeaturizer: batch_size must be at least 1")
        if int(config.get("num_threads", 0)) < 0:
            raise InvalidConfigException("OnnxSentenceEncoderFeaturizer: num_threads must be 0 or more")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The exported ONNX file's hash: a different encoder means a different model."""
        model_dir = resolve_model_dir(config.get("model_dir"))
        try:
            return str(read_export_metadata(model_dir).get("onnx_sha256"))
        except (RasaException, OSError, ValueError):
            # Training will fail with the clear message from create(); nothing to add here.
            return None

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self.encoder = SentenceEncoder(
            resolve_model_dir(self._config.get("model_dir")), int(self._config["num_threads"])
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OnnxSentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> OnnxSentenceEncoderFeaturizer:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                trained_with = json.loads((directory / PERSISTED_FILE).read_text())
        except (ValueError, FileNotFoundError):
            # Rasa's convention: a resource that was never persisted loads as "untrained".
            logger.debug("No persisted encoder record for %s; not checking the encoder hash.", resource.name)
            return component
        current = component.encoder.metadata.get("onnx_sha256")
        if trained_with.get("onnx_sha256") != current:
            raise RasaException(
                f"This model was trained with a different sentence encoder (ONNX sha256 "
                f"{trained_with.get('onnx_sha256')}) than the one in {component.encoder.model_dir} "
                f"({current}). Retrain the model (scripts/train.sh --force) or restore that encoder."
            )
        return component

    def train(self, training_data: TrainingData) -> Resource:
        """Nothing to learn; records which encoder the model is trained with."""
        with self._model_storage.write_to(self._resource) as directory:
            record = {
                "onnx_sha256": self.encoder.metadata.get("onnx_sha256"),
                "source": self.encoder.metadata.get("source"),
                "hidden_size": self.encoder.dim,
            }
            (directory / PERSISTED_FILE).write_text(json.dumps(record, indent=2))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples, int(self._config["batch_size"]))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages, int(self._config["batch_size"]))
        return messages

    # --- featurization ------------------------------------------------------------------
    def _featurize(self, messages: list[Message], batch_size: int) -> None:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            todo = [m for m in messages if m.get(attribute) and m.get(TOKENS_NAMES[attribute])]
            # Similar lengths in one batch: far less padding to compute.
            todo.sort(key=lambda m: len(m.get(attribute)))
            for start in range(0, len(todo), batch_size):
                batch = todo[start : start + batch_size]
                encoded = self.encoder.encode([m.get(attribute) for m in batch])
                for message, (pieces, offsets) in zip(batch, encoded, strict=True):
                    sequence, sentence = self.features_for(pieces, offsets, message.get(TOKENS_NAMES[attribute]))
                    self.add_features_to_message(sequence, sentence, attribute, message)

    def features_for(
        self, pieces: np.ndarray, offsets: list[tuple[int, int]], tokens: list[Any]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sequence [n_tokens, dim], sentence [1, dim]) from word-piece vectors."""
        sentence = pieces.mean(axis=0, keepdims=True)
        if self._config["normalize_sentence"]:
            norm = float(np.linalg.norm(sentence))
            if norm > 0:
                sentence = sentence / norm
        starts = np.array([s for s, _ in offsets])
        ends = np.array([e for _, e in offsets])
        sequence = np.zeros((len(tokens), pieces.shape[1]), dtype=np.float32)
        for index, token in enumerate(tokens):
            overlapping = (starts < token.end) & (ends > token.start)
            if overlapping.any():
                sequence[index] = pieces[overlapping].mean(axis=0)
        return sequence, sentence.astype(np.float32)
