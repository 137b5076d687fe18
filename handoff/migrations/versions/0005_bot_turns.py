"""bot turns: which shopper messages still wait for the bot, who is answering them, what answers
what; tickets opened because Rasa was down

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

WAITING = "handled_at IS NULL AND author_kind = 'shopper'"


def upgrade() -> None:
    op.add_column('messages', sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('messages', sa.Column('bot_claimed_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('messages', sa.Column('reply_to', sa.Integer(), nullable=True))
    # Everything said before this revision has had its answer.
    op.execute("UPDATE messages SET handled_at = created_at WHERE author_kind = 'shopper'")
    op.create_index('ix_messages_waiting', 'messages', ['conversation_id', 'seq'],
                    sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))
    op.add_column('tickets', sa.Column('bot_outage', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('tickets', 'bot_outage')
    op.drop_index('ix_messages_waiting', table_name='messages')
    op.drop_column('messages', 'reply_to')
    op.drop_column('messages', 'bot_claimed_until')
    op.drop_column('messages', 'handled_at')
