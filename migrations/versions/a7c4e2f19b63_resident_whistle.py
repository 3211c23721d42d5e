"""居民吹哨: resident whistle records and their photos

Revision ID: a7c4e2f19b63
Revises: 2942c99e72ff
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c4e2f19b63'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'resident_whistle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref_no', sa.String(length=20), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('reporter_name', sa.Text(), nullable=False),
        sa.Column('phone', sa.Text(), nullable=False),
        sa.Column('phone_hash', sa.String(length=64), nullable=True),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['handled_by_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ref_no'),
    )
    op.create_index('ix_resident_whistle_community_status', 'resident_whistle', ['community_id', 'status', 'id'])
    op.create_index('ix_resident_whistle_phone_hash', 'resident_whistle', ['phone_hash'])
    op.create_table(
        'resident_whistle_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('whistle_id', sa.Integer(), nullable=False),
        sa.Column('stored_name', sa.String(length=100), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['whistle_id'], ['resident_whistle.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('stored_name'),
    )
    op.create_index('ix_resident_whistle_photo_whistle_id', 'resident_whistle_photo', ['whistle_id'])


def downgrade():
    op.drop_index('ix_resident_whistle_photo_whistle_id', table_name='resident_whistle_photo')
    op.drop_table('resident_whistle_photo')
    op.drop_index('ix_resident_whistle_phone_hash', table_name='resident_whistle')
    op.drop_index('ix_resident_whistle_community_status', table_name='resident_whistle')
    op.drop_table('resident_whistle')
