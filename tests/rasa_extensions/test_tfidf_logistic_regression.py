"""TfidfLogisticRegressionClassifier on real Rasa featurizer output."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_extensions.nlu.tfidf_logistic_regression import TfidfLogisticRegressionClassifier

EXAMPLES = {
    "check_order_status": ["where is my order", "track my parcel", "has my package shipped yet",
                           "when will my order arrive", "order status please", "where is my delivery"],
    "cancel_order": ["cancel my order", "i want to cancel the order", "please cancel order",
                     "stop my order from shipping", "cancel it i changed my mind about the order",
                     "can you cancel my purchase"],
    "greet": ["hello", "hi there", "good morning", "hey", "hello bot", "hi"],
}


@pytest.fixture
def featurizer(model_storage, context):
    from rasa.engine.storage.resource import Resource

    config = {**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb", "min_ngram": 1,
              "max_ngram": 4, "alias": "chars"}
    return CountVectorsFeaturizer.create(config, model_storage, Resource("chars"), context)


def featurize(messages, tokenizer, featurizer, train=False):
    data = TrainingData(messages)
    tokenizer.process_training_data(data)
    if train:
        featurizer.train(data)
    featurizer.process_training_data(data)
    return data


@pytest.fixture
def training_data(tokenizer, featurizer):
    messages = [Message(data={TEXT: t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts]
    return featurize(messages, tokenizer, featurizer, train=True)


def classify(classifier, tokenizer, featurizer, *texts):
    messages = featurize([Message(data={TEXT: t}) for t in texts], tokenizer, featurizer).training_examples
    return classifier.process(messages)


def make(config, model_storage, resource, context):
    return TfidfLogisticRegressionClassifier.create(
        {**TfidfLogisticRegressionClassifier.get_default_config(), **config}, model_storage, resource, context)


def test_classifies_and_ranks(training_data, tokenizer, featurizer, model_storage, resource, context):
    classifier = make({"ranking_length": 2}, model_storage, resource, context)
    classifier.train(training_data)
    messages = classify(classifier, tokenizer, featurizer, "where is my parcel now", "please cancel my order",
                        "hello there")
    assert [m.get("intent")["name"] for m in messages] == ["check_order_status", "cancel_order", "greet"]
    for message in messages:
        ranking = message.get("intent_ranking")
        assert len(ranking) == 2
        assert ranking[0] == message.get("intent")
        assert ranking[0]["confidence"] >= ranking[1]["confidence"]
        assert type(ranking[0]["name"]) is str and type(ranking[0]["confidence"]) is float


def test_persisted_model_predicts_exactly_the_same(training_data, tokenizer, featurizer, model_storage, resource,
                                                   context):
    classifier = make({}, model_storage, resource, context)
    classifier.train(training_data)
    loaded = TfidfLogisticRegressionClassifier.load(
        {**TfidfLogisticRegressionClassifier.get_default_config()}, model_storage, resource, context)
    texts = ["cancel the parcel", "hi where is it", "good evening"]
    before = classifier.predict_proba(featurize([Message(data={TEXT: t}) for t in texts], tokenizer,
                                                featurizer).training_examples)
    after = loaded.predict_proba(featurize([Message(data={TEXT: t}) for t in texts], tokenizer,
                                           featurizer).training_examples)
    np.testing.assert_array_equal(before, after)
    np.testing.assert_allclose(after.sum(axis=1), 1.0)
    assert loaded.classes == sorted(EXAMPLES)


def test_repeating_a_message_does_not_change_its_prediction(training_data, tokenizer, featurizer, model_storage,
                                                            resource, context):
    # Sublinear TF + L2 per featurizer: length is not evidence. Raw counts (Rasa's stock
    # LogisticRegressionClassifier) would make the repeated message far more confident.
    classifier = make({}, model_storage, resource, context)
    classifier.train(training_data)
    once, thrice = classify(classifier, tokenizer, featurizer, "cancel my order",
                            "cancel my order cancel my order cancel my order")
    assert once.get("intent")["name"] == thrice.get("intent")["name"] == "cancel_order"
    assert abs(once.get("intent")["confidence"] - thrice.get("intent")["confidence"]) < 0.05


def test_dense_block_is_used_and_weighted(training_data, tokenizer, featurizer, model_storage, resource, context):
    # A dense "featurizer" that encodes the intent perfectly, for half of the training data only.
    rng = np.random.default_rng(0)
    directions = {intent: rng.normal(size=8) for intent in EXAMPLES}

    def add_dense(message, intent):
        message.add_features(Features(directions[intent].reshape(1, -1), "sentence", TEXT, "oracle"))

    for example in training_data.training_examples:
        add_dense(example, example.get("intent"))
    classifier = make({}, model_storage, resource, context)
    classifier.train(training_data)
    assert {(b["origin"], b["kind"]) for b in classifier.blocks} == {("chars", "sparse"), ("oracle", "dense")}
    # "hello" with the cancel_order dense vector: the dense block must be able to win.
    message = featurize([Message(data={TEXT: "cancel"})], tokenizer, featurizer).training_examples[0]
    add_dense(message, "greet")
    assert classifier.process([message])[0].get("intent")["name"] == "greet"

    ignoring = make({"feature_weights": {"oracle": 0.0}}, model_storage, resource, context)
    ignoring.train(training_data)
    assert ignoring.process([message])[0].get("intent")["name"] == "cancel_order"


def test_one_intent_is_not_enough_to_train(tokenizer, featurizer, model_storage, resource, context):
    data = featurize([Message(data={TEXT: t, "intent": "greet"}) for t in EXAMPLES["greet"]], tokenizer, featurizer,
                     train=True)
    classifier = make({}, model_storage, resource, context)
    classifier.train(data)
    loaded = TfidfLogisticRegressionClassifier.load(
        {**TfidfLogisticRegressionClassifier.get_default_config()}, model_storage, resource, context)
    message = classify(loaded, tokenizer, featurizer, "hello")[0]
    assert message.get("intent") is None


@pytest.mark.parametrize("bad", [{"C": 0}, {"class_weight": "auto"}, {"feature_weights": ["chars"]}])
def test_invalid_config_is_rejected(bad, model_storage, resource, context):
    with pytest.raises(InvalidConfigException):
        make(bad, model_storage, resource, context)
