"""Ticket numbers from a PostgreSQL sequence.

The `number_counters` row serialised every ticket creation on PostgreSQL: its row lock is
held until the creating transaction commits. A sequence hands out numbers without a lock
(gaps after a rollback are fine for ticket numbers). SQLite serialises writers anyway and
keeps the counter row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE ticket_number_seq MINVALUE 10000 MAXVALUE 99999 NO CYCLE")
    # The counter holds the last number handed out; the next nextval() gives value + 1.
    op.execute("SELECT setval('ticket_number_seq', (SELECT value FROM number_counters WHERE name = 'ticket'))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("UPDATE number_counters SET value = (SELECT last_value FROM ticket_number_seq) WHERE name = 'ticket'")
    op.execute("DROP SEQUENCE ticket_number_seq")
