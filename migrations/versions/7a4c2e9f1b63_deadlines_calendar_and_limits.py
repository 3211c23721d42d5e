"""deadlines: working-day calendar, time limits, overdue marks on periods and tasks

Revision ID: 7a4c2e9f1b63
Revises: 2942c99e72ff
Create Date: 2026-12-01 10:00:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '7a4c2e9f1b63'
down_revision = '2942c99e72ff'
branch_labels = None
depends_on = None

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
HOLIDAYS_2026 = [("元旦", "2026-01-01", "2026-01-03"), ("春节", "2026-02-15", "2026-02-23"),
                 ("清明节", "2026-04-04", "2026-04-06"), ("劳动节", "2026-05-01", "2026-05-05"),
                 ("端午节", "2026-06-19", "2026-06-21"), ("中秋节", "2026-09-25", "2026-09-27"),
                 ("国庆节", "2026-10-01", "2026-10-07")]
WORKDAYS_2026 = [("元旦", "2026-01-04"), ("春节", "2026-02-14"), ("春节", "2026-02-28"), ("劳动节", "2026-05-09"),
                 ("国庆节", "2026-09-20"), ("国庆节", "2026-10-10")]
# (urgency, step, amount, unit) for 全部事件类型
DEFAULT_LIMITS = [("一般", "handle", 5, "day"), ("紧急", "handle", 3, "day"), ("重大", "handle", 1, "day"),
                  ("一般", "sign", 1, "day"), ("紧急", "sign", 1, "day"), ("重大", "sign", 4, "hour")]
COLUMNS = ("sign_deadline", "due_soon_at", "sign_due_soon_at", "overdue_flagged_at")


def _calendar_rows(stamp):
    rows = []
    for name, first, last in HOLIDAYS_2026:
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while day <= end:
            rows.append({"day": day, "kind": "holiday", "name": name, "remark": "法定节假日",
                         "created_at": stamp, "updated_at": stamp})
            day += dt.timedelta(days=1)
    for name, day in WORKDAYS_2026:
        rows.append({"day": dt.date.fromisoformat(day), "kind": "workday", "name": name, "remark": "调休上班",
                     "created_at": stamp, "updated_at": stamp})
    return rows


def upgrade():
    calendar = op.create_table(
        'calendar_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('remark', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day'),
    )
    limits = op.create_table(
        'time_limit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('urgency', sa.String(length=10), nullable=False),
        sa.Column('step', sa.String(length=10), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=10), nullable=False),
        sa.Column('remark', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['event_category.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('category_id', 'urgency', 'step', name='uq_time_limit_key'),
    )
    with op.batch_alter_table('time_limit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_limit_category_id'), ['category_id'], unique=False)
    for table in ('owner_period', 'task'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.add_column(sa.Column(column, sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('reminder_count', sa.Integer(), nullable=False, server_default='0'))

    stamp = dt.datetime.now().replace(microsecond=0)
    op.bulk_insert(calendar, _calendar_rows(stamp))
    op.bulk_insert(limits, [{"category_id": None, "urgency": u, "step": s, "amount": a, "unit": un,
                             "remark": "默认时限", "created_at": stamp, "updated_at": stamp}
                            for u, s, a, un in DEFAULT_LIMITS])
    _backfill_due_soon()


def _backfill_due_soon():
    """Live rows written before this revision get their 80 % moment (即将超期) on the new calendar."""
    from app.services.deadlines import WorkCalendar, due_soon_moment

    bind = op.get_bind()
    days = bind.execute(sa.text("SELECT day, kind FROM calendar_day")).all()
    as_date = [(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]), k) for d, k in days]
    cal = WorkCalendar([d for d, k in as_date if k == "holiday"], [d for d, k in as_date if k == "workday"])
    for table, start_col in (("owner_period", "started_at"), ("task", "assigned_at")):
        rows = bind.execute(sa.text(f"SELECT id, {start_col}, deadline FROM {table} "
                                    "WHERE status IN ('pending_sign', 'open') AND deadline IS NOT NULL")).all()
        for row_id, start, deadline in rows:
            start, deadline = _as_datetime(start), _as_datetime(deadline)
            bind.execute(sa.text(f"UPDATE {table} SET due_soon_at = :v WHERE id = :id"),
                         {"v": due_soon_moment(start, deadline, cal), "id": row_id})


def _as_datetime(value):
    return value if isinstance(value, dt.datetime) or value is None else dt.datetime.fromisoformat(str(value))


def downgrade():
    for table in ('task', 'owner_period'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('reminder_count')
            for column in reversed(COLUMNS):
                batch_op.drop_column(column)
    with op.batch_alter_table('time_limit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_time_limit_category_id'))
    op.drop_table('time_limit')
    op.drop_table('calendar_day')
