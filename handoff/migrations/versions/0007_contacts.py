"""contacts: one record per shopper across channels (identities, merges with their proof, tags,
notes, tier and order figures); conversations point at their contact; the settings for customer
records and personal data

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('shop_customer_id', sa.Integer(), nullable=True),
    sa.Column('shop_tier', sa.String(length=20), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('lifetime_value_cents', sa.Integer(), nullable=False),
    sa.Column('last_order_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['contacts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_contacts_email', 'contacts', ['email'])
    op.create_index('ix_contacts_tier', 'contacts', ['tier'])
    op.create_index(op.f('ix_contacts_shop_customer_id'), 'contacts', ['shop_customer_id'])
    op.create_table('contact_identities',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.PrimaryKeyConstraint('kind', 'value')
    )
    op.create_index(op.f('ix_contact_identities_contact_id'), 'contact_identities', ['contact_id'])
    op.create_table('contact_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('merged_contact_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('proof', sa.String(length=40), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=True),
    sa.Column('conversation_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.ForeignKeyConstraint(['merged_contact_id'], ['contacts.id'], ),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_contact_merges_contact_id'), 'contact_merges', ['contact_id'])
    op.create_table('contact_tags',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.PrimaryKeyConstraint('contact_id', 'tag')
    )
    op.create_index('ix_contact_tags_tag', 'contact_tags', ['tag'])
    op.create_table('contact_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_contact_notes_contact_id'), 'contact_notes', ['contact_id'])
    op.create_table('privacy_settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('conversations') as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_conversations_contact_id', ['contact_id'])
        batch_op.create_foreign_key('fk_conversations_contact_id', 'contacts', ['contact_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch_op:
        batch_op.drop_constraint('fk_conversations_contact_id', type_='foreignkey')
        batch_op.drop_index('ix_conversations_contact_id')
        batch_op.drop_column('contact_id')
    op.drop_table('privacy_settings')
    op.drop_table('contact_notes')
    op.drop_table('contact_tags')
    op.drop_table('contact_merges')
    op.drop_table('contact_identities')
    op.drop_table('contacts')
