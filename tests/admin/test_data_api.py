"""Editing training data through /api/admin: roles, validation, optimistic concurrency,
round-trip YAML and the CRM audit log (a real CRM; the workbench on a tiny project)."""

from __future__ import annotations

import difflib
import json
import sqlite3

import pytest

from tests.admin.conftest import audit_entries, bearer, configure

EN = "nlu/en/basics.yml"

ROUTES = [
    ("GET", "/api/admin/overview", None), ("GET", "/api/admin/nlu", None),
    ("PUT", "/api/admin/nlu", {"file": EN, "kind": "intent", "name": "greet", "examples": ["yo"], "version": None}),
    ("GET", "/api/admin/responses", None),
    ("PUT", "/api/admin/responses/utter_greet", {"variations": [{"text": "x"}], "version": None}),
    ("PUT", "/api/admin/translations/es/utter_greet", {"variations": [{"text": "x"}], "version": None}),
    ("GET", "/api/admin/knowledge", None),
    ("PUT", "/api/admin/knowledge/shipping_times", {"entry": "id: x", "version": None}),
    ("GET", "/api/admin/stories/story", None),
    ("PUT", "/api/admin/stories/story/x", {"item": "story: x", "version": None}),
    ("DELETE", "/api/admin/stories/rule/greet", {"version": "x"}),
    ("POST", "/api/admin/yaml/parse", {"text": "a: 1"}),
    ("GET", "/api/admin/learn", None),
    ("POST", "/api/admin/learn", {"event_id": 1, "intent": "greet", "example": "yo", "language": "en"}),
    ("POST", "/api/admin/learn/1/dismiss", None),
    ("GET", "/api/admin/models", None), ("POST", "/api/admin/train", None),
    ("POST", "/api/admin/evaluate", {"model": "a.tar.gz"}), ("GET", "/api/admin/jobs", None),
    ("GET", "/api/admin/jobs/0123456789ab", None), ("GET", "/api/admin/models/a.tar.gz/compare", None),
    ("GET", "/api/admin/models/a.tar.gz/evaluation/nlu_confusion.png", None),
    ("POST", "/api/admin/activate", {"model": "a.tar.gz"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_agents_get_403_and_anonymous_401_everywhere(gateway, agent_token, method, path, body):
    answer = gateway.request(method, path, json=body, headers=bearer(agent_token))
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"]["code"] == "forbidden"
    assert gateway.request(method, path, json=body).status_code == 401


def test_page_redirects_anonymous_refuses_agents_serves_admins(gateway, admin_token, agent_token):
    answer = gateway.get("/admin", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/admin"
    assert gateway.get("/admin", headers=bearer(agent_token)).status_code == 403
    page = gateway.get("/admin", headers=bearer(admin_token))
    assert page.status_code == 200 and "admin.js" in page.text


def test_overview_and_blocks_per_language(gateway, admin_token):
    overview = gateway.get("/api/admin/overview", headers=bearer(admin_token)).json()
    greet = next(i for i in overview["intents"] if i["intent"] == "greet")
    assert greet["examples"] == {"en": 5, "es": 2}
    assert overview["languages"] == ["en", "es"] and "order_number" in overview["entities"]
    blocks = gateway.get("/api/admin/nlu", params={"language": "es"}, headers=bearer(admin_token)).json()
    assert {(b["kind"], b["name"]) for b in blocks} == {("intent", "greet"), ("synonym", "billing")}
    assert blocks[0]["examples"] == ["hola", "buenos días"]


def _block(gateway, token, name, language="en", kind="intent"):
    blocks = gateway.get("/api/admin/nlu", params={"language": language, "kind": kind, "name": name},
                         headers=bearer(token)).json()
    assert len(blocks) == 1
    return blocks[0]


def test_adding_an_example_keeps_the_file_and_is_audited(gateway, admin_token, crm_stack):
    from bot.admin.settings import get_admin_settings

    file = get_admin_settings().data_dir / EN
    before = file.read_text()
    block = _block(gateway, admin_token, "check_order_status")
    example = "any news on my parcel [777111](order_number)"
    answer = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": "check_order_status",
        "examples": [*block["examples"], example], "version": block["version"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] != block["version"]
    after = file.read_text()
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert changed == [f"+       - {example}"]  # only the new line: comments, order and quoting kept
    entry = audit_entries(crm_stack, admin_token, entity_id=f"{EN}#intent:check_order_status")[0]
    assert entry["action"] == "training_data.updated" and entry["actor_name"] == "Alex Admin"
    assert f"+  - {example}" in entry["diff"]["unified"]
    assert entry["after"]["value"][-1] == example


@pytest.mark.parametrize(("name", "examples", "code", "fragment"), [
    ("greet", ["hi there friend", "Hi  there friend"], "duplicate_example", "duplicate of example 6"),
    ("greet", ["Where is my ORDER"], "duplicate_example", "already exists in intent 'check_order_status'"),
    ("thank", ["Hola"], "duplicate_example", "already exists in intent 'greet' (nlu/es/basics.yml)"),
    ("check_order_status", ["order [12](order_id) please"], "unknown_entity", "entity 'order_id' is not in domain"),
    ("check_order_status", ['order [12]{"entiti": "x"} please'], "invalid_annotation", "has no \"entity\""),
    ("track_parcel", ["where is it"], "unknown_intent", "intent 'track_parcel' is not in domain.yml"),
])
def test_invalid_examples_are_refused_with_what_and_where(gateway, admin_token, name, examples, code, fragment):
    from bot.admin.settings import get_admin_settings

    file = get_admin_settings().data_dir / EN
    before = file.read_text()
    blocks = gateway.get("/api/admin/nlu", params={"language": "en", "name": name}, headers=bearer(admin_token)).json()
    version = blocks[0]["version"] if blocks else None
    current = blocks[0]["examples"] if blocks else []
    answer = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": name, "examples": [*current, *examples], "version": version})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["code"] == "invalid_training_data"
    assert any(e["code"] == code and fragment in e["message"] for e in detail["errors"]), detail
    assert all(e["where"].startswith(f"{EN}: intent {name}") for e in detail["errors"])
    assert file.read_text() == before


def test_stale_write_is_a_409_naming_the_item(gateway, admin_token):
    block = _block(gateway, admin_token, "thank")
    first = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": "thank", "examples": [*block["examples"], "ta"],
        "version": block["version"]})
    assert first.status_code == 200
    second = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": "thank", "examples": [*block["examples"], "thx"],
        "version": block["version"]})
    assert second.status_code == 409
    detail = second.json()["detail"]
    assert detail["code"] == "version_conflict" and detail["item"] == f"{EN}: intent thank"
    assert detail["current_version"] == first.json()["version"]
    assert "ta" in _block(gateway, admin_token, "thank")["examples"]  # the first edit survived
    create_again = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": "thank", "examples": ["thx"], "version": None})
    assert create_again.status_code == 409


def test_new_block_in_new_file_synonyms_and_regex_check(gateway, admin_token):
    created = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": "nlu/es/orders.yml", "kind": "intent", "name": "check_order_status",
        "examples": ["dónde está mi pedido"], "version": None})
    assert created.status_code == 200, created.text
    assert created.json()["language"] == "es"
    syn = _block(gateway, admin_token, "billing", "es", "synonym")
    assert gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": "nlu/es/basics.yml", "kind": "synonym", "name": "billing", "examples": ["factura", "cobro"],
        "version": syn["version"]}).status_code == 200
    bad = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "regex", "name": "ticket_number", "examples": ["[T(\\d{5}"], "version": None})
    assert bad.status_code == 422 and bad.json()["detail"]["errors"][0]["code"] == "invalid_regex"
    outside = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": "../../domain.yml", "kind": "intent", "name": "greet", "examples": ["x"], "version": None})
    assert outside.status_code == 422 and outside.json()["detail"]["code"] == "invalid_file"


def test_a_change_the_audit_log_refuses_is_not_kept(gateway, admin_token, monkeypatch, crm_stack, project):
    from bot.admin.settings import get_admin_settings

    configure(monkeypatch, crm_stack, project, CRM_URL="http://127.0.0.1:9")  # CRM unreachable
    file = get_admin_settings().data_dir / EN
    before = file.read_text()
    block = _block(gateway, admin_token, "greet")
    answer = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": "greet", "examples": [*block["examples"], "howdy"],
        "version": block["version"]})
    assert answer.status_code == 503 and answer.json()["detail"]["code"] == "audit_unavailable"
    assert file.read_text() == before


def test_responses_and_translations(gateway, admin_token, crm_stack):
    responses = {r["name"]: r for r in gateway.get("/api/admin/responses", headers=bearer(admin_token)).json()}
    greet = responses["utter_greet"]
    assert greet["translations"]["es"]["variations"][0]["text"].startswith("¡Hola!")
    saved = gateway.put("/api/admin/responses/utter_greet", headers=bearer(admin_token), json={
        "variations": [{"text": "Hello! What can I do for you?"}], "version": greet["version"]})
    assert saved.status_code == 200, saved.text
    def rendered(language):  # what Rasa's NLG call to the gateway gets now
        answer = gateway.post("/nlg", headers=bearer("test-gateway-service-token-0123"), json={
            "response": "utter_greet", "arguments": {}, "channel": {"name": "gateway"},
            "tracker": {"slots": {"language": language}, "latest_message": {}}})
        assert answer.status_code == 200, answer.text
        return answer.json()["text"]

    assert rendered("en") == "Hello! What can I do for you?"  # no gateway restart needed
    stale = gateway.put("/api/admin/responses/utter_greet", headers=bearer(admin_token), json={
        "variations": [{"text": "Hey"}], "version": greet["version"]})
    assert stale.status_code == 409

    status = responses["utter_order_status"]
    wrong = gateway.put("/api/admin/translations/es/utter_order_status", headers=bearer(admin_token), json={
        "variations": [{"text": "Su pedido {numero} está en camino.", "buttons": []}], "version": None})
    assert wrong.status_code == 422
    codes = {e["code"] for e in wrong.json()["detail"]["errors"]}
    assert codes == {"field_mismatch", "button_count"}
    right = gateway.put("/api/admin/translations/es/utter_order_status", headers=bearer(admin_token), json={
        "variations": [{"text": "Su pedido {order_number} está en camino.", "buttons": ["Gracias"]}],
        "version": None})
    assert right.status_code == 200, right.text
    assert status["name"] == "utter_order_status"
    from bot.admin.settings import get_admin_settings

    text = (get_admin_settings().data_dir / "translations/es.yml").read_text()
    assert text.startswith("# curated Spanish\n") and "{order_number} está en camino" in text
    assert audit_entries(crm_stack, admin_token, entity_id="translations/es.yml#response:utter_order_status")
    spanish = responses["utter_greet"]["translations"]["es"]
    assert gateway.put("/api/admin/translations/es/utter_greet", headers=bearer(admin_token), json={
        "variations": [{"text": "¡Buenas! ¿Qué puedo hacer por usted?"}], "version": spanish["version"]}
    ).status_code == 200
    assert rendered("es") == "¡Buenas! ¿Qué puedo hacer por usted?"


def test_knowledge_entry_yaml_view_and_validation(gateway, admin_token):
    entry = gateway.get("/api/admin/knowledge", headers=bearer(admin_token)).json()[0]
    broken = gateway.put("/api/admin/knowledge/shipping_times", headers=bearer(admin_token), json={
        "entry": "id: shipping_times\ntitle: {en: Delivery\n", "version": entry["version"]})
    assert broken.status_code == 422
    detail = broken.json()["detail"]
    assert detail["code"] == "invalid_yaml" and detail["line"] == 3 and "knowledge entry shipping_times" in detail[
        "message"]
    no_english = dict(entry["entry"], answer={"es": "Tarda 2 días."})
    refused = gateway.put("/api/admin/knowledge/shipping_times", headers=bearer(admin_token), json={
        "entry": no_english, "version": entry["version"]})
    assert refused.status_code == 422 and "answer must map languages" in refused.json()["detail"]["message"]
    updated = dict(entry["entry"], answer={**entry["entry"]["answer"], "en": "Delivery takes 1-3 working days."})
    assert gateway.put("/api/admin/knowledge/shipping_times", headers=bearer(admin_token), json={
        "entry": updated, "version": entry["version"]}).status_code == 200
    again = gateway.get("/api/admin/knowledge", headers=bearer(admin_token)).json()[0]
    assert again["entry"]["answer"]["en"] == "Delivery takes 1-3 working days."


def test_story_builder_form_yaml_view_and_validation(gateway, admin_token, crm_stack):
    form = {"story": "thanks after status", "steps": [
        {"intent": "check_order_status", "entities": [{"order_number": "482913"}]},
        {"action": "utter_order_status"}, {"intent": "thank"}, {"action": "utter_thanks"}]}
    saved = gateway.put("/api/admin/stories/story/thanks after status", headers=bearer(admin_token),
                        json={"item": form, "version": None})
    assert saved.status_code == 200, saved.text
    assert saved.json()["file"] == "stories/admin.yml"
    assert "- intent: check_order_status" in saved.json()["yaml"]

    unknown = {"story": "bad", "steps": [{"intent": "order_pizza"}, {"action": "utter_pizza"},
                                         {"intent": "greet", "entities": [{"colour": "red"}]}]}
    answer = gateway.put("/api/admin/stories/story/bad", headers=bearer(admin_token),
                         json={"item": unknown, "version": None})
    assert answer.status_code == 422
    errors = answer.json()["detail"]["errors"]
    assert [(e["code"], e["where"]) for e in errors] == [
        ("unknown_intent", "story 'bad', step 1"), ("unknown_action", "story 'bad', step 2"),
        ("unknown_entity", "story 'bad', step 3")]

    rules = gateway.get("/api/admin/stories/rule", headers=bearer(admin_token)).json()
    greet = next(r for r in rules if r["name"] == "greet")
    bad_yaml = gateway.put("/api/admin/stories/rule/greet", headers=bearer(admin_token),
                           json={"item": "rule: greet\nsteps:\n  - intent: greet\n   - action: utter_greet\n",
                                 "version": greet["version"]})
    assert bad_yaml.status_code == 422 and bad_yaml.json()["detail"]["code"] == "invalid_yaml"
    assert bad_yaml.json()["detail"]["line"] == 4
    parsed = gateway.post("/api/admin/yaml/parse", headers=bearer(admin_token), json={"text": greet["yaml"]})
    assert parsed.json()["data"] == greet["item"]
    unparsable = gateway.post("/api/admin/yaml/parse", headers=bearer(admin_token), json={"text": "a: [1,\n"})
    assert unparsable.status_code == 422 and unparsable.json()["detail"]["code"] == "invalid_yaml"
    yaml_view = greet["yaml"].replace("utter_greet", "utter_thanks")
    assert gateway.put("/api/admin/stories/rule/greet", headers=bearer(admin_token),
                       json={"item": yaml_view, "version": greet["version"]}).status_code == 200
    goodbye = next(r for r in rules if r["name"] == "goodbye")
    deleted = gateway.request("DELETE", "/api/admin/stories/rule/goodbye", headers=bearer(admin_token),
                              json={"version": goodbye["version"]})
    assert deleted.status_code == 200
    names = [r["name"] for r in gateway.get("/api/admin/stories/rule", headers=bearer(admin_token)).json()]
    assert names == ["greet"]
    assert audit_entries(crm_stack, admin_token, entity_id="rules/rules.yml#rule:goodbye")[0]["action"] == \
        "rule.deleted"


def _tracker(path, events):
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                       "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                       "action_name VARCHAR(255), data TEXT)")
    for number, (sender, type_name, action, data) in enumerate(events, 1):
        connection.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                           (number, sender, type_name, float(number), None, action, json.dumps(data)))
    connection.commit()
    connection.close()


def _user(text, intent, confidence, ranking=(), language="en"):
    return {"event": "user", "text": text, "timestamp": 1.0, "metadata": {"language": language},
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": []}}


def test_learn_from_conversations(gateway, admin_token, project):
    _tracker(project / "tracker.db", [
        ("a", "user", None, _user("hello", "greet", 0.97)),
        ("a", "user", None, _user("wheres my stuff at", "greet", 0.31)),
        ("b", "user", None, _user("blah blah", "nlu_fallback", 0.3,
                                  [("nlu_fallback", 0.3), ("goodbye", 0.22)])),
        ("c", "user", None, _user("i want a human now", "thank", 0.9)),
        ("c", "user", None, _user("let me talk to a person", "request_human", 0.95)),
        ("c", "action", "action_handoff", {"event": "action", "name": "action_handoff"}),
        ("d", "user", None, _user("/greet", "greet", 0.1)),
    ])
    found = gateway.get("/api/admin/learn", headers=bearer(admin_token)).json()
    by_text = {f["text"]: f for f in found}
    assert set(by_text) == {"wheres my stuff at", "blah blah", "i want a human now"}
    assert by_text["wheres my stuff at"]["reasons"] == ["low_confidence"]
    assert by_text["blah blah"]["reasons"] == ["low_confidence", "nlu_fallback"]
    assert by_text["blah blah"]["suggested_intent"] == "goodbye"
    assert by_text["i want a human now"]["reasons"] == ["handed_off"]

    item = by_text["wheres my stuff at"]
    refused = gateway.post("/api/admin/learn", headers=bearer(admin_token), json={
        "event_id": item["event_id"], "intent": "where_stuff", "example": item["text"], "language": "en"})
    assert refused.status_code == 422
    accepted = gateway.post("/api/admin/learn", headers=bearer(admin_token), json={
        "event_id": item["event_id"], "intent": "check_order_status", "example": item["text"], "language": "en"})
    assert accepted.status_code == 200, accepted.text
    assert "wheres my stuff at" in _block(gateway, admin_token, "check_order_status")["examples"]
    dismissed = gateway.post(f"/api/admin/learn/{by_text['blah blah']['event_id']}/dismiss",
                             headers=bearer(admin_token))
    assert dismissed.status_code == 200
    left = [f["text"] for f in gateway.get("/api/admin/learn", headers=bearer(admin_token)).json()]
    assert left == ["i want a human now"]


def test_a_job_whose_process_died_is_shown_as_interrupted(gateway, admin_token, project):
    jobs = project / "models" / "jobs"
    jobs.mkdir(parents=True)
    (jobs / "0123456789ab.json").write_text(json.dumps({
        "id": "0123456789ab", "kind": "train", "status": "running", "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": None, "by": {"id": 1, "name": "Alex Admin"}, "progress": 0.4, "stage": "training",
        "error": None, "model": "x.tar.gz"}))
    job = gateway.get("/api/admin/jobs/0123456789ab", headers=bearer(admin_token)).json()
    assert job["status"] == "failed" and job["error"].startswith("interrupted")
    assert gateway.get("/api/admin/models", headers=bearer(admin_token)).json()["running_job"] is None
    assert gateway.get("/api/admin/jobs/nope", headers=bearer(admin_token)).status_code == 404


def test_duplicates_already_in_the_data_do_not_block_other_edits(gateway, admin_token):
    from bot.admin.settings import get_admin_settings

    file = get_admin_settings().data_dir / EN
    # someone committed a duplicate inside goodbye and a cross-intent one (hello bot in thank)
    text = file.read_text().replace("      - bye bye\n", "      - bye bye\n      - Bye Bye\n")
    file.write_text(text.replace("      - many thanks\n", "      - many thanks\n      - hello bot\n"))
    for name, extra in (("goodbye", "farewell"), ("thank", "ta very much")):
        block = _block(gateway, admin_token, name)
        answer = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
            "file": EN, "kind": "intent", "name": name, "examples": [*block["examples"], extra],
            "version": block["version"]})
        assert answer.status_code == 200, answer.text
    # the same example in the same intent of another language is not a conflict
    block = _block(gateway, admin_token, "greet")
    same_intent = gateway.put("/api/admin/nlu", headers=bearer(admin_token), json={
        "file": EN, "kind": "intent", "name": "greet", "examples": [*block["examples"], "hola"],
        "version": block["version"]})
    assert same_intent.status_code == 200, same_intent.text
