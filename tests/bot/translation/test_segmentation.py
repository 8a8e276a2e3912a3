from bot.translation.segmentation import sentences, split


def test_sentences_are_split_per_language_and_the_layout_is_kept():
    text = "Hola. ¿Dónde está mi pedido [0]? Lo pedí ayer.\n\n  Gracias!"
    segments = split(text, "es")
    assert "".join(segment.text for segment in segments) == text
    assert sentences(text, "es") == ["Hola.", "¿Dónde está mi pedido [0]?", "Lo pedí ayer.", "Gracias!"]


def test_languages_without_a_ready_spacy_tokenizer_still_split():
    # spaCy's Japanese tokenizer needs SudachiPy, which is not installed.
    assert sentences("注文はどこですか。ありがとう。", "ja") == ["注文はどこですか。", "ありがとう。"]
