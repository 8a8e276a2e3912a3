"""Every table of the CRM; importing this module registers them on Base.metadata."""

from crm_backend.models.conversations import Conversation, Message
from crm_backend.models.customers import Customer
from crm_backend.models.orders import Order, OrderItem, OrderStatusChange, Product, ReturnRequest
from crm_backend.models.staff import Staff
from crm_backend.models.system import AuditEntry, Counter, IdempotencyRecord, VerificationAttempts
from crm_backend.models.tickets import Ticket, TicketComment

__all__ = [
    "AuditEntry", "Conversation", "Counter", "Customer", "IdempotencyRecord", "Message", "Order", "OrderItem",
    "OrderStatusChange", "Product", "ReturnRequest", "Staff", "Ticket", "TicketComment", "VerificationAttempts",
]
