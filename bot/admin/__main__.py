"""Command line of the admin workbench: every action of the page, for scripting.

    python -m bot.admin nlu list --language es --kind intent
    python -m bot.admin nlu add es check_order_status "dónde anda mi paquete"
    python -m bot.admin train                # waits, prints the job with its evaluation
    python -m bot.admin activate 20261123-021500-ab12cd.tar.gz

Changes are made as a signed-in admin (the CRM audit log records who): ADMIN_TOKEN (a staff
JWT), or ADMIN_EMAIL + ADMIN_PASSWORD (the password is asked for when not set). Reading needs
no sign-in. Settings come from the environment and the project's .env (see docs/ADMIN.md).
Output is JSON on stdout; an error prints `error <code>: <message>` on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.admin.data import NLU_KINDS
from bot.admin.errors import AdminError
from bot.admin.settings import PROJECT_ROOT


def load_dotenv(path: Path = PROJECT_ROOT / ".env") -> None:
    """Variables already set in the shell win over .env (as in scripts/load_env.sh)."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def sign_in() -> Any:
    """The admin the changes are made as."""
    import httpx

    from bot.auth import decode_staff_token
    from bot.config import get_settings

    settings = get_settings()
    token = os.environ.get("ADMIN_TOKEN")
    if not token:
        try:
            email = os.environ.get("ADMIN_EMAIL") or input("Admin e-mail: ")
            password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password: ")
        except EOFError:
            raise AdminError(401, "not_signed_in",
                             "changes need an admin: set ADMIN_TOKEN, or ADMIN_EMAIL and ADMIN_PASSWORD") from None
        try:
            answer = httpx.post(f"{settings.crm_url}/api/v1/auth/login", json={"email": email, "password": password},
                                timeout=15)
        except httpx.HTTPError as exc:
            raise AdminError(503, "crm_unavailable", f"cannot reach the CRM at {settings.crm_url}: {exc}") from None
        if answer.status_code != 200:
            raise AdminError(answer.status_code, "sign_in_failed", f"sign-in refused (HTTP {answer.status_code})")
        token = answer.json()["access_token"]
    user = decode_staff_token(token, settings)
    if user is None:
        raise AdminError(401, "not_signed_in", "the token is invalid or expired")
    if not user.is_admin:
        raise AdminError(403, "forbidden", "this needs the role admin")
    return user


def _text(path: str) -> str:
    return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")


def _lines(path: str) -> list[str]:
    return [line.strip().removeprefix("- ").strip() for line in _text(path).splitlines() if line.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.admin", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    nlu = sub.add_parser("nlu", help="intent examples, synonyms, lookup tables, regexes").add_subparsers(
        dest="action", required=True)
    p = nlu.add_parser("list")
    p.add_argument("--language")
    p.add_argument("--kind", choices=NLU_KINDS)
    p.add_argument("--name")
    p = nlu.add_parser("set", help="replace a block's examples (one per line; - for stdin; empty deletes)")
    p.add_argument("file", help="e.g. nlu/es/orders.yml")
    p.add_argument("kind", choices=NLU_KINDS)
    p.add_argument("name")
    p.add_argument("examples_file")
    p.add_argument("--version", help="the version you read (omit to create)")
    p = nlu.add_parser("add", help="append one example to an intent in a language")
    p.add_argument("language")
    p.add_argument("intent")
    p.add_argument("example")
    p.add_argument("--file")
    sub.add_parser("overview", help="intents with example counts per language, entities, actions")

    responses = sub.add_parser("responses", help="responses (domain.yml)").add_subparsers(dest="action", required=True)
    responses.add_parser("list")
    p = responses.add_parser("set", help="variations as a JSON list: [{\"text\": ...}]")
    p.add_argument("name")
    p.add_argument("variations_json")
    p.add_argument("--version")
    p = sub.add_parser("translate", help="set a response's translation: JSON list [{\"text\", \"buttons\"?}]")
    p.add_argument("language")
    p.add_argument("name")
    p.add_argument("variations_json")
    p.add_argument("--version")

    kb = sub.add_parser("knowledge", help="knowledge-base entries").add_subparsers(dest="action", required=True)
    kb.add_parser("list")
    p = kb.add_parser("set", help="an entry as a YAML file (- for stdin)")
    p.add_argument("id")
    p.add_argument("yaml_file")
    p.add_argument("--version")
    p.add_argument("--file", help="knowledge_base/<file>.yml for a new entry")

    stories = sub.add_parser("stories", help="stories and rules").add_subparsers(dest="action", required=True)
    p = stories.add_parser("list")
    p.add_argument("kind", choices=["story", "rule"])
    p = stories.add_parser("set", help="a story or rule as YAML (- for stdin)")
    p.add_argument("kind", choices=["story", "rule"])
    p.add_argument("name")
    p.add_argument("yaml_file")
    p.add_argument("--version")
    p.add_argument("--file", help="stories/<file>.yml or rules/<file>.yml for a new one")
    p = stories.add_parser("delete")
    p.add_argument("kind", choices=["story", "rule"])
    p.add_argument("name")
    p.add_argument("--version", required=True)

    learn = sub.add_parser("learn", help="messages the bot understood poorly").add_subparsers(dest="action",
                                                                                              required=True)
    p = learn.add_parser("list")
    p.add_argument("--limit", type=int, default=100)
    p = learn.add_parser("accept")
    p.add_argument("event_id", type=int)
    p.add_argument("intent")
    p.add_argument("example", help="the message, with entity annotations")
    p.add_argument("--language", required=True)
    p.add_argument("--file")
    p = learn.add_parser("dismiss")
    p.add_argument("event_id", type=int)

    sub.add_parser("models", help="registered models, the active one, activations")
    p = sub.add_parser("train", help="train, evaluate and register a model")
    p.add_argument("--no-wait", action="store_true", help="start it and print the job (follow with `jobs show`)")
    p = sub.add_parser("evaluate", help="evaluate a model on the held-out tests")
    p.add_argument("model")
    p.add_argument("--no-wait", action="store_true")
    jobs = sub.add_parser("jobs", help="training and evaluation jobs").add_subparsers(dest="action", required=True)
    jobs.add_parser("list")
    p = jobs.add_parser("show")
    p.add_argument("id")
    p.add_argument("--log", action="store_true", help="include the log")
    p = sub.add_parser("compare", help="a model's evaluation next to the active model's")
    p.add_argument("model")
    p = sub.add_parser("activate", help="load a model on the running Rasa server (also: roll back)")
    p.add_argument("model")
    return parser


def run(args: argparse.Namespace) -> Any:
    from bot.admin.api import get_services

    s = get_services()
    command, action = args.command, getattr(args, "action", None)
    if command == "overview":
        domain = s.data.domain()
        return {"intents": s.data.intents_overview(), "entities": sorted(domain.entities),
                "actions": sorted(domain.known_actions - {"..."})}
    if command == "nlu" and action == "list":
        return s.data.nlu_blocks(args.language, args.kind, args.name)
    if command == "responses" and action == "list":
        return s.data.responses()
    if command == "knowledge" and action == "list":
        return s.data.knowledge()
    if command == "stories" and action == "list":
        return s.data.stories(args.kind)
    if command == "learn" and action == "list":
        return s.learn.candidates(args.limit)
    if command == "models":
        return s.models.models()
    if command == "jobs":
        if action == "list":
            return s.models.jobs()
        job = s.models.job(args.id)
        return job if args.log else {k: v for k, v in job.items() if k != "log"}
    if command == "compare":
        return s.models.compare(args.model)

    user = sign_in()  # everything below changes something
    if command == "nlu" and action == "set":
        return s.data.save_nlu_block(user, args.file, args.kind, args.name, _lines(args.examples_file), args.version)
    if command == "nlu" and action == "add":
        return s.data.add_example(user, args.language, args.intent, args.example, args.file)
    if command == "responses" and action == "set":
        return s.data.save_response(user, args.name, json.loads(args.variations_json), args.version)
    if command == "translate":
        return s.data.save_translation(user, args.language, args.name, json.loads(args.variations_json), args.version)
    if command == "knowledge" and action == "set":
        return s.data.save_knowledge(user, args.id, _text(args.yaml_file), args.version, args.file)
    if command == "stories" and action == "set":
        return s.data.save_story(user, args.kind, args.name, _text(args.yaml_file), args.version, args.file)
    if command == "stories" and action == "delete":
        s.data.delete_story(user, args.kind, args.name, args.version)
        return {"deleted": args.name}
    if command == "learn" and action == "accept":
        return s.learn.accept(user, args.event_id, args.intent, args.example, args.language, args.file)
    if command == "learn" and action == "dismiss":
        s.learn.dismiss(args.event_id)
        return {"dismissed": args.event_id}
    if command == "train":
        job = s.models.start_training(user, wait=not args.no_wait)
        return _with_model(s, job)
    if command == "evaluate":
        job = s.models.start_evaluation(user, args.model, wait=not args.no_wait)
        return _with_model(s, job)
    if command == "activate":
        return s.models.activate(user, args.model)
    raise AdminError(2, "unknown_command", f"unknown command {command} {action or ''}")


def _with_model(s: Any, job: dict[str, Any]) -> dict[str, Any]:
    job = {k: v for k, v in job.items() if k != "log"}
    if job.get("status") == "succeeded" and job.get("model"):
        job["registered"] = s.models.registry.get(job["model"])
    return job


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    args = build_parser().parse_args(argv)
    try:
        result = run(args)
    except AdminError as exc:
        print(f"error {exc.code}: {exc.message}", file=sys.stderr)
        for error in exc.extra.get("errors", []):
            print(f"  - {error['message']}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    if isinstance(result, dict) and result.get("status") == "failed":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
