"""join the parallel schema branches

Revision ID: 2942c99e72ff
Revises: 244aa517fe6d, 9b90a06e4739, c3d99d81464c, eb183a3fdd1b
Create Date: 2026-11-29 04:03:37.531815

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2942c99e72ff'
down_revision = ('244aa517fe6d', '9b90a06e4739', 'c3d99d81464c', 'eb183a3fdd1b')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
