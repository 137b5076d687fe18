"""the desk: editable teams, ticket labels, opt-in assignment for supervisors and admins,
presence periods (time online), audit details

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The three teams ShopDesk had built in, with the intents whose tickets they took.
_TEAMS = [
    ("orders", "Orders", ["order_status", "track_shipment", "delivery_problem", "delivery_options", "cancel_order",
                          "change_order", "change_address"]),
    ("payments", "Payments", ["payment_issue", "payment_methods", "invoice_request", "promo_code"]),
    ("returns", "Returns", ["return_item", "refund_status", "warranty"]),
]


def upgrade() -> None:
    with op.batch_alter_table('agents') as batch_op:
        batch_op.add_column(sa.Column('takes_tickets', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE agents SET takes_tickets = false WHERE role IN ('supervisor', 'admin')")
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.create_index('ix_audit_log_created', ['created_at'])
    teams = op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('intents', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    now = datetime.now(UTC)
    op.bulk_insert(teams, [{"name": n, "title": t, "intents": i, "created_at": now} for n, t, i in _TEAMS])
    op.create_table('ticket_labels',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id', 'label')
    )
    op.create_index('ix_ticket_labels_label', 'ticket_labels', ['label'])
    op.create_table('presence_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_presence_periods_agent', 'presence_periods', ['agent_id', 'started_at'])


def downgrade() -> None:
    op.drop_index('ix_presence_periods_agent', table_name='presence_periods')
    op.drop_table('presence_periods')
    op.drop_index('ix_ticket_labels_label', table_name='ticket_labels')
    op.drop_table('ticket_labels')
    op.drop_table('teams')
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_index('ix_audit_log_created')
        batch_op.drop_column('details')
    with op.batch_alter_table('agents') as batch_op:
        batch_op.drop_column('takes_tickets')
