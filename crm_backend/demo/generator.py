"""Deterministic demo data: the scenario records of scenarios.py plus a Faker bulk of
200 customers, 1,000 orders over every status, 300 tickets and some closed conversations,
in every language the product speaks.

`build(now)` returns plain rows (same seed and `now` -> identical rows); `load(session, ...)`
inserts them with bulk INSERT .. RETURNING, so seeding takes about a second.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from crm_backend.demo import scenarios
from crm_backend.models import (
    Conversation,
    Customer,
    Message,
    Order,
    OrderItem,
    OrderStatusChange,
    Product,
    Staff,
    Ticket,
    TicketComment,
)
from crm_backend.services import audit
from crm_backend.services import tickets as tickets_service
from crm_backend.services.security import SYSTEM, hash_password
from crm_backend.services.tickets import SLA
from crm_backend.vocab import ORDER_TRANSITIONS, OrderStatus, Priority

SEED = 20261122
COUNTS = {"customers": 200, "orders": 1000, "tickets": 300, "conversations": 40}
LOCALES = {"en": "en_GB", "es": "es_ES", "de": "de_DE", "fr": "fr_FR"}
COUNTRY = {"en": "GB", "es": "ES", "de": "DE", "fr": "FR"}
CURRENCY = {"en": "GBP", "es": "EUR", "de": "EUR", "fr": "EUR"}
CARRIERS = {"GB": ["Royal Mail", "DHL", "UPS"], "ES": ["Correos", "DHL", "UPS"], "DE": ["DHL", "DPD", "GLS"],
            "FR": ["La Poste", "DPD", "UPS"]}

# (sku, name, price in cents)
PRODUCTS = [
    ("SKU-1001", "Linen shirt", 4990), ("SKU-1002", "Wool scarf", 2950), ("SKU-1003", "Leather backpack", 12900),
    ("SKU-1004", "Cotton socks (3 pairs)", 1290), ("SKU-1005", "Rain jacket", 8900),
    ("SKU-1006", "Running shoes", 9990), ("SKU-1007", "Ceramic mug", 1490), ("SKU-1008", "Desk lamp", 5490),
    ("SKU-1009", "Bluetooth speaker", 7990), ("SKU-1010", "Yoga mat", 3490), ("SKU-1011", "Water bottle", 1990),
    ("SKU-1012", "Canvas tote bag", 1790), ("SKU-1013", "Sunglasses", 6490), ("SKU-1014", "Denim jeans", 6990),
    ("SKU-1015", "Table linen set", 3990), ("SKU-1016", "Throw blanket", 4590), ("SKU-1017", "Notebook set", 1590),
    ("SKU-1018", "Wireless mouse", 2490), ("SKU-1019", "Phone case", 1990), ("SKU-1020", "Travel pillow", 2290),
    ("SKU-1021", "Chef's knife", 7490), ("SKU-1022", "French press", 3290), ("SKU-1023", "Wall clock", 3890),
    ("SKU-1024", "Scented candle", 1690), ("SKU-1025", "Beanie", 1890), ("SKU-1026", "Hiking socks", 1590),
    ("SKU-1027", "Leather wallet", 4490), ("SKU-1028", "Board game", 3490), ("SKU-1029", "Plant pot", 2190),
    ("SKU-1030", "Headphones", 11900),
]
PRICE = {sku: price for sku, _, price in PRODUCTS}
NAME = {sku: name for sku, name, _ in PRODUCTS}

# The path an order takes to reach each status.
PATHS: dict[OrderStatus, list[OrderStatus]] = {
    OrderStatus.placed: [OrderStatus.placed],
    OrderStatus.processing: [OrderStatus.placed, OrderStatus.processing],
    OrderStatus.packed: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed],
    OrderStatus.shipped: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped],
    OrderStatus.out_for_delivery: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed,
                                   OrderStatus.shipped, OrderStatus.out_for_delivery],
    OrderStatus.delivered: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped,
                            OrderStatus.delivered],
    OrderStatus.cancelled: [OrderStatus.placed, OrderStatus.cancelled],
    OrderStatus.return_requested: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed,
                                   OrderStatus.shipped, OrderStatus.delivered, OrderStatus.return_requested],
    OrderStatus.returned: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped,
                           OrderStatus.delivered, OrderStatus.return_requested, OrderStatus.returned],
    OrderStatus.refunded: [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped,
                           OrderStatus.delivered, OrderStatus.return_requested, OrderStatus.returned,
                           OrderStatus.refunded],
}
STATUS_WEIGHTS = {OrderStatus.placed: 8, OrderStatus.processing: 8, OrderStatus.packed: 6, OrderStatus.shipped: 10,
                  OrderStatus.out_for_delivery: 5, OrderStatus.delivered: 40, OrderStatus.cancelled: 8,
                  OrderStatus.return_requested: 5, OrderStatus.returned: 5, OrderStatus.refunded: 5}

# Ticket texts per language: category -> (subject, description).
TICKET_TEXTS = {
    "en": {"delivery": ("Parcel not arrived", "My order has not arrived yet. Can you check?"),
           "damaged_item": ("Item arrived damaged", "The item was broken when I opened the box."),
           "refund": ("Refund not received", "I returned my order two weeks ago and have no refund yet."),
           "billing": ("Charged twice", "I see two charges for the same order."),
           "product": ("Question about sizes", "Does this model run small?"),
           "account": ("Cannot log in", "I forgot my password and the reset mail never comes."),
           "wrong_item": ("Wrong item received", "I ordered a blue one and got a red one."),
           "missing_item": ("Item missing", "One item of my order was not in the parcel."),
           "return": ("Return label", "Please send me a return label."),
           "complaint": ("Unhappy with service", "The courier left my parcel in the rain."),
           "other": ("General question", "Do you ship to Norway?")},
    "es": {"delivery": ("El paquete no ha llegado", "Mi pedido todavía no ha llegado. ¿Pueden revisarlo?"),
           "damaged_item": ("Artículo dañado", "El artículo estaba roto al abrir la caja."),
           "refund": ("Reembolso pendiente", "Devolví mi pedido hace dos semanas y no tengo el reembolso."),
           "billing": ("Cobro duplicado", "Veo dos cargos por el mismo pedido."),
           "product": ("Pregunta sobre tallas", "¿Este modelo talla pequeño?"),
           "account": ("No puedo iniciar sesión", "Olvidé mi contraseña y no llega el correo."),
           "wrong_item": ("Artículo equivocado", "Pedí uno azul y recibí uno rojo."),
           "missing_item": ("Falta un artículo", "Faltaba un artículo en el paquete."),
           "return": ("Etiqueta de devolución", "Envíenme una etiqueta de devolución, por favor."),
           "complaint": ("Queja sobre el servicio", "El repartidor dejó el paquete bajo la lluvia."),
           "other": ("Pregunta general", "¿Envían a Noruega?")},
    "de": {"delivery": ("Paket nicht angekommen", "Meine Bestellung ist noch nicht angekommen."),
           "damaged_item": ("Artikel beschädigt", "Der Artikel war beim Öffnen kaputt."),
           "refund": ("Erstattung fehlt", "Ich habe vor zwei Wochen retourniert und noch kein Geld erhalten."),
           "billing": ("Doppelt abgebucht", "Ich sehe zwei Abbuchungen für dieselbe Bestellung."),
           "product": ("Frage zur Größe", "Fällt dieses Modell klein aus?"),
           "account": ("Anmeldung nicht möglich", "Ich habe mein Passwort vergessen."),
           "wrong_item": ("Falscher Artikel", "Ich habe blau bestellt und rot bekommen."),
           "missing_item": ("Artikel fehlt", "Ein Artikel fehlte im Paket."),
           "return": ("Rücksendeetikett", "Bitte schicken Sie mir ein Rücksendeetikett."),
           "complaint": ("Beschwerde", "Der Bote hat das Paket im Regen abgestellt."),
           "other": ("Allgemeine Frage", "Liefern Sie nach Norwegen?")},
    "fr": {"delivery": ("Colis non reçu", "Ma commande n'est toujours pas arrivée."),
           "damaged_item": ("Article endommagé", "L'article était cassé à l'ouverture du colis."),
           "refund": ("Remboursement non reçu", "J'ai renvoyé ma commande il y a deux semaines, sans remboursement."),
           "billing": ("Débité deux fois", "Je vois deux débits pour la même commande."),
           "product": ("Question sur les tailles", "Ce modèle taille-t-il petit ?"),
           "account": ("Connexion impossible", "J'ai oublié mon mot de passe."),
           "wrong_item": ("Mauvais article", "J'ai commandé du bleu et reçu du rouge."),
           "missing_item": ("Article manquant", "Il manquait un article dans le colis."),
           "return": ("Étiquette de retour", "Pouvez-vous m'envoyer une étiquette de retour ?"),
           "complaint": ("Réclamation", "Le livreur a laissé mon colis sous la pluie."),
           "other": ("Question générale", "Livrez-vous en Norvège ?")},
}
CHAT = {
    "en": ["Hi, where is my order?", "Let me check that for you.", "Thanks, that helps!"],
    "es": ["Hola, ¿dónde está mi pedido?", "Déjeme comprobarlo.", "¡Gracias, me ayuda mucho!"],
    "de": ["Hallo, wo ist meine Bestellung?", "Ich sehe gleich nach.", "Danke, das hilft!"],
    "fr": ["Bonjour, où est ma commande ?", "Je vérifie pour vous.", "Merci, c'est parfait !"],
}


@dataclass
class Dataset:
    """Rows keyed by local references (customer "c12", order "o7"), resolved to ids on load."""

    products: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum())).lower()


def _money_rows(rng: random.Random, skus: list[tuple[str, int]]) -> tuple[list[dict[str, Any]], int, int]:
    items = [{"sku": sku, "name": NAME[sku], "quantity": qty, "unit_price_minor": PRICE[sku]} for sku, qty in skus]
    subtotal = sum(i["unit_price_minor"] * i["quantity"] for i in items)
    shipping = 0 if subtotal >= 5000 else 495
    return items, subtotal, shipping


def _history(path: list[OrderStatus], start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows, previous = [], None
    for index, status in enumerate(path):
        at = start if len(path) == 1 else start + (end - start) * index / (len(path) - 1)
        if previous is not None:
            assert status in ORDER_TRANSITIONS[previous], (previous, status)
        rows.append({"from_status": previous, "to_status": status, "at": at,
                     "actor": "system", "actor_kind": "customer" if status == OrderStatus.cancelled else "system",
                     "note": None})
        previous = status
    return rows


def _scenario_order(customer: scenarios.ScenarioCustomer, spec: scenarios.ScenarioOrder,
                    now: datetime) -> dict[str, Any]:
    status = OrderStatus(spec.status)
    placed = now - timedelta(days=spec.placed_days_ago, hours=1)
    delivered = now - timedelta(days=spec.delivered_days_ago) if spec.delivered_days_ago is not None else None
    items, subtotal, shipping = _money_rows(random.Random(spec.number), list(spec.items))
    last = delivered or (now - timedelta(days=max(spec.placed_days_ago - 1, 0), minutes=30))
    history = _history(PATHS[status], placed, max(last, placed))
    shipped = next((h["at"] for h in history if h["to_status"] == OrderStatus.shipped), None)
    eta = None
    if status in (OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped):
        eta = (now + timedelta(days=2 if status == OrderStatus.shipped else 5)).date()
    a = customer.address
    return {"number": spec.number, "customer": customer.key, "status": status, "currency": customer.currency,
            "subtotal_minor": subtotal, "shipping_minor": shipping, "total_minor": subtotal + shipping,
            "ship_name": f"{customer.first_name} {customer.last_name}", "ship_line1": a.line1, "ship_line2": a.line2,
            "ship_city": a.city, "ship_postal_code": a.postal_code, "ship_country": a.country,
            "carrier": spec.carrier, "tracking_number": spec.tracking_number, "estimated_delivery": eta,
            "placed_at": placed, "shipped_at": shipped, "delivered_at": delivered, "cancelled_at": None,
            "items": items, "history": history}


def build(now: datetime, seed: int = SEED) -> Dataset:
    """Everything to load, as plain rows; deterministic for a given seed and `now`."""
    rng = random.Random(seed)
    fakers = {lang: Faker(locale) for lang, locale in LOCALES.items()}
    for offset, faker in enumerate(fakers.values()):
        faker.seed_instance(seed + offset)
    data = Dataset()
    data.products = [{"sku": sku, "name": name, "price_minor": price, "currency": "EUR"}
                     for sku, name, price in PRODUCTS]

    # --- customers: the scenario ones first, then the bulk -----------------------------------
    for c in scenarios.CUSTOMERS:
        data.customers.append({"ref": c.key, "first_name": c.first_name, "last_name": c.last_name, "email": c.email,
                               "phone": c.phone, "preferred_language": c.language, "tier": c.tier,
                               "created_at": now - timedelta(days=400), "address": c.address})
    languages = ["en"] * 8 + ["es"] * 4 + ["de"] * 4 + ["fr"] * 4
    tiers = ["standard"] * 70 + ["silver"] * 15 + ["gold"] * 10 + ["platinum"] * 5
    domains = ["example.com", "example.org", "example.net"]
    for index in range(COUNTS["customers"]):
        language = languages[index % len(languages)]
        faker = fakers[language]
        first, last = faker.first_name(), faker.last_name()
        data.customers.append({
            "ref": f"c{index}", "first_name": first[:100], "last_name": last[:100],
            "email": f"{_ascii(first)}.{_ascii(last)}.{index}@{domains[index % 3]}",
            "phone": faker.phone_number()[:32], "preferred_language": language, "tier": rng.choice(tiers),
            "created_at": now - timedelta(days=rng.randint(30, 900), minutes=rng.randint(0, 1440)),
            "address": scenarios.Address(faker.street_address().replace("\n", ", ")[:200], faker.city()[:100],
                                         faker.postcode()[:16], COUNTRY[language]),
        })

    # --- orders -------------------------------------------------------------------------------
    for customer in scenarios.CUSTOMERS:
        for spec in customer.orders:
            data.orders.append(_scenario_order(customer, spec, now))
    numbers = rng.sample(range(200000, 1000000), COUNTS["orders"])  # scenario numbers are 1001xx-1005xx
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    bulk_customers = [c for c in data.customers if c["ref"].startswith("c")]
    for index, number in enumerate(numbers):
        status = statuses[index] if index < len(statuses) else rng.choices(statuses, weights)[0]
        customer = rng.choice(bulk_customers)
        language = customer["preferred_language"]
        if status in (OrderStatus.placed, OrderStatus.processing, OrderStatus.packed):
            placed = now - timedelta(hours=rng.randint(1, 72))
            end = now - timedelta(minutes=rng.randint(1, 50))
        elif status in (OrderStatus.shipped, OrderStatus.out_for_delivery):
            placed = now - timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 23))
            end = now - timedelta(hours=rng.randint(1, 20))
        elif status == OrderStatus.cancelled:
            placed = now - timedelta(days=rng.randint(1, 120))
            end = placed + timedelta(hours=rng.randint(1, 20))
        elif status in (OrderStatus.return_requested,):
            placed = now - timedelta(days=rng.randint(8, 34))
            end = now - timedelta(days=rng.randint(0, 2), hours=1)
        else:  # delivered, returned, refunded
            placed = now - timedelta(days=rng.randint(5, 180), hours=rng.randint(0, 23))
            end = min(placed + timedelta(days=rng.randint(3, 20)), now - timedelta(hours=1))
        path = PATHS[status]
        history = _history(path, placed, end)
        at = {h["to_status"]: h["at"] for h in history}
        skus = [(sku, rng.randint(1, 3)) for sku in rng.sample(list(PRICE), rng.randint(1, 4))]
        items, subtotal, shipping = _money_rows(rng, skus)
        shipped = at.get(OrderStatus.shipped)
        country = customer["address"].country
        carrier = rng.choice(CARRIERS[country]) if shipped else None
        eta = None
        if status in (OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped,
                      OrderStatus.out_for_delivery):
            eta = (now + timedelta(days=rng.randint(1, 5))).date()
        a = customer["address"]
        data.orders.append({
            "number": str(number), "customer": customer["ref"], "status": status, "currency": CURRENCY[language],
            "subtotal_minor": subtotal, "shipping_minor": shipping, "total_minor": subtotal + shipping,
            "ship_name": f"{customer['first_name']} {customer['last_name']}"[:200], "ship_line1": a.line1,
            "ship_line2": None, "ship_city": a.city, "ship_postal_code": a.postal_code, "ship_country": a.country,
            "carrier": carrier,
            "tracking_number": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=14)) if shipped else None,
            "estimated_delivery": eta, "placed_at": placed, "shipped_at": shipped,
            "delivered_at": at.get(OrderStatus.delivered), "cancelled_at": at.get(OrderStatus.cancelled),
            "items": items, "history": history,
        })

    # --- tickets: scenario tickets first, so they get T10001.. -----------------------------------------
    for spec in scenarios.TICKETS:
        owner = scenarios.BY_KEY[spec.customer_key]
        created = now - timedelta(days=1, hours=int(spec.number[1:]) % 10)
        data.tickets.append({
            "customer": owner.key, "order": spec.order_number, "subject": spec.subject,
            "description": spec.description, "category": spec.category, "priority": spec.priority,
            "status": spec.status, "created_at": created, "assignee": None if spec.status == "open" else "agent",
            "comments": [{"author": "customer", "body": spec.description, "public": True, "at": created}],
        })
    orders_by_customer: dict[str, list[str]] = {}
    for order in data.orders:
        orders_by_customer.setdefault(order["customer"], []).append(order["number"])
    categories = list(TICKET_TEXTS["en"])
    ticket_statuses = ["open"] * 30 + ["pending"] * 20 + ["on_hold"] * 10 + ["solved"] * 25 + ["closed"] * 15
    agents = [s.email for s in scenarios.STAFF if s.role == "agent"]
    for index in range(COUNTS["tickets"]):
        customer = bulk_customers[index % len(bulk_customers)] if index % 3 else rng.choice(bulk_customers)
        language = customer["preferred_language"]
        category = categories[index % len(categories)]
        subject, description = TICKET_TEXTS[language][category]
        status = ticket_statuses[index % len(ticket_statuses)] if index < 5 else rng.choice(ticket_statuses)
        own_orders = orders_by_customer.get(customer["ref"], [])
        created = now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        comments = [{"author": "customer", "body": description, "public": True, "at": created}]
        if status != "open":
            comments.append({"author": "staff", "body": "Thanks, we are looking into it.", "public": True,
                             "at": created + timedelta(hours=2)})
            if rng.random() < 0.3:
                comments.append({"author": "staff", "body": "Checked with the warehouse.", "public": False,
                                 "at": created + timedelta(hours=3)})
        data.tickets.append({
            "customer": customer["ref"], "order": rng.choice(own_orders) if own_orders and rng.random() < 0.7
            else None, "subject": subject, "description": description, "category": category,
            "priority": rng.choices(["low", "normal", "high", "urgent"], [20, 55, 20, 5])[0], "status": status,
            "created_at": created, "assignee": None if status == "open" else rng.choice(agents),
            "comments": comments,
        })

    # --- closed conversations with a few messages each ----------------------------------------------------
    for index in range(COUNTS["conversations"]):
        customer = bulk_customers[(index * 7) % len(bulk_customers)]
        language = customer["preferred_language"]
        started = now - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 1440))
        lines = CHAT[language]
        messages = [{"seq": seq + 1, "sender_type": sender, "text": text, "at": started + timedelta(seconds=20 * seq)}
                    for seq, (sender, text) in enumerate(zip(["customer", "bot", "customer"], lines, strict=True))]
        data.conversations.append({
            "session_id": f"demo-{index:03d}", "customer": customer["ref"], "language": language,
            "created_at": started, "closed_at": started + timedelta(minutes=2),
            "csat_score": rng.choice([3, 4, 5, 5, 5]) if index % 2 == 0 else None, "messages": messages,
        })
    return data


def _staff_rows(passwords: dict[str, str], now: datetime) -> list[dict[str, Any]]:
    rows = []
    hashes: dict[str, str] = {}  # argon2 is slow by design: hash each distinct password once
    for member in scenarios.STAFF:
        password = passwords.get(member.password_env) or ""
        if password and password not in hashes:
            hashes[password] = hash_password(password)
        rows.append({"email": member.email, "name": member.name, "role": member.role,
                     "languages": list(member.languages), "is_active": bool(password),
                     # Without a configured password the account exists but cannot log in.
                     "password_hash": hashes[password] if password else "!disabled",
                     "failed_logins": 0, "created_at": now, "updated_at": now, "version": 1})
    return rows


def load(session: Session, passwords: dict[str, str], now: datetime | None = None, seed: int = SEED) -> dict[str, int]:
    """Inserts the demo data into an empty database; returns the counts. The caller commits."""
    now = now or datetime.now(UTC)
    data = build(now, seed)

    connection = session.connection()

    def insert_many(model, rows: list[dict[str, Any]]) -> list[int]:
        """One executemany per table with ids assigned here (the database is empty, and this is
        much faster than INSERT .. RETURNING row by row)."""
        table = model.__table__
        start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(start, start + len(rows)))
        if rows:
            connection.execute(table.insert(), [{**row, "id": id_} for id_, row in zip(ids, rows, strict=True)])
        return ids

    staff_rows = _staff_rows(passwords, now)
    staff_ids = dict(zip([r["email"] for r in staff_rows], insert_many(Staff, staff_rows), strict=True))
    product_ids = dict(zip([p["sku"] for p in data.products], insert_many(Product, [
        {**p, "active": True, "created_at": now} for p in data.products]), strict=True))
    customer_ids = dict(zip([c["ref"] for c in data.customers], insert_many(Customer, [
        {k: v for k, v in c.items() if k not in ("ref", "address")} | {"updated_at": c["created_at"], "version": 1}
        for c in data.customers]), strict=True))

    order_rows = [{k: v for k, v in o.items() if k not in ("customer", "items", "history")}
                  | {"customer_id": customer_ids[o["customer"]], "created_at": o["placed_at"],
                     "updated_at": o["history"][-1]["at"], "version": 1} for o in data.orders]
    order_ids = dict(zip([o["number"] for o in data.orders], insert_many(Order, order_rows), strict=True))
    insert_many(OrderItem, [
        {**item, "order_id": order_ids[o["number"]], "product_id": product_ids[item["sku"]]}
        for o in data.orders for item in o["items"]])
    insert_many(OrderStatusChange, [
        {**h, "order_id": order_ids[o["number"]]} for o in data.orders for h in o["history"]])

    ticket_rows, comment_rows = [], []
    emails = {c["ref"]: c["email"] for c in data.customers}
    for number, t in enumerate(data.tickets, start=10001):
        priority = Priority(t["priority"])
        status = t["status"]
        ticket_rows.append({
            "number": f"T{number}", "customer_id": customer_ids[t["customer"]],
            "order_id": order_ids[t["order"]] if t["order"] else None, "order_reference": None,
            "contact_email": emails[t["customer"]],
            "subject": t["subject"], "description": t["description"], "category": t["category"],
            "priority": priority, "status": status,
            "assignee_id": staff_ids.get(t["assignee"]) if t["assignee"] != "agent" else staff_ids["agent@example.com"],
            "source": "api", "conversation_session_id": None, "sla_due_at": t["created_at"] + SLA[priority],
            "solved_at": t["created_at"] + timedelta(days=1) if status in ("solved", "closed") else None,
            "closed_at": t["created_at"] + timedelta(days=4) if status == "closed" else None,
            "created_at": t["created_at"], "updated_at": t["comments"][-1]["at"], "version": 1,
        })
    ticket_ids = insert_many(Ticket, ticket_rows)
    for ticket_id, t, row in zip(ticket_ids, data.tickets, ticket_rows, strict=True):
        for comment in t["comments"]:
            comment_rows.append({"ticket_id": ticket_id, "author_type": comment["author"],
                                 "author_staff_id": row["assignee_id"] if comment["author"] == "staff" else None,
                                 "body": comment["body"], "public": comment["public"], "created_at": comment["at"]})
    insert_many(TicketComment, comment_rows)
    tickets_service.set_last_number(session, 10000 + len(ticket_rows))

    conversation_ids = insert_many(Conversation, [{
        "session_id": c["session_id"], "customer_id": customer_ids[c["customer"]], "language": c["language"],
        "channel": "web", "state": "closed", "priority": "normal", "created_at": c["created_at"],
        "updated_at": c["closed_at"], "closed_at": c["closed_at"], "csat_score": c["csat_score"],
        "csat_at": c["closed_at"] if c["csat_score"] else None, "last_seq": len(c["messages"]),
        "last_message_at": c["messages"][-1]["at"], "version": 1} for c in data.conversations])
    insert_many(Message, [
        {"conversation_id": conv_id, "seq": m["seq"], "client_message_id": f"{c['session_id']}-{m['seq']}",
         "sender_type": m["sender_type"], "text": m["text"], "language": c["language"], "created_at": m["at"],
         "sender_staff_id": None, "original_text": None, "original_language": None, "translations": None,
         "metadata": None}
        for conv_id, c in zip(conversation_ids, data.conversations, strict=True) for m in c["messages"]])

    if connection.dialect.name == "postgresql":  # explicit ids do not advance the sequences
        for model in (Staff, Product, Customer, Order, OrderItem, OrderStatusChange, Ticket, TicketComment,
                      Conversation, Message):
            name = model.__tablename__
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                                    f"(SELECT MAX(id) FROM {name}))"))
    counts = {"staff": len(staff_rows), "products": len(data.products), "customers": len(data.customers),
              "orders": len(data.orders), "tickets": len(ticket_rows), "conversations": len(conversation_ids)}
    audit.record(session, SYSTEM, "demo.seeded", "database", "demo", None, {"seed": seed, **counts})
    return counts


def scenario_dates(now: datetime) -> dict[str, date | None]:
    """When each scenario order was delivered, for documentation and tests."""
    return {o.number: (now - timedelta(days=o.delivered_days_ago)).date() if o.delivered_days_ago else None
            for o in scenarios.ORDERS.values()}
