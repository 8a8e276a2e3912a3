"""Scenario records of the demo data, stable across runs (docs/DEMO_DATA.md lists them).

Other parts' tests and demos rely on these: for each language a customer with orders in
known statuses, a platinum customer, and open tickets. Dates are relative to the moment the
data is seeded, so "delivered 5 days ago" is always inside the 30-day return window.
Standard library only: imported from both Python environments.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScenarioOrder:
    number: str
    status: str
    placed_days_ago: int
    delivered_days_ago: int | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    # (sku, quantity); products come from demo.generator.PRODUCTS
    items: tuple = (("SKU-1001", 1),)


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None


@dataclass(frozen=True)
class ScenarioCustomer:
    key: str
    email: str
    first_name: str
    last_name: str
    language: str
    tier: str
    phone: str
    currency: str
    address: Address
    orders: tuple = field(default_factory=tuple)

    def order(self, status: str, *, recent: bool = True) -> ScenarioOrder:
        """This customer's scenario order in `status` ("delivered": the recent one unless
        recent=False, which gives the one delivered 60 days ago)."""
        matches = [o for o in self.orders if o.status == status]
        if status == "delivered" and len(matches) > 1:
            matches.sort(key=lambda o: o.delivered_days_ago or 0, reverse=not recent)
        return matches[0]


@dataclass(frozen=True)
class ScenarioTicket:
    number: str
    customer_key: str
    subject: str
    description: str
    category: str
    priority: str
    status: str
    order_number: str | None = None


@dataclass(frozen=True)
class ScenarioStaff:
    email: str
    name: str
    role: str
    languages: tuple
    password_env: str  # the environment variable holding the password


def _orders(prefix: int, carrier: str, tracking_prefix: str) -> tuple:
    """placed, packed, shipped (with tracking), delivered 5 days ago, delivered 60 days ago."""
    return (
        ScenarioOrder(f"{prefix}01", "placed", 0, items=(("SKU-1001", 1), ("SKU-1004", 2))),
        ScenarioOrder(f"{prefix}02", "packed", 2, items=(("SKU-1002", 1),)),
        ScenarioOrder(f"{prefix}03", "shipped", 4, carrier=carrier, tracking_number=f"{tracking_prefix}{prefix}03",
                      items=(("SKU-1003", 1), ("SKU-1005", 1))),
        ScenarioOrder(f"{prefix}04", "delivered", 10, delivered_days_ago=5, carrier=carrier,
                      tracking_number=f"{tracking_prefix}{prefix}04", items=(("SKU-1006", 1),)),
        ScenarioOrder(f"{prefix}05", "delivered", 66, delivered_days_ago=60, carrier=carrier,
                      tracking_number=f"{tracking_prefix}{prefix}05", items=(("SKU-1007", 3),)),
    )


EN = ScenarioCustomer(
    key="en", email="emma.walker@example.com", first_name="Emma", last_name="Walker", language="en",
    tier="standard", phone="+44 20 7946 0018", currency="GBP",
    address=Address("221 Baker Street", "London", "NW1 6XE", "GB"), orders=_orders(1001, "Royal Mail", "RM"))
ES = ScenarioCustomer(
    key="es", email="lucia.garcia@example.com", first_name="Lucía", last_name="García", language="es",
    tier="standard", phone="+34 912 345 678", currency="EUR",
    address=Address("Calle Mayor 10", "Madrid", "28013", "ES", "3º B"), orders=_orders(1002, "Correos", "PQ"))
DE = ScenarioCustomer(
    key="de", email="jonas.becker@example.com", first_name="Jonas", last_name="Becker", language="de",
    tier="silver", phone="+49 30 1234567", currency="EUR",
    address=Address("Hauptstraße 5", "Berlin", "10115", "DE"), orders=_orders(1003, "DHL", "JJD"))
FR = ScenarioCustomer(
    key="fr", email="camille.martin@example.com", first_name="Camille", last_name="Martin", language="fr",
    tier="standard", phone="+33 1 23 45 67 89", currency="EUR",
    address=Address("12 rue de Rivoli", "Paris", "75001", "FR"), orders=_orders(1004, "La Poste", "LP"))
VIP = ScenarioCustomer(
    key="vip", email="olivia.grant@example.com", first_name="Olivia", last_name="Grant", language="en",
    tier="platinum", phone="+44 161 496 0321", currency="GBP",
    address=Address("8 King Street", "Manchester", "M2 4WU", "GB"),
    orders=(
        ScenarioOrder("100501", "shipped", 3, carrier="UPS", tracking_number="1Z999AA10123456784",
                      items=(("SKU-1008", 1),)),
        ScenarioOrder("100502", "delivered", 7, delivered_days_ago=2, carrier="UPS",
                      tracking_number="1Z999AA10123456785", items=(("SKU-1009", 1), ("SKU-1010", 1))),
    ))

CUSTOMERS = (EN, ES, DE, FR, VIP)
BY_LANGUAGE = {"en": EN, "es": ES, "de": DE, "fr": FR}
BY_KEY = {c.key: c for c in CUSTOMERS}
ORDERS = {o.number: o for c in CUSTOMERS for o in c.orders}
ORDER_OWNER = {o.number: c for c in CUSTOMERS for o in c.orders}

TICKETS = (
    ScenarioTicket("T10001", "en", "Where is my parcel?", "My parcel for order 100103 has not arrived yet.",
                   "delivery", "normal", "open", "100103"),
    ScenarioTicket("T10002", "es", "Producto dañado", "La lámpara del pedido 100204 llegó rota.",
                   "damaged_item", "high", "open", "100204"),
    ScenarioTicket("T10003", "de", "Rechnung doppelt belastet", "Meine Karte wurde zweimal belastet.",
                   "billing", "normal", "pending"),
    ScenarioTicket("T10004", "fr", "Question sur un produit", "Ce sac est-il imperméable ?",
                   "product", "low", "open"),
    ScenarioTicket("T10005", "vip", "Late delivery", "My order 100501 is later than promised.",
                   "complaint", "high", "open", "100501"),
)
BY_TICKET = {t.number: t for t in TICKETS}

STAFF = (
    ScenarioStaff("admin@example.com", "Alex Admin", "admin", ("en",), "DEMO_ADMIN_PASSWORD"),
    ScenarioStaff("agent@example.com", "Sam Agent", "agent", ("en",), "DEMO_AGENT_PASSWORD"),
    ScenarioStaff("agent.es@example.com", "Marta Ruiz", "agent", ("es", "en"), "DEMO_AGENT_PASSWORD"),
    ScenarioStaff("agent.de@example.com", "Lena Vogel", "agent", ("de", "en"), "DEMO_AGENT_PASSWORD"),
    ScenarioStaff("agent.fr@example.com", "Julien Moreau", "agent", ("fr", "en"), "DEMO_AGENT_PASSWORD"),
)
ADMIN, AGENT = STAFF[0], STAFF[1]

# An order number no demo order uses (for "unknown order" tests).
UNKNOWN_ORDER_NUMBER = "199999"
