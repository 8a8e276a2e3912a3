"""Customers who write Spanish, German or French finish real tasks through the running stack
(gateway REST webhook -> Rasa's trained model -> actions -> CRM, replies rendered by the
gateway's NLG), and every bot message is the curated translation of a domain response in
the customer's language: each text must match one of the templates of
data/translations/<lang>.yml, with enum values (`{status}`, `{category}`) among that
language's labels and order numbers, ticket numbers and tracking codes exactly as the CRM
holds them. The CRM is then asked whether the change really happened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pytest
from ruamel.yaml import YAML

from crm_backend.demo import scenarios
from tests.e2e.helpers import Customer, bulk_order, crm_order, staff_headers
from tests.support.stack import ROOT, http_json

PLACEHOLDER = re.compile(r"\{([^\n{}]+?)\}")
# Fields the NLG fills with an enum label of the customer's language, and which enum.
ENUM_FIELDS = {"status": ("order_status", "ticket_status"), "category": ("ticket_category",)}


@dataclass(frozen=True)
class Reply:
    response: str  # the domain response the text is a rendering of
    fields: dict[str, str]  # what filled its {placeholders}
    text: str


@dataclass(frozen=True)
class Template:
    response: str
    pattern: re.Pattern
    names: tuple[str, ...]
    buttons: tuple[str, ...]


@cache
def curated(language: str) -> tuple[list[Template], dict[str, dict[str, str]]]:
    """The response templates of data/translations/<language>.yml and its enum labels."""
    pack = YAML(typ="safe").load((ROOT / "data" / "translations" / f"{language}.yml").read_text())
    templates = []
    for name, variations in pack["responses"].items():
        for variation in variations:
            text = variation.get("text") or ""
            if not PLACEHOLDER.sub("", text).strip():
                continue  # "{kb_answer}": any text would match; these tests don't ask such questions
            parts = PLACEHOLDER.split(text)  # literal, name, literal, name, ...
            regex = "".join(re.escape(part) if i % 2 == 0 else "(.+?)" for i, part in enumerate(parts))
            templates.append(Template(name, re.compile(regex, re.DOTALL), tuple(parts[1::2]),
                                      tuple(variation.get("buttons") or ())))
    return templates, pack["enums"]


def curated_label(language: str, enum: str, value: str) -> str:
    return curated(language)[1][enum][value]


def in_language(customer: Customer, language: str) -> list[Reply]:
    """Every bot message of the customer's last turn as a curated `language` response; fails
    (with the transcript) on a message that is not one, e.g. English or machine-translated."""
    templates, enum_labels = curated(language)
    replies = []
    for message in customer.last_messages:
        text = message.get("text") or ""
        found = None
        for template in templates:
            match = template.pattern.fullmatch(text)
            if match and all(value.strip() for value in match.groups()):
                found = template, dict(zip(template.names, match.groups(), strict=True))
                break
        assert found, f"not a curated {language} response: {text!r}\n{customer!r}"
        template, fields = found
        for name, enums in ENUM_FIELDS.items():
            if name in fields:
                allowed = {label for enum in enums for label in enum_labels[enum].values()}
                assert fields[name] in allowed, f"{name} {fields[name]!r} is not a {language} label: {text!r}"
        titles = [button["title"] for button in message.get("buttons") or []]
        if template.buttons and not any(PLACEHOLDER.search(title) for title in template.buttons):
            assert titles == list(template.buttons), f"buttons {titles} of {text!r} are not the {language} ones"
        replies.append(Reply(template.response, fields, text))
    return replies


def said(replies: list[Reply], response: str) -> Reply:
    found = [reply for reply in replies if reply.response == response]
    assert found, f"expected {response} among {[r.response for r in replies]}"
    return found[0]


def ticket_in_crm(stack, number: str) -> tuple[dict, dict]:
    """(ticket, its customer) as staff see them in the CRM."""
    headers = staff_headers(stack)
    status, ticket = http_json("GET", f"{stack.url('crm')}/api/v1/tickets/{number}", None, headers)
    assert status == 200, ticket
    status, customer = http_json("GET", f"{stack.url('crm')}/api/v1/customers/{ticket['customer_id']}", None,
                                 headers)
    assert status == 200, customer
    return ticket, customer


# What a customer of each language writes (native phrases, none of them English).
PHRASES = {
    "es": {
        "where": "Hola, ¿dónde está mi pedido {number}? Todavía no me ha llegado.",
        "ticket": "Quiero abrir una incidencia, por favor",
        "billing": "Me han cobrado dos veces el último pedido, devuélvanme uno de los dos pagos por favor",
        "cancel": "Quiero cancelar el pedido {number}, por favor",
        "yes": "Sí, cancélelo",
    },
    "de": {
        "where": "Hallo, wo ist meine Bestellung {number}? Sie ist noch nicht angekommen.",
        "ticket": "Ich möchte bitte ein Ticket eröffnen",
        "billing": "Mir wurde die letzte Bestellung doppelt abgebucht, bitte erstatten Sie eine der Zahlungen",
        "cancel": "Ich möchte meine Bestellung {number} stornieren",
        "yes": "Ja, bitte stornieren",  # read as cancel_order: at the confirmation that is a yes
    },
    "fr": {
        "where": "Bonjour, où en est ma commande {number} ? Je ne l'ai toujours pas reçue.",
        "ticket": "Je voudrais ouvrir un ticket s'il vous plaît",
        # "rembourser" is a refund word: it must not change the category already chosen (billing)
        "billing": "J'ai été débitée deux fois pour ma dernière commande, merci de rembourser un des paiements",
        "cancel": "Je veux annuler ma commande {number}",
        "yes": "Oui, annulez-la",
    },
}


@pytest.mark.parametrize("language", ["es", "de", "fr"])
def test_order_status_after_verification_then_a_ticket(stack, language):
    owner = scenarios.BY_LANGUAGE[language]
    order = owner.order("shipped")
    phrases = PHRASES[language]
    customer = Customer(stack, f"{language}-status")

    customer.says(phrases["where"].format(number=order.number))
    assert [r.response for r in in_language(customer, language)] == ["utter_ask_email"], customer

    customer.says(owner.email)
    replies = in_language(customer, language)
    verified = said(replies, "utter_verified")
    assert verified.fields["first_name"] == owner.first_name and owner.email not in verified.text, customer
    shipped = said(replies, "utter_order_status_shipped")
    assert shipped.fields == {"order_number": order.number, "status": shipped.fields["status"],
                              "carrier": order.carrier, "tracking_number": order.tracking_number}, customer
    assert shipped.fields["status"] == curated_label(language, "order_status", "shipped"), customer

    customer.says(phrases["ticket"])
    replies = in_language(customer, language)
    assert [r.response for r in replies] == ["utter_ask_ticket_category"], customer
    # The customer taps the first button ("Billing or payment" in their language).
    billing = customer.last_messages[0]["buttons"][0]
    assert '"billing"' in billing["payload"], billing
    customer.says(billing["payload"])
    assert [r.response for r in in_language(customer, language)] == ["utter_ask_ticket_description"], customer

    customer.says(phrases["billing"])
    opened = said(in_language(customer, language), "utter_ticket_opened")
    assert re.fullmatch(r"T\d{5}", opened.fields["ticket_number"]), customer
    assert opened.fields["category"] == curated_label(language, "ticket_category", "billing"), customer
    ticket, ticket_customer = ticket_in_crm(stack, opened.fields["ticket_number"])
    assert ticket["category"] == "billing" and ticket["status"] == "open", ticket
    assert ticket["description"] == phrases["billing"], ticket
    assert ticket_customer["email"] == owner.email, ticket_customer


@pytest.mark.parametrize("language", ["es", "de", "fr"])
def test_unshipped_order_cancelled_in_the_customers_language(stack, language):
    number, owner = bulk_order(stack, "placed", language)
    phrases = PHRASES[language]
    customer = Customer(stack, f"{language}-cancel")

    customer.says(phrases["cancel"].format(number=number))
    assert [r.response for r in in_language(customer, language)] == ["utter_ask_email"], customer

    customer.says(owner["email"])
    replies = in_language(customer, language)
    assert said(replies, "utter_verified").fields["first_name"] == owner["first_name"], customer
    confirm = said(replies, "utter_ask_confirm_cancel")
    assert confirm.fields["order_number"] == number, customer
    assert confirm.fields["status"] == curated_label(language, "order_status", "placed"), customer

    customer.says(phrases["yes"] or customer.last_messages[-1]["buttons"][0]["payload"])
    cancelled = said(in_language(customer, language), "utter_order_cancelled")
    assert cancelled.fields["order_number"] == number, customer
    assert crm_order(stack, number, owner["email"])["status"] == "cancelled"


def test_switching_language_mid_conversation(stack):
    owner = scenarios.DE
    order = owner.order("shipped")
    ticket = next(t for t in scenarios.TICKETS if t.customer_key == owner.key)
    customer = Customer(stack, "switch")

    customer.says("¡Hola! Buenas tardes")
    assert [r.response for r in in_language(customer, "es")] == ["utter_greet"], customer

    # Asked in Spanish to speak German: the confirmation and what follows are German.
    customer.says("¿Podemos hablar en alemán, por favor?")
    assert [r.response for r in in_language(customer, "de")] == ["utter_language_changed"], customer
    customer.says(f"Wo ist meine Bestellung {order.number}?")
    assert [r.response for r in in_language(customer, "de")] == ["utter_ask_email"], customer
    customer.says(owner.email)  # no words: the conversation's language (German) stays
    shipped = said(in_language(customer, "de"), "utter_order_status_shipped")
    assert (shipped.fields["order_number"], shipped.fields["tracking_number"]) == (order.number,
                                                                                 order.tracking_number), customer

    # The widget's language picker (metadata.language) wins over the text's language.
    customer.says(f"Wie ist der Stand von Ticket {ticket.number}?", language="fr")
    status = said(in_language(customer, "fr"), "utter_ticket_status")
    assert status.fields["ticket_number"] == ticket.number, customer
    assert status.fields["status"] == curated_label("fr", "ticket_status", ticket.status), customer

    # Back to Spanish by asking in French; the order number and tracking code stay as they are.
    customer.says("Est-ce qu'on peut parler espagnol ?")
    assert [r.response for r in in_language(customer, "es")] == ["utter_language_changed"], customer
    customer.says(f"¿Dónde está mi pedido {order.number}?")
    shipped = said(in_language(customer, "es"), "utter_order_status_shipped")
    assert (shipped.fields["order_number"], shipped.fields["tracking_number"]) == (order.number,
                                                                                 order.tracking_number), customer
    assert shipped.fields["carrier"] == order.carrier, customer
