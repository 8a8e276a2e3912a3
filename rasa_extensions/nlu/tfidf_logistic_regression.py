"""Intent classifier: logistic regression over TF-IDF-weighted sparse and normalised dense features.

Rasa's stock `LogisticRegressionClassifier` stacks the raw sentence features of every
featurizer (word and character n-gram *counts* next to unit-length sentence embeddings)
and fits sklearn's LogisticRegression with fixed C=1 and 100 iterations. Counts and
embeddings then live on very different scales, and long messages dominate. This
component keeps Rasa's idea and fixes the scaling, which is what makes the combination
of n-grams and a sentence encoder work (see docs/NLU_PIPELINE.md for the figures):

- each sparse featurizer's sentence counts get sublinear TF (1 + log tf) times IDF
  learned on the training data, then L2 normalisation, per featurizer;
- each dense featurizer's sentence vector is L2-normalised;
- every block is multiplied by its configurable weight, then one multinomial
  logistic regression (lbfgs, C configurable) is fitted on the concatenation.

Prediction is a softmax over `X @ coef.T + intercept`; the learnt arrays are stored as
a plain `.npz` + JSON in the model archive (no pickle), and loaded back exactly.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

ARRAYS_FILE = "arrays.npz"
META_FILE = "meta.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfLogisticRegressionClassifier(IntentClassifier, GraphComponent):
    """Multinomial logistic regression on per-featurizer scaled sentence features."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation strength (sklearn's C). Chosen on a validation split
            # carved from Banking77's training set (docs/NLU_PIPELINE.md).
            "C": 20.0,
            "max_iter": 1000,
            "tol": 1e-4,
            # "balanced" weighs intents inversely to their number of examples.
            "class_weight": "balanced",
            # Weight per featurizer block, by featurizer name or alias; others get 1.0.
            "feature_weights": {},
            # How many intents intent_ranking keeps (0 = all).
            "ranking_length": 10,
            "random_seed": 42,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config["C"]) <= 0:
            raise InvalidConfigException(f"{cls.__name__}: C must be positive, got {config['C']}")
        if config["class_weight"] not in (None, "balanced"):
            raise InvalidConfigException(f"{cls.__name__}: class_weight must be 'balanced' or null")
        if not isinstance(config["feature_weights"], dict):
            raise InvalidConfigException(f"{cls.__name__}: feature_weights must map featurizer names to numbers")

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext | None = None,
    ) -> None:
        self.name = name
        self.component_config = {**self.get_default_config(), **config}
        self.validate_config(self.component_config)
        self._model_storage = model_storage
        self._resource = resource
        # Learnt state (None until trained or loaded).
        self.classes: list[str] = []
        self.blocks: list[dict[str, Any]] = []  # [{"origin", "kind", "dim", "weight"}] in column order
        self.idf: dict[str, np.ndarray] = {}
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None
        self._coef_t: np.ndarray | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TfidfLogisticRegressionClassifier:
        return cls(config, execution_context.node_name, model_storage, resource)

    # --- features -------------------------------------------------------------------------
    @staticmethod
    def _sentence_features(message: Message) -> dict[tuple[str, str], Any]:
        """{(origin, "sparse"|"dense"): 1 x d matrix} of the message's text sentence features."""
        found = {}
        for feature in message.features:
            if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE:
                kind = "sparse" if feature.is_sparse() else "dense"
                origin = feature.origin if isinstance(feature.origin, str) else "+".join(feature.origin)
                found[(origin, kind)] = feature.features
        return found

    def _matrix(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        """Scaled design matrix, one row per message, columns in the block order learnt at training.

        Built directly from the features' non-zero entries: per message this costs
        microseconds, where stacking one scipy matrix per block and message cost tens of
        milliseconds (it is on every parse's path).
        """
        widths = [block["dim"] for block in self.blocks]
        offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        data, indices, indptr = [], [], [0]
        for message in messages:
            found = self._sentence_features(message)
            for block, offset in zip(self.blocks, offsets[:-1], strict=True):
                matrix = found.get((block["origin"], block["kind"]))
                if matrix is None:
                    continue
                if block["kind"] == "sparse":
                    coo = scipy.sparse.coo_matrix(matrix)
                    coo.sum_duplicates()
                    columns = coo.col.astype(np.int64)
                    keep = columns < block["dim"]  # a vocabulary can only shrink by retraining
                    columns = columns[keep]
                    values = (1.0 + np.log(np.maximum(coo.data[keep].astype(np.float64), 1e-12)))
                    values *= self.idf[block["origin"]][columns]
                else:
                    vector = np.asarray(matrix, dtype=np.float64).ravel()[: block["dim"]]
                    columns = np.flatnonzero(vector)
                    values = vector[columns]
                norm = float(np.sqrt(np.dot(values, values)))
                if norm == 0.0:
                    continue
                data.append(values * (block["weight"] / norm))
                indices.append(columns + offset)
            indptr.append(sum(len(d) for d in data))
        return scipy.sparse.csr_matrix(
            (np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else np.zeros(0, int),
             np.array(indptr)),
            shape=(len(messages), int(offsets[-1])),
        )

    def _learn_blocks(self, messages: list[Message]) -> None:
        weights = self.component_config["feature_weights"]
        per_message = [self._sentence_features(m) for m in messages]
        dims: dict[tuple[str, str], int] = {}
        for found in per_message:
            for key, matrix in found.items():
                dims.setdefault(key, matrix.shape[-1])
        self.blocks = [
            {"origin": origin, "kind": kind, "dim": int(dim), "weight": float(weights.get(origin, 1.0))}
            for (origin, kind), dim in sorted(dims.items())
        ]
        n = len(messages)
        for block in self.blocks:
            if block["kind"] != "sparse":
                continue
            key = (block["origin"], "sparse")
            document_frequency = np.zeros(block["dim"])
            for found in per_message:
                if key in found:
                    document_frequency[np.unique(scipy.sparse.coo_matrix(found[key]).col)] += 1
            # sklearn's smooth idf: log((1 + n) / (1 + df)) + 1
            self.idf[block["origin"]] = np.log((1.0 + n) / (1.0 + document_frequency)) + 1.0

    # --- training ----------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        labels = [e.get(INTENT) for e in examples]
        if len(set(labels)) < 2:
            logger.warning("%s needs at least two intents to train; it will predict nothing.", self.name)
            return self._resource
        self._learn_blocks(examples)
        features = self._matrix(examples)
        config = self.component_config
        model = LogisticRegression(
            C=float(config["C"]),
            max_iter=int(config["max_iter"]),
            tol=float(config["tol"]),
            class_weight=config["class_weight"],
            solver="lbfgs",
            random_state=int(config["random_seed"]),
        )
        model.fit(features, labels)
        if model.n_iter_.max() >= model.max_iter:
            logger.warning("%s: logistic regression stopped at max_iter=%d before converging.",
                           self.name, model.max_iter)
        self.classes = [str(c) for c in model.classes_]
        self.coef = model.coef_.astype(np.float64)
        self.intercept = model.intercept_.astype(np.float64)
        if len(self.classes) == 2:  # sklearn keeps one row for two classes; make it a softmax pair
            self.coef = np.vstack([-self.coef / 2, self.coef / 2])
            self.intercept = np.array([-self.intercept[0] / 2, self.intercept[0] / 2])
        self.persist()
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    # --- prediction --------------------------------------------------------------------------
    def predict_proba(self, messages: list[Message]) -> np.ndarray:
        if self._coef_t is None or self._coef_t.shape[1] != self.coef.shape[0]:
            # Contiguous transposed copy once: scipy would copy the strided view on every call.
            self._coef_t = np.ascontiguousarray(self.coef.T)
        logits = np.asarray(self._matrix(messages) @ self._coef_t) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.coef is None:
            return messages  # untrained (fewer than two intents): leave intent unset, like Rasa's classifiers
        to_classify = [m for m in messages if m.get(TEXT)]
        if not to_classify:
            return messages
        limit = int(self.component_config["ranking_length"])
        for message, probabilities in zip(to_classify, self.predict_proba(to_classify), strict=True):
            order = np.argsort(-probabilities, kind="stable")
            ranking = [{"name": self.classes[i], "confidence": float(probabilities[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[:limit] if limit > 0 else ranking, add_to_output=True)
        return messages

    # --- persistence -------------------------------------------------------------------------
    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            arrays = {"coef": self.coef, "intercept": self.intercept}
            arrays.update({f"idf/{origin}": idf for origin, idf in self.idf.items()})
            np.savez(directory / ARRAYS_FILE, **arrays)
            (directory / META_FILE).write_text(json.dumps({"classes": self.classes, "blocks": self.blocks}))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TfidfLogisticRegressionClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / META_FILE).read_text())
                with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
                    component.coef = arrays["coef"]
                    component.intercept = arrays["intercept"]
                    component.idf = {
                        name.removeprefix("idf/"): arrays[name] for name in arrays.files if name.startswith("idf/")
                    }
        except (ValueError, FileNotFoundError):
            logger.debug("%s: nothing persisted for %s (trained on fewer than two intents).", cls.__name__,
                         resource.name)
            return component
        component.classes = list(meta["classes"])
        component.blocks = list(meta["blocks"])
        return component
