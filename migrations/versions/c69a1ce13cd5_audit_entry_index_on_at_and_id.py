"""audit_entry: index on (at, id) for paging the audit log newest first

The index on `at` alone served the newest 100 entries; paging through all of them by
seeking on (at, id) needs the pair (PostgreSQL cannot take the order of `id` within one
`at` from an index on `at`). The pair serves whatever the old index did, so it replaces it.

Revision ID: c69a1ce13cd5
Revises: 6b1f0c2a9d41
Create Date: 2026-11-21 17:16:54

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c69a1ce13cd5'
down_revision = '6b1f0c2a9d41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at_id', ['at', 'id'], unique=False)
        batch_op.drop_index('ix_audit_entry_at')


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at', ['at'], unique=False)
        batch_op.drop_index('ix_audit_entry_at_id')
