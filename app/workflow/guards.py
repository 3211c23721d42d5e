"""Guards of the transition table: extra conditions beyond role, unit kind and state.

Each guard is ``guard(ctx, subject)`` and raises ``Conflict`` (or ``Forbidden``) with a
Chinese message; it never changes anything.
"""
from app.models.org import UnitKind
from app.security.roles import GRID_LEADER, HEAD
from app.workflow.errors import Conflict, Forbidden


def _is_period(subject):
    return subject.__tablename__ == "owner_period"


def reporter_before_escalation(ctx, ticket):
    """修改/删除: only the reporter, and only before any escalation."""
    if ticket.reporter_id != ctx.actor.id:
        raise Forbidden("只有上报人可以修改或删除该事件")
    if len(ticket.periods) > 1 or any(a.kind == "escalation" and a.status != "rejected" for a in ticket.applications):
        raise Conflict("该事件已提级上报，不能修改或删除")


def _open_whistles(ctx):
    return [w for w in ctx.ticket.whistles if w.unit_id == ctx.unit_id and w.status == "open"]


def no_open_whistle(ctx):
    """The township ends its 街乡吹哨 (吹哨办结) before it finishes, hands on or applies."""
    if _open_whistles(ctx):
        raise Conflict("街乡吹哨尚未办结，请先吹哨办结")


def nothing_open_below(ctx, subject):
    """Nothing the holder assigned is still open, and no application of its own is pending."""
    if ctx.active_children(subject):
        raise Conflict("该事件还有未办结的交办任务")
    no_open_whistle(ctx)
    if _is_period(subject):
        if ctx.pending_applications("escalation", period=subject):
            raise Conflict("该事件的提级上报正在审核中")
    elif ctx.pending_applications(task=subject):
        raise Conflict("该任务有待审核的申请")


def can_escalate(ctx, period):
    if period.status == "pending_sign" and ctx.kind != UnitKind.COUNTY.value:
        raise Conflict("请先签收该事件")
    if ctx.pending_applications("escalation", period=period):
        raise Conflict("该事件的提级上报正在审核中，请勿重复提交")
    if ctx.active_children(period):
        pass   # approval revokes the open tasks (workflow.md)


def is_acknowledging_unit(ctx, ticket):
    if ticket.ack_unit_id != ctx.unit_id:
        raise Conflict("只有最初上报的单位可以办结签收")


def can_call_back(ctx, ticket):
    if ticket.finished_unit_id != ctx.unit_id:
        raise Conflict("只有办结该事件的单位可以回访")
    if any(c.unit_id == ctx.unit_id for c in ticket.callbacks):
        raise Conflict("该事件已回访")


def escalation_reviewer(ctx, application):
    """A grid's escalation is reviewed by the grid leader, any other by the unit's head."""
    needed = GRID_LEADER if application.applicant_unit.kind == UnitKind.GRID.value else HEAD
    if needed not in ctx.roles:
        raise Forbidden(f"该提级上报应由{needed}审核")
    period = ctx.current_period
    if period is None or period.id != application.period_id or period.status not in ("open", "pending_sign"):
        raise Conflict("该事件已流转，申请不能再审核")


def task_reviewer(ctx, application):
    """Completion, extension and return are reviewed by the assigner (or the owner's upper unit)."""
    if application.task_id is not None:
        task = next((t for t in ctx.ticket.tasks if t.id == application.task_id), None)
        if task is None or task.status != "open":
            raise Conflict("该任务已不在办理中，申请不能再审核")
    else:
        period = ctx.current_period
        if period is None or period.id != application.period_id or period.status != "open":
            raise Conflict("该事件已流转，申请不能再审核")


def can_open_ledger(ctx, position):
    if ctx.open_ledger(position) is not None:
        raise Conflict("已建立台账，请勿重复建立")


def can_assign(ctx, position):
    if ctx.kind in (UnitKind.COUNTY.value, UnitKind.CITY.value) and ctx.unassigned_ledger(position) is None:
        raise Conflict("请先建立台账再交办")


def can_apply_extension(ctx, subject):
    if ctx.pending_applications("extension", period=subject if _is_period(subject) else None,
                                task=None if _is_period(subject) else subject):
        raise Conflict("延期申请正在审核中，请勿重复提交")
    if _is_period(subject) and subject.unit.parent_id is None:
        raise Conflict("市级没有上级单位，无需申请延期")


def _no_pending_close(ctx, task):
    if ctx.active_children(task):
        raise Conflict("该任务还有未办结的交办任务")
    no_open_whistle(ctx)
    if ctx.pending_applications("completion", task=task) or ctx.pending_applications("return", task=task):
        raise Conflict("该任务已有待审核的办结或退回申请")


def can_apply_completion(ctx, task):
    _no_pending_close(ctx, task)


def can_apply_return(ctx, task):
    _no_pending_close(ctx, task)


def has_open_assignment(ctx, position):
    if not ctx.active_children(position):
        raise Conflict("没有可督办的在办任务，请先交办")


def no_pending_application_of_mine(ctx, subject):
    """A transfer hands over the whole position: nothing may hang below it."""
    nothing_open_below(ctx, subject)


def can_whistle(ctx, position):
    """One open 街乡吹哨 per township and ticket at a time."""
    if _open_whistles(ctx):
        raise Conflict("已发起街乡吹哨，请先吹哨办结再发起新的吹哨")


def whistle_open(ctx, checkin):
    if checkin.whistle.status != "open":
        raise Conflict("该街乡吹哨已办结，不能再报到或反馈")


def can_one_click_up(ctx, period):
    """一键直报: only a 一键上报 incident, with nothing pending or still assigned below the county."""
    if ctx.ticket.source != "突发事件":
        raise Conflict("只有一键上报的突发事件可以一键直报，其他事件请提级上报")
    if ctx.pending_applications("escalation", period=period):
        raise Conflict("该事件的提级上报正在审核中")
    if ctx.active_children(period):
        raise Conflict("该事件还有未办结的交办任务，不能一键直报")
