"""Knowledge-base retrieval per language: how often the right entry comes first, how
often unanswerable questions fall under the threshold, and search latency.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/knowledge_retrieval.py

Question sets (labelled with the entry that answers them):
- benchmarks/data/kb_heldout.yml: development set, used to choose the scoring and the
  knowledge base's extra example questions;
- benchmarks/data/kb_test.yml: written afterwards; nothing was tuned on it.
Prints the service's scoring (see bot/knowledge/service.py: MiniLM alone for English;
MiniLM + character n-grams for other languages; the query's English translation
compared with the English questions where an engine translates it, Apertium for
Spanish) next to MiniLM alone without translation, so the choice stays checkable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from nlu_common import percentile  # noqa: E402
from ruamel.yaml import YAML  # noqa: E402

from bot.knowledge import service as knowledge_service  # noqa: E402
from bot.knowledge.base import load_knowledge_base  # noqa: E402
from bot.knowledge.service import KnowledgeService, MiniLMEncoder  # noqa: E402
from bot.knowledge.settings import KnowledgeSettings  # noqa: E402
from bot.translation.service import TranslationService  # noqa: E402

LANGUAGES = ("en", "es", "de", "fr")



async def evaluate(service: KnowledgeService, questions: dict) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for language in LANGUAGES:
        right = answered_right = total = 0
        latencies: list[float] = []
        for entry_id, texts in questions[language].items():
            for text in texts:
                started = time.perf_counter()
                best = (await service.search(text, language, top_k=1))[0]
                latencies.append((time.perf_counter() - started) * 1000)
                total += 1
                right += best.id == entry_id
                answered_right += best.id == entry_id and best.score >= service.threshold
        unanswerable = questions["unanswerable"][language]
        rejected = 0
        for text in unanswerable:
            rejected += (await service.search(text, language, top_k=1))[0].score < service.threshold
        results[language] = {"n": total, "top1": right / total, "answered": answered_right / total,
                             "rejected": rejected / len(unanswerable), "n_unanswerable": len(unanswerable),
                             "p50_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 95)}
    return results


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'lang':<5} {'n':>4} {'top-1':>7} {'answered':>9} {'unanswerable rejected':>22} {'p50 ms':>8} "
          f"{'p95 ms':>8}")
    for language, r in results.items():
        print(f"{language:<5} {r['n']:>4} {r['top1']:>7.2f} {r['answered']:>9.2f} "
              f"{r['rejected']:>13.2f} (n={r['n_unanswerable']}) {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threshold", type=float, default=KnowledgeSettings().similarity_threshold)
    args = parser.parse_args()
    asyncio.run(run(args.threshold))
    return 0


async def run(threshold: float) -> None:
    yaml = YAML(typ="safe")
    sets = {name: yaml.load((ROOT / "benchmarks" / "data" / f"{name}.yml").read_text())
            for name in ("kb_heldout", "kb_test")}
    base = load_knowledge_base(ROOT / "data" / "knowledge_base")
    started = time.perf_counter()
    encoder = MiniLMEncoder()
    translator = TranslationService.from_settings()
    pivots = [code for code in LANGUAGES if code != "en" and translator.supports(code, "en")]
    print(f"model loaded in {time.perf_counter() - started:.1f} s; {len(base)} entries; threshold {threshold}; "
          f"query translation into English: {', '.join(pivots) or 'none'}; load average {os.getloadavg()[0]:.1f}")
    service = KnowledgeService(base, threshold=threshold, encoder_factory=lambda: encoder, translator=translator)
    await service.start()
    for name, questions in sets.items():
        print_table(f"{name}: the service's scoring", await evaluate(service, questions))
    # The same questions with the sentence embeddings alone and no translation, for comparison.
    knowledge_service.DEFAULT_EMBEDDING_WEIGHT = 1.0
    service.translator = None
    for name, questions in sets.items():
        print_table(f"{name}: MiniLM alone, no query translation", await evaluate(service, questions))
    print("\ntop-1: right entry ranked first; answered: first and above the threshold; unanswerable rejected: "
          "off-topic questions under the threshold (the bot says it does not know). Latency includes the "
          "query's translation (an Apertium process per Spanish query) and depends on the machine's load.")


if __name__ == "__main__":
    sys.exit(main())
