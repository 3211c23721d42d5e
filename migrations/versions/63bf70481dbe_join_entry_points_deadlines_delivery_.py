"""Merge: joins the schema branches written side by side (whistle, intake, resident whistle, outbound retry, deadlines, trigram search, list indexes).

Revision ID: 63bf70481dbe
Revises: 5c1e7a9d2b40, 5d1e7a3c9b21, 5e1c0a7d2b90, 7a4c2e9f1b63, 7c1e5a93d2b4, a7c4e2f19b63, b6f3d2a1c9e8
Create Date: 2026-11-29 08:43:39.562647

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63bf70481dbe'
down_revision = ('5c1e7a9d2b40', '5d1e7a3c9b21', '5e1c0a7d2b90', '7a4c2e9f1b63', '7c1e5a93d2b4', 'a7c4e2f19b63', 'b6f3d2a1c9e8')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
