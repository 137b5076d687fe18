"""the audit log as a hash chain (rows already there are chained in id order), logins in it
(no account for an unknown email; the address), and the once-per-conversation notice about
removed card, bank and ID numbers

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from handoff.audit_chain import GENESIS, row_hash

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('address', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('chain_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_audit_log_chain_seq', ['chain_seq'])
    chain = op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    seq, last = _chain_existing_rows()
    op.bulk_insert(chain, [{"id": 1, "seq": seq, "last_hash": last}])
    with op.batch_alter_table('conversations') as batch_op:
        batch_op.add_column(sa.Column('redaction_notice_at', sa.DateTime(timezone=True), nullable=True))


def _chain_existing_rows() -> tuple[int, str]:
    connection = op.get_bind()
    audit = sa.table('audit_log', sa.column('id', sa.Integer()), sa.column('agent_id', sa.Integer()),
                     sa.column('action', sa.String()), sa.column('subject', sa.String()),
                     sa.column('ticket_id', sa.Integer()), sa.column('details', sa.JSON()),
                     sa.column('created_at', sa.DateTime(timezone=True)), sa.column('chain_seq', sa.Integer()),
                     sa.column('prev_hash', sa.String()), sa.column('row_hash', sa.String()))
    rows = connection.execute(sa.select(audit.c.id, audit.c.agent_id, audit.c.action, audit.c.subject,
                                        audit.c.ticket_id, audit.c.details, audit.c.created_at)
                              .order_by(audit.c.id)).all()
    seq, last = 0, GENESIS
    for row in rows:
        seq += 1
        digest = row_hash(last, seq, row.agent_id, row.action, row.subject, row.ticket_id, row.details, None,
                          row.created_at)
        connection.execute(sa.update(audit).where(audit.c.id == row.id)
                           .values(chain_seq=seq, prev_hash=last, row_hash=digest))
        last = digest
    return seq, last


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch_op:
        batch_op.drop_column('redaction_notice_at')
    op.drop_table('audit_chain')
    op.execute("DELETE FROM audit_log WHERE agent_id IS NULL")
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_constraint('uq_audit_log_chain_seq', type_='unique')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('chain_seq')
        batch_op.drop_column('address')
        batch_op.alter_column('agent_id', existing_type=sa.Integer(), nullable=False)
