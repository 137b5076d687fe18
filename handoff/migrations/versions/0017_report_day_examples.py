"""report day examples: where the latest negative answers of a rolled-up day's conversations are,
per day of the message and intent (handoff/reports_answers.py; the counts are in report_day_counts).
The days rolled up before have no answers: they are forgotten, and the next pass rolls them up again

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_day_examples',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('next_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', 'scope', 'key', 'rank')
    )
    op.execute("DELETE FROM report_day_counts")
    op.execute("DELETE FROM report_days")


def downgrade() -> None:
    op.drop_table('report_day_examples')
