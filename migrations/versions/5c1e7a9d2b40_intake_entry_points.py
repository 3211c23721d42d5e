"""intake entry points: 一键上报 fields on tickets, 平台疑难 items

Revision ID: 5c1e7a9d2b40
Revises: 2942c99e72ff
Create Date: 2026-11-29 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a9d2b40'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_level', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('occurred_at', sa.DateTime(), nullable=True))

    op.create_table('platform_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=50), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('difficulty_reason', sa.Text(), nullable=True),
    sa.Column('process_detail', sa.Text(), nullable=True),
    sa.Column('item_type', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('occurred_at', sa.DateTime(), nullable=True),
    sa.Column('county', sa.String(length=50), nullable=True),
    sa.Column('town', sa.String(length=50), nullable=True),
    sa.Column('village', sa.String(length=50), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('judgement', sa.Text(), nullable=True),
    sa.Column('judged_at', sa.DateTime(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['event_category.id'], ),
    sa.ForeignKeyConstraint(['signed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('platform_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_item_signed_at'), ['signed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_item_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('platform_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_item_unit_id'))
        batch_op.drop_index(batch_op.f('ix_platform_item_signed_at'))
    op.drop_table('platform_item')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('occurred_at')
        batch_op.drop_column('event_level')
