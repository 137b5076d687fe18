"""report indexes: a conversation's shopper messages by time (the service report's end-to-end
time looks up where each ticket's visit began)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

FROM_SHOPPER = "author_kind = 'shopper'"


def upgrade() -> None:
    op.create_index('ix_messages_shopper_by_conversation', 'messages', ['conversation_id', 'created_at'],
                    sqlite_where=sa.text(FROM_SHOPPER), postgresql_where=sa.text(FROM_SHOPPER))


def downgrade() -> None:
    op.drop_index('ix_messages_shopper_by_conversation', table_name='messages')
