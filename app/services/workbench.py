"""首页 workbench figures: my counters (the same conditions as the lists they link to) and,
for county and city users, the charts of their territory."""
import datetime as dt

from sqlalchemy import func, select, union_all

from app.extensions import db
from app.models.base import now
from app.models.org import Unit, UnitKind
from app.models.ticket import Application, OwnerPeriod, Supervision, Task, Ticket
from app.security.scope import Scope
from app.services.deadlines import due_soon_clause, overdue_clause

LIVE = ("pending_sign", "open")


def holding(unit_id, clause):
    """Tickets where ``unit_id`` holds a period or task matching ``clause(model)``."""
    def ids(model):
        return select(model.ticket_id).where(model.unit_id == unit_id, clause(model))
    # uncorrelated: my unit's rows come from the (unit, status, …) indexes once, not per ticket
    return Ticket.id.in_(union_all(ids(OwnerPeriod), ids(Task)))


def overdue_condition(unit_id):
    """已超期: my live period or task shows a red light (past its deadline, or unsigned past the sign limit)."""
    at = now()
    return holding(unit_id, lambda model: overdue_clause(model, at))


def due_soon_condition(unit_id):
    """即将超期: my live period or task shows a yellow light (80 % of its working-time limit used)."""
    at = now()
    return holding(unit_id, lambda model: due_soon_clause(model, at))


def counters(user, scope: Scope):
    """Tile figures with the links of the lists they count."""
    from app.views.tickets import BOARDS

    def count_board(name):
        return db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.scope_clause(scope), BOARDS[name][1](user)))

    unit_id = user.unit_id
    pending_reviews = db.session.scalar(select(func.count()).select_from(Application).where(
        Application.reviewer_unit_id == unit_id, Application.status == "pending", Application.scope_clause(scope)))
    supervised = db.session.scalar(select(func.count()).select_from(Supervision).where(
        Supervision.target_unit_id == unit_id, Supervision.status != "已反馈", Supervision.scope_clause(scope)))
    return [
        ("待签收", count_board("pending"), "/work/board/pending", "primary"),
        ("待办", count_board("todo"), "/work/board/todo", "info"),
        ("即将超期", count_board("due_soon"), "/work/board/due_soon", "warning"),
        ("已超期", count_board("overdue"), "/work/board/overdue", "danger"),
        ("待审核", pending_reviews, "/work/applications/all/review", "success"),
        ("督办我的", supervised, "/work/supervisions/me?open=1", "default"),
    ] + resident_whistle_tiles(user)


def resident_whistle_tiles(user):
    """居民吹哨 待核实, for users who may open 我的-居民吹哨记录: the count of its filtered list."""
    from app.extensions import appbuilder
    from app.workflow.resident import count, filtered

    if not appbuilder.sm.has_access("can_list", "ResidentWhistle"):
        return []
    return [("居民吹哨 待核实", count(filtered(user, "pending")), "/work/resident-whistles/?status=pending", "warning")]


def charts(user, scope: Scope, days=30):
    """Chart data for county and city users; None for other units."""
    unit = user.unit
    if unit is None or unit.kind not in (UnitKind.COUNTY.value, UnitKind.CITY.value):
        return None
    from app.workflow.table import STATE_LABELS

    in_scope = Ticket.scope_clause(scope)
    by_state = db.session.execute(select(Ticket.state, func.count()).where(in_scope).group_by(Ticket.state)).all()
    by_source = db.session.execute(select(Ticket.source, func.count()).where(in_scope).group_by(Ticket.source)).all()
    areas = []
    for child in db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.kind.in_(
            (UnitKind.COUNTY.value, UnitKind.TOWNSHIP.value))).order_by(Unit.sort_order, Unit.id)):
        n = db.session.scalar(select(func.count()).select_from(Ticket).join(Unit, Unit.id == Ticket.unit_id)
                              .where(in_scope, Unit.path.like(child.path + "%")))
        areas.append((child.name, n))
    start = (now() - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0)
    new_per_day = dict(db.session.execute(select(func.date(Ticket.reported_at), func.count()).where(
        in_scope, Ticket.reported_at >= start).group_by(func.date(Ticket.reported_at))).all())
    done_per_day = dict(db.session.execute(select(func.date(Ticket.finished_at), func.count()).where(
        in_scope, Ticket.finished_at >= start).group_by(func.date(Ticket.finished_at))).all())
    days_axis = [(start + dt.timedelta(days=i)).date().isoformat() for i in range(days)]
    at = now()
    overdue_units = db.session.execute(
        select(Unit.name, func.count()).select_from(Task).join(Unit, Unit.id == Task.unit_id)
        .where(Task.status.in_(LIVE), Task.deadline < at, Task.ticket_id.in_(select(Ticket.id).where(in_scope)))
        .group_by(Unit.name).order_by(func.count().desc()).limit(10)).all()
    return {
        "by_state": [(STATE_LABELS.get(s, s), n) for s, n in by_state],
        "by_source": list(map(tuple, by_source)),
        "by_area": areas,
        "trend": {"days": days_axis, "new": [new_per_day.get(d, 0) for d in days_axis],
                  "finished": [done_per_day.get(d, 0) for d in days_axis]},
        "overdue_by_unit": list(map(tuple, overdue_units)),
        "avg_handling_days": average_handling_days(in_scope),
    }


def average_handling_days(in_scope):
    """Mean days from report to finish over finished tickets (database-neutral)."""
    if db.engine.dialect.name == "postgresql":
        span = func.extract("epoch", Ticket.finished_at - Ticket.reported_at) / 86400.0
    else:
        span = func.julianday(Ticket.finished_at) - func.julianday(Ticket.reported_at)
    value = db.session.scalar(select(func.avg(span)).where(in_scope, Ticket.finished_at.is_not(None)))
    return round(float(value), 1) if value is not None else None


