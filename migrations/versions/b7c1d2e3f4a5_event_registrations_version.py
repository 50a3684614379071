"""event: registrations_version, for cached staff pages

Revision ID: b7c1d2e3f4a5
Revises: aa5b8c55b282
Create Date: 2026-11-21 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'aa5b8c55b282'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registrations_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('registrations_version')
