"""outbound message: next attempt time for 12345 delivery with back-off

Revision ID: 5e1c0a7d2b90
Revises: 2942c99e72ff
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c0a7d2b90'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_outbound_next_attempt', ['next_attempt_at'], unique=False)
    # messages stored before this revision: still to send, due at once
    op.execute("UPDATE outbound_message SET next_attempt_at = created_at WHERE status = '待发送'")


def downgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_next_attempt')
        batch_op.drop_column('next_attempt_at')
