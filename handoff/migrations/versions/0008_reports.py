"""reports: the intent the bot read in each shopper message; indexes for reports by period

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

HAS_INTENT = "intent IS NOT NULL"
FROM_SHOPPER = "author_kind = 'shopper'"


def upgrade() -> None:
    op.add_column('messages', sa.Column('intent', sa.String(length=80), nullable=True))
    # Reports read a period's shopper messages, and what the bot read in them, by time.
    op.create_index('ix_messages_intent', 'messages', ['created_at', 'conversation_id', 'intent'],
                    sqlite_where=sa.text(HAS_INTENT), postgresql_where=sa.text(HAS_INTENT))
    op.create_index('ix_messages_shopper', 'messages', ['created_at', 'conversation_id'],
                    sqlite_where=sa.text(FROM_SHOPPER), postgresql_where=sa.text(FROM_SHOPPER))
    op.create_index('ix_conversations_created', 'conversations', ['created_at'])
    op.create_index('ix_tickets_created', 'tickets', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_tickets_created', table_name='tickets')
    op.drop_index('ix_conversations_created', table_name='conversations')
    op.drop_index('ix_messages_shopper', table_name='messages')
    op.drop_index('ix_messages_intent', table_name='messages')
    op.drop_column('messages', 'intent')
