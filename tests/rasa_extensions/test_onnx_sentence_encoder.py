"""OnnxSentenceEncoderFeaturizer: same vectors as sentence-transformers, aligned to Rasa tokens,
fingerprinted by the encoder file, and refusing to load a model against another encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_extensions.nlu.onnx_sentence_encoder import OnnxSentenceEncoderFeaturizer


def make(config, model_storage, resource, context) -> OnnxSentenceEncoderFeaturizer:
    return OnnxSentenceEncoderFeaturizer.create(
        {**OnnxSentenceEncoderFeaturizer.get_default_config(), **config}, model_storage, resource, context)


def featurized(featurizer, tokenizer, *texts: str) -> list[Message]:
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    return featurizer.process(messages)


def test_sentence_vectors_match_sentence_transformers(encoder_dir, tokenizer, model_storage, resource, context):
    # export.json holds sentence-transformers' own embeddings, computed with torch at export time.
    reference = json.loads((encoder_dir / "export.json").read_text())["reference_embeddings"]
    featurizer = make({}, model_storage, resource, context)
    # Several texts of different lengths in one batch: padding must not change any vector.
    messages = featurized(featurizer, tokenizer, *reference)
    for message, (text, expected) in zip(messages, reference.items(), strict=True):
        sequence, sentence = message.get_dense_features(TEXT)
        assert sentence.features.shape == (1, 384)
        np.testing.assert_allclose(sentence.features[0], np.array(expected), atol=1e-4, err_msg=text)
        assert sequence.features.shape == (len(message.get(TOKENS_NAMES[TEXT])), 384)


def test_token_vectors_average_the_word_pieces_of_each_token(encoder_dir, tokenizer, model_storage, resource,
                                                             context):
    featurizer = make({}, model_storage, resource, context)
    text = "unbelievably slow delivery"
    message = featurized(featurizer, tokenizer, text)[0]
    pieces, offsets = featurizer.encoder.encode([text])[0]
    tokens = message.get(TOKENS_NAMES[TEXT])
    sequence = message.get_dense_features(TEXT)[0].features
    first = [i for i, (start, end) in enumerate(offsets) if end > start and start < tokens[0].end]
    assert len(first) > 1, "the test needs a word that WordPiece splits"
    np.testing.assert_allclose(sequence[0], pieces[first].mean(axis=0), atol=1e-6)
    # Different words get different vectors; no row is left empty.
    assert np.linalg.norm(sequence, axis=1).min() > 0
    assert not np.allclose(sequence[1], sequence[2])


def test_training_data_and_single_messages_get_the_same_features(encoder_dir, tokenizer, model_storage, resource,
                                                                 context):
    featurizer = make({"batch_size": 2}, model_storage, resource, context)
    texts = ["where is my parcel", "cancel order 482913 please", "hola", "ich möchte meine Adresse ändern"]
    data = TrainingData([Message(data={TEXT: t, "intent": "x"}) for t in texts])
    tokenizer.process_training_data(data)
    featurizer.process_training_data(data)
    for example in data.training_examples:
        alone = featurized(featurizer, tokenizer, example.get(TEXT))[0]
        np.testing.assert_allclose(example.get_dense_features(TEXT)[1].features,
                                   alone.get_dense_features(TEXT)[1].features, atol=1e-5)


def _copy_encoder(encoder_dir: Path, target: Path, onnx_sha: str) -> Path:
    """An encoder folder that claims a different ONNX hash (model files linked, not copied)."""
    target.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        (target / name).symlink_to(encoder_dir / name)
    meta = json.loads((encoder_dir / "export.json").read_text())
    meta["onnx_sha256"] = onnx_sha
    (target / "export.json").write_text(json.dumps(meta))
    return target


def test_fingerprint_follows_the_encoder_file(encoder_dir, tmp_path):
    current = json.loads((encoder_dir / "export.json").read_text())["onnx_sha256"]
    other = _copy_encoder(encoder_dir, tmp_path / "other", "0" * 64)
    assert OnnxSentenceEncoderFeaturizer.fingerprint_addon({"model_dir": None}) == current
    assert OnnxSentenceEncoderFeaturizer.fingerprint_addon({"model_dir": str(other)}) == "0" * 64


def test_loading_a_model_trained_with_another_encoder_fails_clearly(encoder_dir, tmp_path, model_storage, resource,
                                                                    context):
    trained = make({}, model_storage, resource, context)
    trained.train(TrainingData())
    config = {**OnnxSentenceEncoderFeaturizer.get_default_config()}
    loaded = OnnxSentenceEncoderFeaturizer.load(config, model_storage, resource, context)
    assert loaded.encoder.metadata["onnx_sha256"] == trained.encoder.metadata["onnx_sha256"]

    other = _copy_encoder(encoder_dir, tmp_path / "other", "f" * 64)
    with pytest.raises(RasaException, match="different sentence encoder"):
        OnnxSentenceEncoderFeaturizer.load({**config, "model_dir": str(other)}, model_storage, resource, context)


def test_missing_encoder_names_the_setup_step(tmp_path, model_storage, resource, context):
    with pytest.raises(RasaException, match="export_sentence_encoder"):
        make({"model_dir": str(tmp_path / "nowhere")}, model_storage, resource, context)
