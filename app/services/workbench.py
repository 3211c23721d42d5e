"""首页 workbench figures: my counters (the same conditions as the lists they link to) and,
for county and city users, the charts of their territory."""
import datetime as dt
from collections import Counter
from contextlib import contextmanager

from sqlalchemy import String, cast, func, literal, null, select, text, union_all
from sqlalchemy.orm import aliased

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
    from app.views.tickets import board_condition

    def count_board(name):
        return db.session.scalar(select(func.count()).select_from(Ticket).where(board_condition(name, user, scope)))

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

    at = now()
    start = (at - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0)
    rows = _chart_rows(scope, start, at)
    by_state, by_source, per_unit, new_per_day, done_per_day = Counter(), Counter(), Counter(), {}, {}
    finished, total_days, overdue = 0, 0, []
    for part, unit_id, key, source, n, n_finished, span in rows:
        if part == "total":
            by_state[key] += n
            by_source[source] += n
            per_unit[unit_id] += n
            finished += n_finished
            total_days += span or 0
        elif part == "new":
            new_per_day[key] = n
        elif part == "finished":
            done_per_day[key] = n
        else:
            overdue.append((key, n))
    days_axis = [(start + dt.timedelta(days=i)).date().isoformat() for i in range(days)]
    # states and sources in key order, ties among overdue units by name: the same on every database
    return {
        "by_state": [(STATE_LABELS.get(s, s), n) for s, n in sorted(by_state.items())],
        "by_source": sorted(by_source.items()),
        "by_area": _by_area(unit, per_unit),
        "trend": {"days": days_axis, "new": [new_per_day.get(d, 0) for d in days_axis],
                  "finished": [done_per_day.get(d, 0) for d in days_axis]},
        "overdue_by_unit": sorted(overdue, key=lambda row: (-row[1], row[0]))[:10],
        "avg_handling_days": round(float(total_days) / finished, 1) if finished else None,
    }


def _chart_rows(scope: Scope, start, at):
    """Every chart's figures as rows tagged by part: totals per (unit, state, source), new and
    finished tickets per day since ``start``, live overdue tasks per unit name.

    The scope is the costly part (EXISTS over periods and tasks for each ticket): one statement
    selects the scoped tickets once into a CTE, which PostgreSQL and SQLite materialise because
    it is read four times.  A city user sees every ticket, so its parts read the table directly."""
    columns = (Ticket.id, Ticket.unit_id, Ticket.state, Ticket.source, Ticket.reported_at, Ticket.finished_at)
    tickets = Ticket.__table__ if scope.all else select(*columns).where(Ticket.scope_clause(scope)).cte("scoped")
    c = tickets.c
    # aliased: the scope's own subqueries over task and unit must not correlate to these rows
    task, holder = aliased(Task), aliased(Unit)
    overdue = (select(literal("overdue"), null(), holder.name, null(), func.count(), null(), null())
               .select_from(task).join(holder, holder.id == task.unit_id)
               .where(task.status.in_(LIVE), task.deadline < at).group_by(holder.name))
    if not scope.all:
        overdue = overdue.join(tickets, c.id == task.ticket_id)

    def per_day(part, column):
        day = cast(func.date(column), String)       # PostgreSQL's date() is a date, SQLite's a string
        return (select(literal(part), null(), day, null(), func.count(), null(), null()).select_from(tickets)
                .where(column >= start).group_by(day))

    totals = (select(literal("total"), c.unit_id, c.state, c.source, func.count(), func.count(c.finished_at),
                     func.sum(_handling_days(c.reported_at, c.finished_at)))
              .select_from(tickets).group_by(c.unit_id, c.state, c.source))
    parts = (totals, per_day("new", c.reported_at), per_day("finished", c.finished_at), overdue)
    with _without_jit():
        if scope.all:
            # nothing to share: as separate statements each may use parallel workers (a UNION
            # gives every part a single one; the city's totals took 2.5 times as long)
            return [row for part in parts for row in db.session.execute(part)]
        return db.session.execute(union_all(*parts)).all()


@contextmanager
def _without_jit():
    """PostgreSQL compiles a query whose estimate exceeds ``jit_above_cost``; the planner prices
    the scope's EXISTS far above their real cost, so each chart query spent 0.7–1 s compiling
    for 0.3 s of work (EXPLAIN ANALYZE on the city bench).  Off for these queries only."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    previous = db.session.scalar(text("SELECT current_setting('jit')"))
    db.session.execute(text("SELECT set_config('jit', 'off', true)"))
    yield
    # not reached on an error: the rollback that follows ends the transaction-local setting
    db.session.execute(text("SELECT set_config('jit', :value, true)"), {"value": previous})


def _handling_days(reported_at, finished_at):
    """Days from report to finish (NULL while open), database-neutral."""
    if db.engine.dialect.name == "postgresql":
        # date_part gives a float; extract gives a numeric, several times slower to sum over a city
        return func.date_part("epoch", finished_at - reported_at) / 86400
    return func.julianday(finished_at) - func.julianday(reported_at)


def _by_area(unit, per_unit):
    """Tickets per child county or township: each ticket unit counted under the child whose path
    prefixes its own (one query for the paths instead of one scoped count per child)."""
    children = db.session.execute(select(Unit.name, Unit.path).where(Unit.parent_id == unit.id, Unit.kind.in_(
        (UnitKind.COUNTY.value, UnitKind.TOWNSHIP.value))).order_by(Unit.sort_order, Unit.id)).all()
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.path.like(unit.path + "%"))).all())
    totals = Counter()
    for unit_id, n in per_unit.items():
        path = paths.get(unit_id, "")
        for _, child_path in children:
            if path.startswith(child_path):
                totals[child_path] += n
                break
    return [(name, totals[path]) for name, path in children]
