"""Tiny random translation models built inside the tests (no model hub here).

A SentencePiece tokenizer is trained on a few sentences, a MarianMT or M2M100 model
with tiny dimensions and random weights is created and saved with save_pretrained,
exactly the folder layout `python -m bot.translation download` produces. The text
such a model generates is garbage: tests check the mechanics (loading, batching,
caching, placeholders, fallbacks), never translation quality.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CORPUS = [
    "Your order has shipped.", "Where is my parcel?", "Thanks for your patience.", "Your ticket is open.",
    "Hola, ¿dónde está mi pedido?", "Gracias por su paciencia.", "Wir haben Ihre Bestellung erhalten.",
    "Votre commande est en route.", "La tua ordinazione è stata spedita.", "Il pacco arriva domani.",
    "[0] [1] [2] 0 1 2 3 4 5 6 7 8 9 { } order ticket",
]
TINY = dict(d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
            encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=256)


def train_sentencepiece(workdir: Path) -> tuple[Path, dict[str, int]]:
    import sentencepiece as spm

    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus.txt"
    corpus.write_text("\n".join(CORPUS * 10))
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(workdir / "sp"), vocab_size=64, model_type="unigram",
        character_coverage=1.0, bos_id=-1, eos_id=1, unk_id=2, pad_id=0, hard_vocab_limit=False, minloglevel=2)
    processor = spm.SentencePieceProcessor(model_file=str(workdir / "sp.model"))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    return workdir / "sp.model", vocab


def build_marian(target: Path, workdir: Path, seed: int = 0) -> Path:
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    spm_path, vocab = train_sentencepiece(workdir)
    target.mkdir(parents=True)
    shutil.copy(spm_path, target / "source.spm")
    shutil.copy(spm_path, target / "target.spm")
    (target / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = MarianTokenizer(vocab=str(target / "vocab.json"), source_spm=str(target / "source.spm"),
                                target_spm=str(target / "target.spm"))
    torch.manual_seed(seed)
    config = MarianConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                          eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id,
                          forced_eos_token_id=tokenizer.eos_token_id, **TINY)
    MarianMTModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def build_m2m100(target: Path, workdir: Path, seed: int = 0) -> Path:
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    spm_path, vocab = train_sentencepiece(workdir)
    vocab.setdefault("<s>", len(vocab))
    target.mkdir(parents=True)
    shutil.copy(spm_path, target / "sentencepiece.bpe.model")
    (target / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = M2M100Tokenizer(vocab_file=str(target / "vocab.json"), spm_file=str(target / "sentencepiece.bpe.model"),
                                language_codes="m2m100")
    # Language tokens come after the SentencePiece vocabulary.
    vocab_size = max(tokenizer.lang_token_to_id.values()) + 1 + tokenizer.num_madeup_words
    torch.manual_seed(seed)
    config = M2M100Config(vocab_size=vocab_size, pad_token_id=tokenizer.pad_token_id,
                          eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id,
                          decoder_start_token_id=tokenizer.eos_token_id, **TINY)
    M2M100ForConditionalGeneration(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target
