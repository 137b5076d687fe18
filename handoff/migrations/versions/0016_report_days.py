"""report days: a rollup per UTC day of what the bot and topics reports answered for the
conversations opened that day, with the signature of that day's conversations and the 7 after it
(handoff/reports_rollup.py), and an index that reads those signatures alone

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_days',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('conversations', sa.Integer(), nullable=False),
    sa.Column('seq_total', sa.BigInteger(), nullable=False),
    sa.Column('last_change', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('contact_total', sa.BigInteger(), nullable=False),
    sa.Column('erased', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('report_day_counts',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('conversations', sa.Integer(), nullable=False),
    sa.Column('handed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'scope', 'kind', 'key')
    )
    op.create_index('ix_conversations_report_day', 'conversations',
                    ['created_at', 'channel', 'last_seq', 'updated_at', 'contact_id', 'erased_at'])


def downgrade() -> None:
    op.drop_index('ix_conversations_report_day', table_name='conversations')
    op.drop_table('report_day_counts')
    op.drop_table('report_days')
