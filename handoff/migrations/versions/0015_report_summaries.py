"""report summaries: one row per conversation with what the bot and topics reports read of it, and
its facets (intents, products, carriers); kept by handoff/report_summaries.py. And the shopper
messages' intents by time (the topics report's counts, from the index alone)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SHOPPER_INTENT = "author_kind = 'shopper' AND intent IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_messages_shopper_intent', 'messages', ['created_at', 'intent'],
                    sqlite_where=sa.text(SHOPPER_INTENT), postgresql_where=sa.text(SHOPPER_INTENT))
    op.create_table('conversation_summaries',
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wrote', sa.Boolean(), nullable=False),
    sa.Column('handed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id')
    )
    op.create_index('ix_conversation_summaries_created', 'conversation_summaries', ['created_at'])
    op.create_table('conversation_facets',
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('conversation_id', 'kind', 'value')
    )
    op.create_index('ix_conversation_facets_period', 'conversation_facets', ['kind', 'created_at', 'conversation_id', 'value'])


def downgrade() -> None:
    op.drop_index('ix_messages_shopper_intent', table_name='messages')
    op.drop_index('ix_conversation_facets_period', table_name='conversation_facets')
    op.drop_table('conversation_facets')
    op.drop_index('ix_conversation_summaries_created', table_name='conversation_summaries')
    op.drop_table('conversation_summaries')
