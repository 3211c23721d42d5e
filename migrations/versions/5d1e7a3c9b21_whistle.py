"""街乡吹哨: whistles, their check-ins and feedback

Revision ID: 5d1e7a3c9b21
Revises: 2942c99e72ff
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5d1e7a3c9b21'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'whistle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('urgency', sa.String(length=10), nullable=False),
        sa.Column('multi_dept', sa.Boolean(), nullable=False),
        sa.Column('response_hours', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
        sa.ForeignKeyConstraint(['period_id'], ['owner_period.id'], ),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['closed_by_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_whistle_ticket_id', 'whistle', ['ticket_id'], unique=False)
    op.create_table(
        'whistle_checkin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('whistle_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('checked_in_at', sa.DateTime(), nullable=True),
        sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['whistle_id'], ['whistle.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
        sa.ForeignKeyConstraint(['checked_in_by_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_whistle_checkin_whistle_id', 'whistle_checkin', ['whistle_id'], unique=False)
    op.create_index('ix_whistle_checkin_ticket_id', 'whistle_checkin', ['ticket_id'], unique=False)
    op.create_index('ix_whistle_checkin_unit', 'whistle_checkin', ['unit_id', 'status'], unique=False)
    op.create_table(
        'whistle_feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('attachment_ids', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['checkin_id'], ['whistle_checkin.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_whistle_feedback_checkin_id', 'whistle_feedback', ['checkin_id'], unique=False)


def downgrade():
    op.drop_index('ix_whistle_feedback_checkin_id', table_name='whistle_feedback')
    op.drop_table('whistle_feedback')
    op.drop_index('ix_whistle_checkin_unit', table_name='whistle_checkin')
    op.drop_index('ix_whistle_checkin_ticket_id', table_name='whistle_checkin')
    op.drop_index('ix_whistle_checkin_whistle_id', table_name='whistle_checkin')
    op.drop_table('whistle_checkin')
    op.drop_index('ix_whistle_ticket_id', table_name='whistle')
    op.drop_table('whistle')
