"""trigram index for substring search on 12345热线工单

Revision ID: 7c1e5a93d2b4
Revises: 2942c99e72ff
Create Date: 2026-11-29 07:00:00.000000

The columns are those of ``HotlineOrderRegistry.substring_index`` (a test checks they agree).
PostgreSQL: pg_trgm GIN indexes (skipped when the extension cannot be created); SQLite: an
FTS5 trigram table kept in sync by triggers (``app.registries.substring``).
"""
from alembic import op

from app.registries.substring import create_trigram_index, drop_trigram_index

# revision identifiers, used by Alembic.
revision = '7c1e5a93d2b4'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None

TABLE = "dc_hotline_order"
COLUMNS = ["address", "category1", "category2", "category3", "street", "purpose", "urgency", "requester"]


def upgrade():
    create_trigram_index(op.get_bind(), TABLE, COLUMNS)


def downgrade():
    drop_trigram_index(op.get_bind(), TABLE, COLUMNS)
