"""Deadlines and the status words of the manual's lists, derived from the one state model."""
import datetime as dt

from flask import current_app, has_app_context

from app.models.base import now
from app.workflow.context import ACTIVE_TASK

DEFAULT_DEADLINE_DAYS = {"一般": 5, "紧急": 3, "重大": 1}


def deadline_days(urgency):
    """Fallback days of an owner period for ``urgency`` when no time limit is configured
    (app config ``DEADLINE_DAYS``)."""
    table = DEFAULT_DEADLINE_DAYS
    if has_app_context():
        table = current_app.config.get("DEADLINE_DAYS") or DEFAULT_DEADLINE_DAYS
    return int(table.get(urgency, DEFAULT_DEADLINE_DAYS["一般"]))


def default_deadline(urgency, start=None):
    """The 办理 deadline for ``urgency`` under the 全部事件类型 limit, on the working-day calendar."""
    from app.services.deadlines import add_working_time, limit_for

    return add_working_time(start or now(), limit_for(None, urgency, "handle"))


def is_overdue(row, at=None):
    """An open period or task past its deadline, or past its sign deadline while unsigned (超期)."""
    return _light_color(row, at) == "red"


def is_due_soon(row, at=None):
    """An open period or task with 80 % of a running limit used and not yet past it (即将超期)."""
    return _light_color(row, at) == "yellow"


def _light_color(row, at):
    from app.services.deadlines import row_light

    lit = row_light(row, at)
    return lit["color"] if lit else None


def viewer_position(ticket, unit_id):
    """The row the list is about for a viewer's unit: its period, else its latest task, else the owner's."""
    periods = [p for p in ticket.periods if p.unit_id == unit_id] if unit_id else []
    tasks = [t for t in ticket.tasks if t.unit_id == unit_id] if unit_id else []
    active = [r for r in periods + tasks if r.status in ACTIVE_TASK]
    if active:
        return active[-1]
    if periods or tasks:
        return max(periods + tasks, key=lambda r: (r.signed_at or r.deadline or dt.datetime.min))
    return ticket.periods[-1] if ticket.periods else None


def status_words(ticket, unit_id=None):
    """数据状态, 流转状态, 事件状态, 任务状态, 转办状态, 是否督办, 是否延期, 是否签收, 是否办结 for a viewer."""
    pos = viewer_position(ticket, unit_id)
    is_period = pos is not None and pos.__tablename__ == "owner_period"
    state = ticket.state
    data = {"open": "处理中", "awaiting_ack": "办结结果签收中", "closed": "已办结", "pushed": "已推送12345"}[state]
    event = {"open": "办理中", "awaiting_ack": "办结结果签收中", "closed": "已办结", "pushed": "已推送12345"}[state]
    apps = [a for a in ticket.applications
            if pos is not None and (a.task_id == pos.id if not is_period else (a.period_id == pos.id and a.task_id is None))]
    pending = {a.kind for a in apps if a.status == "pending"}
    # 任务状态 of the viewer's position
    if pos is None:
        task_state = "处理中"
    elif "return" in pending:
        task_state = "退回申请中"
    elif pos.status in ("escalated", "pushed"):
        task_state = "已上报"
    elif pos.status in ("finished", "completed") or state in ("awaiting_ack", "closed"):
        task_state = "已办结"
    elif pos.status == "transferred":
        task_state = "已转办"
    elif pos.status == "returned":
        task_state = "已退回"
    else:
        task_state = _ledger_word(ticket, pos, is_period)
    transferred = pos is not None and pos.status == "transferred"
    flow = ("已上报" if pos is not None and pos.status in ("escalated", "pushed") else
            "已转办" if transferred else {"awaiting_ack": "办结结果签收中", "closed": "已办结"}.get(state, "处理中"))
    if "extension" in pending:
        extended = "申请中"
    else:
        extended = "是" if pos is not None and pos.extended else "否"
    supervised = any(s.target_unit_id == unit_id or s.supervisor_unit_id == unit_id for s in ticket.supervisions) \
        if unit_id else bool(ticket.supervisions)
    return {
        "数据状态": data,
        "流转状态": flow,
        "事件状态": event,
        "任务状态": task_state,
        "转办状态": "已转办" if transferred else "待转办",
        "是否督办": "是" if supervised else "否",
        "是否延期": extended,
        "是否签收": "是" if pos is not None and pos.signed_at is not None else "否",
        "是否办结": "是" if state in ("awaiting_ack", "closed") else "否",
    }


def _ledger_word(ticket, pos, is_period):
    if is_period:
        ledgers = [l for l in ticket.ledgers if l.period_id == pos.id and l.holder_task_id is None and not l.cancelled]
        children = [t for t in ticket.tasks if t.period_id == pos.id and t.parent_task_id is None]
    else:
        ledgers = [l for l in ticket.ledgers if l.holder_task_id == pos.id and not l.cancelled]
        children = [t for t in ticket.tasks if t.parent_task_id == pos.id]
    if any(not l.assigned for l in ledgers):
        return "建立台账未交办"
    if children:
        if all(t.status not in ACTIVE_TASK for t in children) and any(t.status == "completed" for t in children):
            return "交办部门已办结"
        return "建立台账已交办" if ledgers else "已交办"
    return "处理中" if pos.status == "open" else "待签收"


def machine_status(ticket, unit_id=None):
    """One machine word for the API: the ticket state, refined by the viewer's position."""
    if ticket.state != "open":
        return ticket.state
    pos = viewer_position(ticket, unit_id)
    return pos.status if pos is not None else "open"


def ticket_deadline(ticket, unit_id=None):
    pos = viewer_position(ticket, unit_id)
    return pos.deadline if pos is not None else None


def overdue(ticket, unit_id=None):
    return ticket.state == "open" and is_overdue(viewer_position(ticket, unit_id))


def ticket_light(ticket, unit_id=None, at=None, cal=None):
    """The traffic light (``app.services.deadlines.row_light``) of the viewer's live period or
    task of an open ticket, or None."""
    from app.services.deadlines import row_light

    return row_light(viewer_position(ticket, unit_id), at, cal) if ticket.state == "open" else None


__all__ = ["deadline_days", "default_deadline", "is_overdue", "is_due_soon", "status_words",
           "machine_status", "ticket_deadline", "overdue", "ticket_light"]
