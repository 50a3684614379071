"""session: confirmed_count and waitlisted_count, for pages that show free places

Revision ID: d3a9c4e1b6f2
Revises: c5e1a7d2f905
Create Date: 2026-11-21 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a9c4e1b6f2'
down_revision = 'c5e1a7d2f905'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('waitlisted_count', sa.Integer(), nullable=False, server_default='0'))
    op.execute(
        "UPDATE session SET"
        " confirmed_count = (SELECT count(*) FROM session_choice"
        "  WHERE session_choice.session_id = session.id AND session_choice.status = 'confirmed'),"
        " waitlisted_count = (SELECT count(*) FROM session_choice"
        "  WHERE session_choice.session_id = session.id AND session_choice.status = 'waitlisted')"
    )


def downgrade():
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_column('waitlisted_count')
        batch_op.drop_column('confirmed_count')
