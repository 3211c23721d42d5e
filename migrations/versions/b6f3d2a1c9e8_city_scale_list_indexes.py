"""city-scale list indexes: boards, data scope and 已办 lookups

Revision ID: b6f3d2a1c9e8
Revises: 2942c99e72ff
Create Date: 2026-11-29 07:00:00

The ticket boards select "tickets where my unit holds a period or task in these states"
(unit, status → ticket ids, covered by the index) and the data scope probes "does this
ticket have a period or task of a unit in my territory" (ticket, unit).  已办 also lists
tickets my unit finished.
"""
from alembic import op


revision = 'b6f3d2a1c9e8'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_owner_period_unit_status_ticket", "owner_period", ["unit_id", "status", "ticket_id"]),
    ("ix_owner_period_ticket_unit", "owner_period", ["ticket_id", "unit_id"]),
    ("ix_task_unit_status_ticket", "task", ["unit_id", "status", "ticket_id"]),
    ("ix_task_ticket_unit", "task", ["ticket_id", "unit_id"]),
    ("ix_ticket_finished_unit", "ticket", ["finished_unit_id", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
