"""nps: the optional "would you recommend us" question after the rating, a shop setting

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.add_column('tickets', sa.Column('nps_score', sa.Integer(), nullable=True))
    op.add_column('tickets', sa.Column('nps_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('tickets', 'nps_at')
    op.drop_column('tickets', 'nps_score')
    op.drop_table('feedback_settings')
