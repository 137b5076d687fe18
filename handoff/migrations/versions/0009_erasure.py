"""erasure: when a conversation's personal data was erased (on request or by the retention job)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_conversations_updated_at', 'conversations', ['updated_at'])


def downgrade() -> None:
    op.drop_index('ix_conversations_updated_at', table_name='conversations')
    with op.batch_alter_table('conversations') as batch_op:
        batch_op.drop_column('erased_at')
