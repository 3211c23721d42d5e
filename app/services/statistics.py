"""统计分析: assessment figures by area and by department over a period.

Per area (the jurisdictions directly below the user's county or city): reported, finished,
finished on time, on-time rate, overdue, rework (completion applications rejected), average
handling days, callback satisfaction.  Per functional department: tasks assigned, completed,
completed on time, on-time rate, overdue, returned.  Every figure is one grouped query.
"""
import datetime as dt

from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.models.base import now
from app.models.org import Unit, UnitKind
from app.models.ticket import Application, Callback, OwnerPeriod, Task, Ticket
from app.security.scope import Scope

AREA_COLUMNS = [("name", "辖区"), ("reported", "上报数"), ("finished", "办结数"), ("on_time", "按期办结数"),
                ("on_time_rate", "按期办结率"), ("overdue", "超期数"), ("rework", "返工数"),
                ("avg_days", "平均办理时长(天)"), ("satisfaction", "回访满意度")]
DEPT_COLUMNS = [("name", "职能部门"), ("assigned", "交办任务数"), ("completed", "办结数"), ("on_time", "按期办结数"),
                ("on_time_rate", "按期办结率"), ("overdue", "超期数"), ("returned", "退回数")]
LIVE = ("pending_sign", "open")


def default_period():
    today = now().date()
    return today.replace(day=1), today


def _span_days():
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", Ticket.finished_at - Ticket.reported_at) / 86400.0
    return func.julianday(Ticket.finished_at) - func.julianday(Ticket.reported_at)


def _rate(part, whole):
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def by_area(user, scope: Scope, start: dt.date, end: dt.date):
    """One row per jurisdiction directly below the user's unit, plus a 合计 row."""
    unit = user.unit
    areas = db.session.execute(select(Unit.id, Unit.name, Unit.path).where(
        Unit.parent_id == unit.id, Unit.kind.in_((UnitKind.COUNTY.value, UnitKind.TOWNSHIP.value)))
        .order_by(Unit.sort_order, Unit.id)).all()
    lo, hi = dt.datetime.combine(start, dt.time.min), dt.datetime.combine(end, dt.time.max)
    area_of = case(*[(Unit.path.like(path + "%"), name) for _, name, path in areas], else_=None) if areas else None
    rows = {name: dict(name=name, reported=0, finished=0, on_time=0, overdue=0, rework=0, avg_days=None,
                       satisfaction=None) for _, name, _ in areas}
    if not areas:
        return []
    base = (select(area_of.label("area")).select_from(Ticket).join(Unit, Unit.id == Ticket.unit_id)
            .where(Ticket.scope_clause(scope)))
    last_deadline = (select(func.max(OwnerPeriod.deadline)).where(OwnerPeriod.ticket_id == Ticket.id)
                     .correlate(Ticket).scalar_subquery())
    stmt = base.add_columns(
        func.sum(case((Ticket.reported_at.between(lo, hi), 1), else_=0)),
        func.sum(case((Ticket.finished_at.between(lo, hi), 1), else_=0)),
        func.sum(case((and_(Ticket.finished_at.between(lo, hi), Ticket.finished_at <= last_deadline), 1), else_=0)),
        func.avg(case((Ticket.finished_at.between(lo, hi), _span_days()), else_=None)),
    ).group_by("area")
    for area, reported, finished, on_time, avg_days in db.session.execute(stmt):
        if area in rows:
            rows[area].update(reported=int(reported or 0), finished=int(finished or 0), on_time=int(on_time or 0),
                              avg_days=round(float(avg_days), 1) if avg_days is not None else None)
    at = now()
    overdue = (base.add_columns(func.count()).where(
        Ticket.id.in_(select(Task.ticket_id).where(Task.status.in_(LIVE), Task.deadline < at))
        | Ticket.id.in_(select(OwnerPeriod.ticket_id).where(OwnerPeriod.status.in_(LIVE), OwnerPeriod.deadline < at)))
        .group_by("area"))
    for area, n in db.session.execute(overdue):
        if area in rows:
            rows[area]["overdue"] = n
    rework = (base.add_columns(func.count()).join(Application, Application.ticket_id == Ticket.id)
              .where(Application.kind == "completion", Application.status == "rejected",
                     Application.reviewed_at.between(lo, hi)).group_by("area"))
    for area, n in db.session.execute(rework):
        if area in rows:
            rows[area]["rework"] = n
    satisfaction = (base.add_columns(func.avg(Callback.satisfaction)).join(Callback, Callback.ticket_id == Ticket.id)
                    .where(Callback.at.between(lo, hi)).group_by("area"))
    for area, avg in db.session.execute(satisfaction):
        if area in rows and avg is not None:
            rows[area]["satisfaction"] = round(float(avg), 2)
    out = list(rows.values())
    total = dict(name="合计", **{k: sum(r[k] for r in out) for k in ("reported", "finished", "on_time", "overdue",
                                                                    "rework")})
    days = [r["avg_days"] for r in out if r["avg_days"] is not None]
    total["avg_days"] = round(sum(days) / len(days), 1) if days else None
    sats = [r["satisfaction"] for r in out if r["satisfaction"] is not None]
    total["satisfaction"] = round(sum(sats) / len(sats), 2) if sats else None
    for r in out + [total]:
        r["on_time_rate"] = _rate(r["on_time"], r["finished"])
    return out + [total]


def by_department(user, scope: Scope, start: dt.date, end: dt.date):
    """One row per functional department of the user's county or city (task figures)."""
    unit = user.unit
    dept_kind = UnitKind.CITY_DEPT.value if unit.kind == UnitKind.CITY.value else UnitKind.COUNTY_DEPT.value
    lo, hi = dt.datetime.combine(start, dt.time.min), dt.datetime.combine(end, dt.time.max)
    at = now()
    stmt = (select(Unit.name,
                   func.sum(case((Task.assigned_at.between(lo, hi), 1), else_=0)),
                   func.sum(case((and_(Task.status == "completed", Task.ended_at.between(lo, hi)), 1), else_=0)),
                   func.sum(case((and_(Task.status == "completed", Task.ended_at.between(lo, hi),
                                       Task.ended_at <= Task.deadline), 1), else_=0)),
                   func.sum(case((and_(Task.status.in_(LIVE), Task.deadline < at), 1), else_=0)),
                   func.sum(case((and_(Task.status == "returned", Task.ended_at.between(lo, hi)), 1), else_=0)))
            .select_from(Unit).outerjoin(Task, and_(Task.unit_id == Unit.id, Task.ticket_id.in_(
                select(Ticket.id).where(Ticket.scope_clause(scope)))))
            .where(Unit.parent_id == unit.id, Unit.kind == dept_kind).group_by(Unit.id, Unit.name)
            .order_by(Unit.id))
    out = []
    for name, assigned, completed, on_time, overdue, returned in db.session.execute(stmt):
        row = dict(name=name, assigned=int(assigned or 0), completed=int(completed or 0), on_time=int(on_time or 0),
                   overdue=int(overdue or 0), returned=int(returned or 0))
        row["on_time_rate"] = _rate(row["on_time"], row["completed"])
        out.append(row)
    return out
