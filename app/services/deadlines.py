"""Deadlines on the working-day calendar (workflow.md "Deadline").

Working time: Monday–Friday are working days and weekends rest, except the dates of the
``calendar_day`` table (节假日 rest, 调休上班日 work).  A working day counts all its 24 hours,
so "N working days" from a moment ends at the same clock time N working days later and a
limit started on a rest day starts counting at the next working day's 00:00.  Limits in hours
are working hours on the same clock.  A deadline is fixed when it is set; later calendar edits
change new deadlines only.

Traffic light of a live owner period or task: green below 80 % of its limit used, yellow from
80 % up to the deadline itself (this is 即将超期), red after it (超期).  While a row waits for
签收 both its sign limit and its handling limit run, and the worse light counts.  The 80 %
moments are stored on the row (``due_soon_at``, ``sign_due_soon_at``, kept by a flush hook
whenever a deadline changes) so lists and the workbench filter in SQL with exactly the light's
thresholds.
"""
import datetime as dt
import math

from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm.attributes import get_history

from app.extensions import db
from app.models.base import now
from app.models.deadline import (DAYS, HANDLE, HOLIDAY, HOURS, LIMIT_UNIT_LABELS, SIGN, STEP_LABELS, WORKDAY,
                                 CalendarDay, TimeLimit)
from app.models.dictionary import EventCategory
from app.models.ticket import OwnerPeriod, Task, TimelineEntry
from app.services.request_memo import forget, memo

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
LIVE = ("pending_sign", "open")
DEFAULT_SIGN_DAYS = 1
MAX_SPAN_DAYS = 3660          # arithmetic never walks further than ten years
WARN_SHARE = (4, 5)           # 80 %


class WorkCalendar:
    """Which dates are working days: the weekly rule plus the listed exceptions."""

    def __init__(self, holidays=(), workdays=()):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)

    def is_workday(self, day):
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def load_calendar(bind=None):
    """The calendar as stored (``bind``: a connection inside flush hooks, else the session;
    read once per request, again after a calendar row changed)."""
    def read():
        rows = (bind or db.session).execute(select(CalendarDay.day, CalendarDay.kind)).all()
        return WorkCalendar([d for d, k in rows if k == HOLIDAY], [d for d, k in rows if k == WORKDAY])
    if bind is not None:
        return read()
    return memo("calendar", None, read)


@event.listens_for(CalendarDay, "after_insert")
@event.listens_for(CalendarDay, "after_update")
@event.listens_for(CalendarDay, "after_delete")
def _calendar_changed(mapper, connection, target):
    forget("calendar")


def _midnight(day):
    return dt.datetime.combine(day, dt.time.min)


def working_time(start, end, cal=None):
    """Working time between two moments (zero when ``end`` is not after ``start``)."""
    if start is None or end is None or end <= start:
        return dt.timedelta(0)
    cal = cal or load_calendar()
    total = dt.timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_workday(day):
            total += min(end, _midnight(day + DAY)) - max(start, _midnight(day))
        day += DAY
    return total


def add_working_time(start, amount, cal=None):
    """The earliest moment by which ``amount`` of working time has passed since ``start``."""
    cal = cal or load_calendar()
    remaining, cursor = amount, start
    for _ in range(MAX_SPAN_DAYS):
        if remaining <= dt.timedelta(0):
            return cursor
        day_end = _midnight(cursor.date() + DAY)
        if cal.is_workday(cursor.date()):
            if remaining <= day_end - cursor:
                return cursor + remaining
            remaining -= day_end - cursor
        cursor = day_end
    raise ValueError("期限超出可计算范围")


def add_working_days(start, days, cal=None):
    """``start`` + ``days`` working days (期限天数, 延期天数)."""
    return add_working_time(start, int(days) * DAY, cal)


# --- limits --------------------------------------------------------------------------------
def _category_chain(category_id, bind):
    """The category and its ancestors, nearest first."""
    chain, seen = [], set()
    while category_id is not None and category_id not in seen and len(chain) < 10:
        seen.add(category_id)
        chain.append(category_id)
        category_id = bind.execute(select(EventCategory.parent_id).where(EventCategory.id == category_id)).scalar()
    return chain


def limit_for(category_id, urgency, step, bind=None):
    """The configured limit as working time: the most specific 事件类型 row wins (leaf, its
    parents, then 全部事件类型); without any row the built-in defaults apply."""
    bind = bind or db.session
    chain = _category_chain(category_id, bind)
    rows = bind.execute(select(TimeLimit.category_id, TimeLimit.amount, TimeLimit.unit).where(
        TimeLimit.urgency == urgency, TimeLimit.step == step,
        or_(TimeLimit.category_id.is_(None), TimeLimit.category_id.in_(chain or [-1])))).all()
    if rows:
        rank = {cid: i for i, cid in enumerate(chain + [None])}
        _, amount, unit = min(rows, key=lambda r: rank[r[0]])
        return amount * (DAY if unit == DAYS else HOUR)
    if step == SIGN:
        return DEFAULT_SIGN_DAYS * DAY
    from app.workflow.status import deadline_days

    return deadline_days(urgency) * DAY


def deadline_for(ticket, step, start, cal=None, bind=None):
    """The deadline of ``step`` (``"sign"`` or ``"handle"``) for ``ticket`` starting at ``start``."""
    amount = limit_for(ticket.category_id, ticket.urgency or "一般", step, bind)
    return add_working_time(start, amount, cal or load_calendar(bind))


def due_soon_moment(start, deadline, cal=None):
    """The first moment at which 80 % of the working time from ``start`` to ``deadline`` is used."""
    if deadline is None:
        return None
    start = min(start or deadline, deadline)
    limit = working_time(start, deadline, cal).total_seconds()
    num, den = WARN_SHARE
    return add_working_time(start, dt.timedelta(seconds=math.ceil(limit * num / den)), cal)


# --- validation of the administrators' forms ------------------------------------------------
MAX_LIMIT = {DAYS: 365, HOURS: 720}
URGENCIES = ("一般", "紧急", "重大")


def validate_calendar_day(item):
    """A ValueError with a Chinese message for a 工作日历 row that cannot be saved."""
    if item.day is None:
        raise ValueError("请填写日期")
    if not 2000 <= item.day.year <= 2100:
        raise ValueError("日期须在2000年至2100年之间")
    if item.kind not in (HOLIDAY, WORKDAY):
        raise ValueError("日期类型必须是节假日或调休上班日")
    if item.kind == WORKDAY and item.day.weekday() < 5:
        raise ValueError("调休上班日必须是周六或周日（周一至周五本来就是工作日）")
    item.name = (item.name or "").strip()
    if not item.name:
        raise ValueError("请填写节日名称")
    if len(item.name) > 50:
        raise ValueError("节日名称不能超过50个字")
    with db.session.no_autoflush:
        other = db.session.scalar(select(CalendarDay).where(CalendarDay.day == item.day,
                                                            CalendarDay.id != (item.id or -1)))
    if other is not None:
        raise ValueError(f"{item.day:%Y-%m-%d} 已登记为{other.kind_label}，请修改原记录")


def validate_time_limit(item):
    """A ValueError with a Chinese message for a 办理时限 row that cannot be saved."""
    if item.urgency not in URGENCIES:
        raise ValueError("紧急程度必须是一般、紧急或重大")
    if item.step not in STEP_LABELS:
        raise ValueError("环节必须是签收或办理")
    if item.unit not in MAX_LIMIT:
        raise ValueError("时限单位必须是工作日或工作小时")
    if item.amount is None or not 1 <= item.amount <= MAX_LIMIT[item.unit]:
        raise ValueError(f"时限必须是1到{MAX_LIMIT[item.unit]}之间的整数（{LIMIT_UNIT_LABELS[item.unit]}）")
    if item.category is not None and not item.category.enabled:
        raise ValueError("所选事件类型已停用")
    with db.session.no_autoflush:
        clash = db.session.scalar(select(TimeLimit.id).where(
            TimeLimit.urgency == item.urgency, TimeLimit.step == item.step, TimeLimit.id != (item.id or -1),
            TimeLimit.category_id.is_(None) if item.category is None
            else TimeLimit.category_id == item.category.id))
    if clash is not None:
        raise ValueError("该事件类型、紧急程度和环节的时限已存在，请修改原记录")


# --- the traffic light ---------------------------------------------------------------------
def _span_text(delta, day_word):
    seconds = delta.total_seconds()
    if seconds >= 86400:
        return f"{int(seconds // 86400)}{day_word}"
    return f"{max(1, math.ceil(seconds / 3600))}小时"


def remaining_text(now_, deadline, cal=None):
    """``剩余2个工作日`` / ``剩余5小时`` before the deadline, ``超期3天`` / ``超期4小时`` after it."""
    if now_ > deadline:
        return "超期" + _span_text(now_ - deadline, "天")
    return "剩余" + _span_text(working_time(now_, deadline, cal), "个工作日")


def light(started_at, deadline, now_=None, cal=None):
    """``("green" | "yellow" | "red", remaining text)`` of a limit from ``started_at`` to ``deadline``."""
    now_ = now_ or now()
    cal = cal or load_calendar()
    if now_ > deadline:
        return "red", remaining_text(now_, deadline, cal)
    limit = working_time(started_at, deadline, cal)
    used = working_time(started_at, now_, cal)
    num, den = WARN_SHARE
    color = "yellow" if used * den >= limit * num else "green"
    return color, remaining_text(now_, deadline, cal)


LIGHT_LABELS = {"green": "正常", "yellow": "即将超期", "red": "已超期"}
_SEVERITY = {"green": 0, "yellow": 1, "red": 2}


def _row_start(row):
    return row.started_at if isinstance(row, OwnerPeriod) else row.assigned_at


def _step_light(start, deadline, warn_at, now_, cal):
    if now_ > deadline:
        color = "red"
    elif warn_at is not None:
        color = "yellow" if now_ >= warn_at else "green"
    else:
        color = light(start, deadline, now_, cal)[0]
    return color, remaining_text(now_, deadline, cal)


def row_light(row, now_=None, cal=None):
    """The light of a live owner period or task as a dict (``color``, ``label``, ``text``,
    ``deadline``, ``step``), or None for ended rows and rows without a deadline.  Uses only
    the row's own columns: no queries besides the calendar (pass ``cal`` in loops)."""
    if row is None or row.status not in LIVE:
        return None
    now_ = now_ or now()
    steps = []
    if row.deadline is not None:
        steps.append((HANDLE, row.deadline, row.due_soon_at))
    if row.status == "pending_sign" and row.sign_deadline is not None:
        steps.append((SIGN, row.sign_deadline, row.sign_due_soon_at))
    if not steps:
        return None
    cal = cal or load_calendar()
    best = None
    for step, deadline, warn_at in steps:
        color, text = _step_light(_row_start(row), deadline, warn_at, now_, cal)
        key = (_SEVERITY[color], -deadline.timestamp())
        if best is None or key > best[0]:
            best = (key, step, deadline, color, text)
    _, step, deadline, color, text = best
    return {"color": color, "label": LIGHT_LABELS[color], "step": step, "deadline": deadline,
            "text": ("签收" + text) if step == SIGN else text, "reminders": row.reminder_count or 0}


# --- SQL conditions with the light's thresholds (workbench counters and their lists) ----------
def overdue_clause(model, at):
    """A live row past its deadline, or waiting for 签收 past its sign deadline (red)."""
    return and_(model.status.in_(LIVE), or_(
        model.deadline < at, and_(model.status == "pending_sign", model.sign_deadline < at)))


def due_soon_clause(model, at):
    """A live row not yet red with at least 80 % of a running limit used (yellow)."""
    return and_(model.status.in_(LIVE),
                or_(model.deadline.is_(None), model.deadline >= at),
                or_(model.status != "pending_sign", model.sign_deadline.is_(None), model.sign_deadline >= at),
                or_(model.due_soon_at <= at, and_(model.status == "pending_sign", model.sign_due_soon_at <= at)))


# --- keeping the 80 % moments and the sign deadline in step with the deadlines -------------
def _changed(row, key):
    return get_history(row, key).has_changes()


def _stamp(row, connection, inserting):
    start = _row_start(row) or now()
    cal = None
    if inserting and row.status == "pending_sign" and row.sign_deadline is None:
        ticket = row.ticket if "ticket" in row.__dict__ and row.ticket is not None else None
        from app.models.ticket import Ticket

        if ticket is None and row.ticket_id is not None:
            ticket = connection.execute(select(Ticket.category_id, Ticket.urgency)
                                        .where(Ticket.id == row.ticket_id)).first()
        if ticket is not None:
            cal = load_calendar(connection)
            row.sign_deadline = deadline_for(ticket, SIGN, start, cal, connection)
    for deadline_key, warn_key in (("deadline", "due_soon_at"), ("sign_deadline", "sign_due_soon_at")):
        deadline = getattr(row, deadline_key)
        if inserting or _changed(row, deadline_key) or (deadline is not None and getattr(row, warn_key) is None):
            cal = cal or load_calendar(connection)
            setattr(row, warn_key, due_soon_moment(start, deadline, cal))


for _model in (OwnerPeriod, Task):
    event.listen(_model, "before_insert", lambda mapper, connection, row: _stamp(row, connection, True))
    event.listen(_model, "before_update", lambda mapper, connection, row: _stamp(row, connection, False))


# --- the scheduled overdue job ---------------------------------------------------------------
def flag_overdue(at=None, batch=500):
    """Mark live rows that became overdue: ``overdue_flagged_at``, one more 催办 in
    ``reminder_count`` and one "超期催办" timeline entry each.  Running it again changes nothing;
    two runs at once flag each row once (the conditional UPDATE decides).  Returns the count."""
    at = at or now()
    flagged = 0
    for model, what in ((OwnerPeriod, "承办单位"), (Task, "任务单位")):
        from app.models.org import Unit

        rows = db.session.execute(
            select(model.id, model.ticket_id, Unit.name, model.status, model.deadline, model.sign_deadline)
            .join(Unit, Unit.id == model.unit_id)
            .where(model.overdue_flagged_at.is_(None), overdue_clause(model, at)).order_by(model.id)).all()
        for i, (row_id, ticket_id, unit_name, status, deadline, sign_deadline) in enumerate(rows, 1):
            won = db.session.execute(
                update(model).where(model.id == row_id, model.overdue_flagged_at.is_(None))
                .values(overdue_flagged_at=at, reminder_count=model.reminder_count + 1)
                .execution_options(synchronize_session=False)).rowcount
            if won != 1:
                continue
            sign_late = status == "pending_sign" and sign_deadline is not None and sign_deadline < at \
                and (deadline is None or deadline >= at)
            due = sign_deadline if sign_late else deadline
            detail = "\n".join([f"{what}: {unit_name}", f"{'签收截止时间' if sign_late else '截止时间'}: "
                                f"{due:%Y-%m-%d %H:%M:%S}", f"超期情况: {'超期未签收' if sign_late else '超期未办结'}"])
            db.session.add(TimelineEntry(ticket_id=ticket_id, at=at, level="系统", unit_name="平台",
                                         user_name="定时任务", action="超期催办", detail=detail))
            flagged += 1
            if i % batch == 0:
                db.session.commit()
    db.session.commit()
    return flagged
