"""The fixed vocabulary of docs/INTERFACES.md, one serialisation per value, and the
explicit transition tables the service layer enforces."""

from enum import StrEnum


class OrderStatus(StrEnum):
    placed = "placed"
    processing = "processing"
    packed = "packed"
    shipped = "shipped"
    out_for_delivery = "out_for_delivery"
    delivered = "delivered"
    cancelled = "cancelled"
    return_requested = "return_requested"
    returned = "returned"
    refunded = "refunded"


# Every allowed order status change. Anything else is `409 invalid_transition`.
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.placed: frozenset({OrderStatus.processing, OrderStatus.cancelled}),
    OrderStatus.processing: frozenset({OrderStatus.packed, OrderStatus.cancelled}),
    OrderStatus.packed: frozenset({OrderStatus.shipped, OrderStatus.cancelled}),
    OrderStatus.shipped: frozenset({OrderStatus.out_for_delivery, OrderStatus.delivered}),
    OrderStatus.out_for_delivery: frozenset({OrderStatus.delivered}),
    OrderStatus.delivered: frozenset({OrderStatus.return_requested}),
    # A rejected return goes back to delivered; a refund may skip the physical return (missing item).
    OrderStatus.return_requested: frozenset({OrderStatus.returned, OrderStatus.refunded, OrderStatus.delivered}),
    OrderStatus.returned: frozenset({OrderStatus.refunded}),
    OrderStatus.cancelled: frozenset(),
    OrderStatus.refunded: frozenset(),
}
CANCELLABLE = frozenset({OrderStatus.placed, OrderStatus.processing, OrderStatus.packed})
ADDRESS_CHANGEABLE = frozenset({OrderStatus.placed, OrderStatus.processing})
RETURNABLE = frozenset({OrderStatus.delivered})


class TicketStatus(StrEnum):
    open = "open"
    pending = "pending"
    on_hold = "on_hold"
    solved = "solved"
    closed = "closed"


# Closed is final and reached only through solved (the Zendesk convention support teams know).
TICKET_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.open: frozenset({TicketStatus.pending, TicketStatus.on_hold, TicketStatus.solved}),
    TicketStatus.pending: frozenset({TicketStatus.open, TicketStatus.on_hold, TicketStatus.solved}),
    TicketStatus.on_hold: frozenset({TicketStatus.open, TicketStatus.pending, TicketStatus.solved}),
    TicketStatus.solved: frozenset({TicketStatus.open, TicketStatus.closed}),
    TicketStatus.closed: frozenset(),
}


class TicketCategory(StrEnum):
    return_ = "return"
    refund = "refund"
    damaged_item = "damaged_item"
    missing_item = "missing_item"
    wrong_item = "wrong_item"
    delivery = "delivery"
    billing = "billing"
    account = "account"
    product = "product"
    complaint = "complaint"
    other = "other"


class ReturnCategory(StrEnum):
    return_ = "return"
    refund = "refund"
    damaged_item = "damaged_item"
    missing_item = "missing_item"
    wrong_item = "wrong_item"


class ReturnStatus(StrEnum):
    requested = "requested"
    approved = "approved"
    rejected = "rejected"
    received = "received"
    refunded = "refunded"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


PRIORITY_RANK = {Priority.low: 0, Priority.normal: 1, Priority.high: 2, Priority.urgent: 3}


class ConversationState(StrEnum):
    bot = "bot"
    queued = "queued"
    with_agent = "with_agent"
    closed = "closed"


# action -> (states it may start from, state it leads to)
CONVERSATION_TRANSITIONS: dict[str, tuple[frozenset[ConversationState], ConversationState]] = {
    "handoff": (frozenset({ConversationState.bot}), ConversationState.queued),
    "take": (frozenset({ConversationState.queued}), ConversationState.with_agent),
    "transfer": (frozenset({ConversationState.with_agent}), ConversationState.with_agent),
    "handback": (frozenset({ConversationState.queued, ConversationState.with_agent}), ConversationState.bot),
    "resolve": (
        frozenset({ConversationState.bot, ConversationState.queued, ConversationState.with_agent}),
        ConversationState.closed,
    ),
    "reopen": (frozenset({ConversationState.closed}), ConversationState.bot),
}


class SenderType(StrEnum):
    customer = "customer"
    bot = "bot"
    agent = "agent"
    system = "system"
    note = "note"  # internal note, never shown to the customer


class Tier(StrEnum):
    standard = "standard"
    silver = "silver"
    gold = "gold"
    platinum = "platinum"


HIGH_TIERS = frozenset({Tier.gold, Tier.platinum})


class Role(StrEnum):
    agent = "agent"
    admin = "admin"


class AuthorType(StrEnum):
    customer = "customer"
    staff = "staff"
    system = "system"


# Languages the product speaks (docs/INTERFACES.md); the CRM stores any ISO 639-1 code.
PRODUCT_LANGUAGES = ("en", "es", "de", "fr")
CURRENCIES = ("EUR", "USD", "GBP")
