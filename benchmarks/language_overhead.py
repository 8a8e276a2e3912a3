"""What the multilingual layer costs and how well it detects languages.

    nice -n 10 .venv/bin/python benchmarks/language_overhead.py
    nice -n 10 .venv/bin/python benchmarks/language_overhead.py --domain ../assistant/domain.yml
    nice -n 10 .venv/bin/python benchmarks/language_overhead.py --rasa-url $RASA_URL --rasa-token $RASA_TOKEN

Prints
1. language detection accuracy on short customer messages (one to four words,
   benchmarks/data/short_messages.yml): lingua alone and the product's detector, with
   no conversation language yet, staying in the conversation's language, switching to
   another, and keeping it for messages without language ("ok", "482913");
2. the per-message overhead of the language layer (detection and inbound preparation,
   NLG rendering of every bot response of the turn with typed values, curated
   translations) for one conversation (greeting, order status after verification, a
   cancellation, goodbye) in English, Spanish, German and French: p50/p95 per
   language and what Spanish, German and French add over English (target: at most
   10 ms at p95);
3. the translation cache: an agent's sentence translated English->Spanish by Apertium,
   cold and from the LRU / SQLite caches, and NLG replies served by machine
   translation once cached;
4. with --rasa-url: intent accuracy per language on the held-out files
   tests/rasa/nlu/<lang>.yml through the running Rasa server's /model/parse.
Figures are measured in one run on this machine; compare rows, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder  # noqa: E402
from nlu_common import percentile  # noqa: E402
from ruamel.yaml import YAML  # noqa: E402

from bot.language import LanguageService  # noqa: E402
from bot.language.detection import LanguageDetector, iso  # noqa: E402
from bot.nlg import CuratedTranslations, NLGService, load_domain_responses  # noqa: E402
from bot.translation.backends import ApertiumBackend  # noqa: E402
from bot.translation.cache import TranslationCache  # noqa: E402
from bot.translation.service import TranslationService  # noqa: E402

LANGUAGES = ["en", "es", "de", "fr"]



def enum(name: str, value: str) -> dict:
    return {"type": "enum", "name": name, "value": value}


ORDER = {"order_number": "482913", "status": enum("order_status", "shipped"), "carrier": "DHL",
         "tracking_number": "JJD0099123456789", "tracking_url": "https://track.example.com/JJD0099123456789",
         "estimated_delivery": {"type": "date", "value": "2026-11-25"}, "item_count": 3,
         "total": {"type": "money", "amount": "89.70", "currency": "EUR"}, "first_name": "Anna",
         "masked_email": "a***@example.com"}
# One task per turn: what the customer writes (per language) and the responses Rasa asks the NLG for.
CONVERSATION = [
    ({"en": "hi", "es": "hola", "de": "hallo", "fr": "bonjour"}, ["utter_greet"]),
    ({"en": "where is my order?", "es": "¿dónde está mi pedido?", "de": "Wo ist meine Bestellung?",
      "fr": "Où est ma commande ?"}, ["utter_ask_order_number"]),
    ({lang: "482913" for lang in LANGUAGES}, ["utter_ask_email"]),
    ({lang: "anna@example.com" for lang in LANGUAGES},
     ["utter_verified", "utter_order_status_shipped", "utter_order_tracking_link", "utter_order_eta"]),
    ({"en": "ok, please cancel it", "es": "vale, cancélelo por favor", "de": "ok, bitte stornieren Sie sie",
      "fr": "d'accord, annulez-la s'il vous plaît"}, ["utter_ask_confirm_cancel"]),
    ({"en": "yes", "es": "sí", "de": "ja", "fr": "oui"}, ["utter_order_cancelled", "utter_anything_else"]),
    ({"en": "no thanks, bye", "es": "no, gracias. Adiós", "de": "nein danke, tschüss",
      "fr": "non merci, au revoir"}, ["utter_goodbye"]),
]


# --- 1. detection -------------------------------------------------------------------
def detection_accuracy() -> None:
    data = YAML(typ="safe").load((ROOT / "benchmarks" / "data" / "short_messages.yml").read_text())
    detector = LanguageDetector(LANGUAGES)
    lingua = LanguageDetectorBuilder.from_languages(
        *[Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]).build()
    print("\n1. Language detection on short messages (1-4 words)")
    print(f"{'lang':<5} {'n':>4} {'lingua alone':>13} {'detector':>9} {'stays':>7} {'switches':>9}")
    for language in LANGUAGES:
        messages = data[language]
        alone = sum((found := lingua.detect_language_of(m)) is not None and iso(found) == language for m in messages)
        fresh = sum(detector.detect(m) == language for m in messages)
        stays = sum(detector.detect(m, language) == language for m in messages)
        others = [o for o in LANGUAGES if o != language]
        switches = sum(detector.detect(m, o) == language for m in messages for o in others)
        n = len(messages)
        print(f"{language:<5} {n:>4} {alone / n:>13.2f} {fresh / n:>9.2f} {stays / n:>7.2f} "
              f"{switches / (n * len(others)):>9.2f}")
    ambiguous = data["ambiguous"]
    kept = sum(detector.detect(m, c) == c for m in ambiguous for c in LANGUAGES)
    print(f"messages without language ({len(ambiguous)}, e.g. 'ok', '482913'): conversation language kept in "
          f"{kept / (len(ambiguous) * len(LANGUAGES)):.2f} of cases")
    print("lingua alone / detector: no conversation language yet; stays: the conversation is already in that "
          "language; switches: the conversation is in another language (a short message switches only on strong "
          "evidence, by design).")


# --- 2. overhead ----------------------------------------------------------------------
async def overhead(domain: Path, repeat: int) -> None:
    responses = load_domain_responses(domain)
    curated = CuratedTranslations.load(ROOT / "data" / "translations")
    missing = sorted({name for _, names in CONVERSATION for name in names if name not in responses})
    if missing:
        print(f"\n(the domain {domain} lacks {', '.join(missing)}: those responses are skipped)")
    languages = LanguageService(LANGUAGES, LANGUAGES, TranslationService([]))
    nlg = NLGService(responses, curated, LANGUAGES, timezone="Europe/Berlin")
    per_message: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
    detection: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
    render: dict[str, list[float]] = {lang: [] for lang in LANGUAGES}
    methods: dict[str, set] = {lang: set() for lang in LANGUAGES}
    for _ in range(3):  # warm-up: lingua models, Babel locale data
        for language in LANGUAGES:
            await run_conversation(language, languages, nlg, responses, {}, {}, {}, {language: set()})
    for _ in range(repeat):
        for language in LANGUAGES:  # interleaved, so machine load hits every language alike
            await run_conversation(language, languages, nlg, responses, per_message, detection, render, methods)
    print(f"\n2. Per-message overhead of the language layer, {repeat} runs of a {len(CONVERSATION)}-turn "
          f"conversation (ms; load average {os.getloadavg()[0]:.1f})")
    print(f"{'lang':<5} {'p50':>7} {'p95':>7} {'added p50':>10} {'added p95':>10} {'detect p95':>11} "
          f"{'render p95':>11}  replies")
    base50, base95 = statistics.median(per_message["en"]), percentile(per_message["en"], 95)
    for language in LANGUAGES:
        values = per_message[language]
        p50, p95 = statistics.median(values), percentile(values, 95)
        print(f"{language:<5} {p50:>7.3f} {p95:>7.3f} {p50 - base50:>+10.3f} {p95 - base95:>+10.3f} "
              f"{percentile(detection[language], 95):>11.3f} {percentile(render[language], 95):>11.3f}  "
              f"{'/'.join(sorted(methods[language]))}")
    print("per message: prepare_inbound (detection, explicit request) + rendering every bot reply of the turn; "
          "added: difference to the same conversation in English.")


async def run_conversation(language, languages, nlg, responses, per_message, detection, render, methods) -> None:
    conversation_language = None
    for texts, names in CONVERSATION:
        started = time.perf_counter()
        inbound = await languages.prepare_inbound(texts[language], conversation_language)
        detected = time.perf_counter()
        conversation_language = inbound.language
        tracker = {"slots": {"language": conversation_language, "order_number": "482913"},
                   "latest_message": {"metadata": inbound.rasa_metadata()}}
        for name in names:
            if name in responses:
                rendered = await nlg.render(name, ORDER, tracker, "socketio")
                methods[language].add(rendered.method)
        finished = time.perf_counter()
        if language in per_message:
            per_message[language].append((finished - started) * 1000)
            detection[language].append((detected - started) * 1000)
            render[language].append((finished - detected) * 1000)


# --- 3. translation cache -------------------------------------------------------------
AGENT_SENTENCES = [
    "I have checked your order and it left our warehouse this morning.",
    "I am sorry for the delay, the carrier had a problem in the sorting centre.",
    "You will receive a new tracking link by email within the hour.",
    "Could you send me a photo of the damaged box?",
    "I have issued the refund to your original payment method.",
]


async def translation_cache(repeat: int) -> None:
    apertium = ApertiumBackend()
    print("\n3. Translation cache (agent text English->Spanish with Apertium)")
    if not apertium.supports("en", "es"):
        print("Apertium eng-spa is not installed: skipped (apt-get install apertium-eng-spa).")
        return
    with tempfile.TemporaryDirectory() as tmp:
        cache_path = Path(tmp) / "cache.sqlite3"
        service = TranslationService([], apertium=apertium, cache=TranslationCache(4096, cache_path), timeout_s=10)
        cold = []
        for sentence in AGENT_SENTENCES:
            started = time.perf_counter()
            await service.translate(sentence, "en", "es")
            cold.append((time.perf_counter() - started) * 1000)
        warm = []
        for _ in range(repeat):
            for sentence in AGENT_SENTENCES:
                started = time.perf_counter()
                await service.translate(sentence, "en", "es")
                warm.append((time.perf_counter() - started) * 1000)
        service.close()
        restarted = TranslationService([], apertium=apertium, cache=TranslationCache(4096, cache_path))
        disk = []
        for sentence in AGENT_SENTENCES:
            started = time.perf_counter()
            await restarted.translate(sentence, "en", "es")
            disk.append((time.perf_counter() - started) * 1000)
        restarted.close()
        print(f"cold (Apertium)          p50 {statistics.median(cold):8.2f} ms   max {max(cold):8.2f} ms")
        print(f"LRU hit                  p50 {statistics.median(warm):8.3f} ms   p95 {percentile(warm, 95):8.3f} ms")
        print(f"SQLite hit after restart p50 {statistics.median(disk):8.3f} ms   max {max(disk):8.3f} ms")


# --- 4. intent accuracy ---------------------------------------------------------------
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def held_out_examples(path: Path) -> list[tuple[str, str]]:
    document = YAML(typ="safe").load(path.read_text()) or {}
    examples = []
    for block in document.get("nlu", []):
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append((ANNOTATION.sub(r"\1", line[2:].strip()), block["intent"]))
    return examples


def intent_accuracy(rasa_url: str, token: str) -> None:
    print("\n4. Intent accuracy on held-out examples (Rasa /model/parse)")
    for language in LANGUAGES:
        path = ROOT / "tests" / "rasa" / "nlu" / f"{language}.yml"
        if not path.exists():
            print(f"{language}: no {path.relative_to(ROOT)}")
            continue
        examples = held_out_examples(path)
        right = 0
        for text, intent in examples:
            request = urllib.request.Request(f"{rasa_url.rstrip('/')}/model/parse?token={token}",
                                             data=json.dumps({"text": text}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                right += json.load(response)["intent"]["name"] == intent
        print(f"{language}: {right / len(examples):.3f} ({right}/{len(examples)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", type=Path, default=ROOT / "domain.yml")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rasa-url", default=None)
    parser.add_argument("--rasa-token", default=os.environ.get("RASA_TOKEN", ""))
    args = parser.parse_args()
    detection_accuracy()
    asyncio.run(overhead(args.domain, args.repeat))
    asyncio.run(translation_cache(max(1, args.repeat // 4)))
    if args.rasa_url:
        intent_accuracy(args.rasa_url, args.rasa_token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
