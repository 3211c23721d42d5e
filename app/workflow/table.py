"""The transition table of the ticket workflow: one row per action.

Each row says who may act (role names and unit kinds), on what (``states``: the actor's
``subject:state`` pairs that allow it — the unit's owner period, its task, an application
it reviews, a supervision aimed at it, or the ticket itself), an optional guard, and the
effect (``subject: from → to``, ``+ state`` for a new row).  ``check`` interprets the table
for the services and for ``allowed_actions``; ``diagram`` draws it.  New entry points (街乡吹哨,
一键上报, 部门上报 …) are new rows plus a service function.
"""
from dataclasses import dataclass
from typing import Callable, Optional

from app.models.org import UnitKind as K
from app.security.roles import DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD
from app.workflow import guards as g
from app.workflow.errors import Conflict, Forbidden

STATES = {
    "ticket": ("open", "awaiting_ack", "closed", "pushed"),
    "period": ("pending_sign", "open", "finished", "escalated", "transferred", "pushed"),
    "task": ("pending_sign", "open", "completed", "returned", "revoked", "transferred"),
    "application": ("pending", "approved", "rejected"),
    "supervision": ("待签收", "已签收", "已反馈"),
    "whistle": ("open", "closed"),                  # 街乡吹哨 of my township
    "checkin": ("待报到", "已报到", "已反馈"),         # my unit called by a 街乡吹哨
}
# subjects that are another subject's rows seen from the other side: "issued" = the
# supervisions my unit issued (the supervisor's view of "supervision")
SUBJECT_ALIASES = {"issued": "supervision"}
STATE_LABELS = {
    "open": "办理中", "awaiting_ack": "办结结果签收中", "closed": "已办结", "pushed": "已推送12345",
    "pending_sign": "待签收", "finished": "已办结", "escalated": "已上报", "transferred": "已转办",
    "completed": "已办结", "returned": "已退回", "revoked": "已撤销", "pending": "待审核", "approved": "通过",
    "rejected": "驳回", "待签收": "待签收", "已签收": "已签收", "已反馈": "已反馈", "待报到": "待报到", "已报到": "已报到",
}

GRID, COMM, TOWN, COUNTY, CITY = K.GRID.value, K.COMMUNITY.value, K.TOWNSHIP.value, K.COUNTY.value, K.CITY.value
CDEPT, XDEPT = K.COUNTY_DEPT.value, K.CITY_DEPT.value
ADMIN = (GRID, COMM, TOWN, COUNTY, CITY)
HOLDERS = (GRID, COMM, TOWN, COUNTY, CDEPT, XDEPT)          # every unit that can hold a task
ALL_KINDS = ADMIN + (CDEPT, XDEPT)
WORKERS = (GRID_MEMBER, HANDLER, DEPT_HANDLER)              # the roles that do the work of a unit


@dataclass(frozen=True)
class Action:
    name: str                       # service function name
    label: str                      # 中文, as the manual's button
    api: str                        # POST /api/v1/tickets/{id}/<api> (or the applications/supervisions API)
    roles: tuple
    kinds: tuple
    states: tuple                   # "subject:state" pairs that allow the action ("new" = creates a ticket)
    effects: tuple
    guard: Optional[Callable] = None
    app_kind: Optional[str] = None  # review actions: which application kind


# name, 中文, api, roles, unit kinds, from states, effects, guard
TABLE = [
    Action("report", "巡查上报", "", (GRID_MEMBER,), (GRID,), ("new",),
           ("ticket: + open", "period: + open")),
    Action("edit", "修改", "", (GRID_MEMBER,), (GRID,), ("ticket:open",), (), g.reporter_before_escalation),
    Action("delete", "删除", "", (GRID_MEMBER,), (GRID,), ("ticket:open",), ("ticket: open → ×",),
           g.reporter_before_escalation),
    Action("escalate", "提级上报", "escalate", (GRID_MEMBER, HANDLER), (GRID, COMM, TOWN, COUNTY),
           ("period:open", "period:pending_sign"),
           ("application: + pending", "period: open → pushed", "ticket: open → pushed"), g.can_escalate),
    Action("review_escalation", "提级上报审核", "review", (GRID_LEADER, HEAD), (GRID, COMM, TOWN, COUNTY),
           ("application:pending",),
           ("application: pending → approved", "application: pending → rejected", "period: open → escalated",
            "period: pending_sign → escalated", "period: + pending_sign", "period: + open", "task: + pending_sign", "task: open → revoked",
            "task: pending_sign → revoked"), g.escalation_reviewer, "escalation"),
    Action("sign", "签收", "sign", WORKERS, HOLDERS + (CITY,), ("period:pending_sign", "task:pending_sign"),
           ("period: pending_sign → open", "task: pending_sign → open",
            "period: pending_sign → escalated", "period: + pending_sign")),    # 转疑难事件 by a county: to the city
    Action("transfer", "平级转办", "transfer", (HANDLER, DEPT_HANDLER), (COMM, TOWN, COUNTY, CDEPT, XDEPT),
           ("period:open", "task:open"),
           ("period: open → transferred", "period: + pending_sign", "task: open → transferred",
            "task: + pending_sign"), g.no_pending_application_of_mine),
    Action("open_ledger", "建立台账", "ledger", (HANDLER,), (COUNTY, CITY), ("period:open", "task:open"), (),
           g.can_open_ledger),
    Action("assign", "交办", "assign", (HANDLER,), (COMM, TOWN, COUNTY, CITY), ("period:open", "task:open"),
           ("task: + pending_sign",), g.can_assign),
    Action("feedback", "处置反馈", "feedback", WORKERS, HOLDERS, ("task:open",), ()),
    Action("apply_completion", "办结申请", "apply-completion", WORKERS, HOLDERS, ("task:open",),
           ("application: + pending",), g.can_apply_completion),
    Action("review_completion", "办结审核", "review", (HANDLER, HEAD), (COMM, TOWN, COUNTY, CITY),
           ("application:pending",),
           ("application: pending → approved", "application: pending → rejected", "task: open → completed"),
           g.task_reviewer, "completion"),
    Action("apply_extension", "延期申请", "apply-extension", WORKERS, HOLDERS, ("period:open", "task:open"),
           ("application: + pending",), g.can_apply_extension),
    Action("review_extension", "延期审核", "review", (HANDLER, HEAD), (COMM, TOWN, COUNTY, CITY),
           ("application:pending",), ("application: pending → approved", "application: pending → rejected"),
           g.task_reviewer, "extension"),
    Action("apply_return", "退回申请", "apply-return", WORKERS, HOLDERS, ("task:open",),
           ("application: + pending",), g.can_apply_return),
    Action("review_return", "退回审核", "review", (HANDLER, HEAD), (COMM, TOWN, COUNTY, CITY),
           ("application:pending",),
           ("application: pending → approved", "application: pending → rejected", "task: open → returned"),
           g.task_reviewer, "return"),
    Action("supervise", "督办", "supervise", (HANDLER,), (COUNTY, CITY), ("period:open", "task:open"),
           ("supervision: + 待签收",), g.has_open_assignment),
    Action("supervision_sign", "督办签收", "sign", WORKERS, HOLDERS, ("supervision:待签收",),
           ("supervision: 待签收 → 已签收",)),
    Action("supervision_feedback", "督办反馈", "feedback", WORKERS, HOLDERS, ("supervision:已签收",),
           ("supervision: 已签收 → 已反馈",)),
    Action("supervision_opinion", "督办意见", "opinion", (HANDLER, HEAD), (COUNTY, CITY),
           ("issued:待签收", "issued:已签收", "issued:已反馈"), ()),
    Action("finish", "办结", "finish", (GRID_MEMBER, HANDLER), ADMIN, ("period:open",),
           ("period: open → finished", "ticket: open → awaiting_ack", "ticket: open → closed"),
           g.nothing_open_below),
    Action("acknowledge", "办结签收", "acknowledge", (GRID_MEMBER, HANDLER), (GRID, COMM, TOWN, COUNTY),
           ("ticket:awaiting_ack",), ("ticket: awaiting_ack → closed",), g.is_acknowledging_unit),
    Action("callback", "回访", "callback", (HANDLER,), (COUNTY, CITY), ("ticket:awaiting_ack", "ticket:closed"),
           (), g.can_call_back),
    # 街乡吹哨 (§1.3.6–1.3.9) and 领导批示 (§六)
    Action("whistle", "街乡吹哨", "whistle", (HANDLER,), (TOWN,), ("period:open", "task:open"),
           ("whistle: + open", "checkin: + 待报到"), g.can_whistle),
    Action("whistle_checkin", "报到", "checkin", (HANDLER, DEPT_HANDLER), (COMM, CDEPT), ("checkin:待报到",),
           ("checkin: 待报到 → 已报到",), g.whistle_open),
    Action("whistle_feedback", "反馈", "whistle-feedback", (HANDLER, DEPT_HANDLER), (COMM, CDEPT),
           ("checkin:已报到", "checkin:已反馈"), ("checkin: 已报到 → 已反馈",), g.whistle_open),
    Action("close_whistle", "吹哨办结", "close-whistle", (HANDLER,), (TOWN,), ("whistle:open",),
           ("whistle: open → closed",)),
    Action("leader_instruction", "领导批示", "", (HANDLER,), (CITY,), ("new",),
           ("ticket: + open", "period: + open", "task: + pending_sign")),
    # 一键上报 / 一键直报 (§三), 部门上报 (§四), 平台疑难 签收 (§五); 转应急/转疑难 are effects of 签收
    Action("one_click_report", "一键上报", "", WORKERS + (GRID_LEADER, HEAD), (GRID, COMM, TOWN), ("new",),
           ("ticket: + open", "period: + pending_sign")),
    Action("one_click_up", "一键直报", "one-click-up", (HANDLER,), (COUNTY,), ("period:open",),
           ("period: open → escalated", "period: + pending_sign"), g.can_one_click_up),
    Action("department_report", "部门上报", "", (DEPT_HANDLER,), (CDEPT, XDEPT), ("new",),
           ("ticket: + open", "period: + pending_sign")),
    Action("sign_platform_item", "平台疑难签收", "", (HANDLER,), (CITY,), ("new",),
           ("ticket: + open", "period: + open")),
]
ACTIONS = {a.name: a for a in TABLE}


def _parse_effect(effect):
    """``"period: open → escalated"`` → ("period", "open", "escalated"); ``+ x`` has no source."""
    subject, change = (p.strip() for p in effect.split(":", 1))
    if change.startswith("+"):
        return subject, None, change[1:].strip()
    source, target = (p.strip() for p in change.split("→"))
    return subject, source, target


def validate_table(table=TABLE):
    """Checked at import: every action has roles, kinds and states; every state is known and
    reachable; every effect names known states."""
    reachable = {s: set() for s in STATES}
    for act in table:
        assert act.roles and act.kinds and act.states, f"{act.name}: roles, unit kinds and states are required"
        for pair in act.states:
            if pair == "new":
                continue
            subject, state = pair.split(":", 1)
            assert state in STATES[SUBJECT_ALIASES.get(subject, subject)], f"{act.name}: unknown state {pair}"
        for effect in act.effects:
            subject, source, target = _parse_effect(effect)
            assert source is None or source in STATES[subject], f"{act.name}: unknown state in {effect}"
            assert target == "×" or target in STATES[subject], f"{act.name}: unknown state in {effect}"
            reachable[subject].add(target)
    for subject, states in STATES.items():
        missing = set(states) - reachable[subject]
        assert not missing, f"unreachable {subject} states: {sorted(missing)}"
    assert len(ACTIONS) == len(table), "duplicate action names"


validate_table()


def diagram(kind="mermaid"):
    """The lifecycle as a Mermaid state diagram (``kind="mermaid"``) or as plain text lines."""
    lines = []
    if kind == "mermaid":
        for subject in STATES:
            lines.append(f"%% {subject}")
            lines.append("stateDiagram-v2")
            for act in TABLE:
                for effect in act.effects:
                    subj, source, target = _parse_effect(effect)
                    if subj != subject:
                        continue
                    target = "[*]" if target == "×" else target
                    lines.append(f"    {source or '[*]'} --> {target} : {act.label}")
        return "\n".join(lines)
    for act in TABLE:
        lines.append(f"{act.label:<8} {act.name:<20} 角色={'/'.join(act.roles)} 单位={'/'.join(act.kinds)} "
                     f"状态={','.join(act.states)} 效果={'; '.join(act.effects) or '—'}")
    return "\n".join(lines)


# --- interpretation ---------------------------------------------------------------------------
def _candidates(ctx, subject, ids):
    """The rows of kind ``subject`` on which the actor's unit might act."""
    if subject == "ticket":
        return [ctx.ticket]
    if subject == "period":
        return [ctx.my_period] if ctx.my_period is not None else []
    if subject == "task":
        tasks = ctx.my_tasks
        if ids.get("task_id") is not None:
            tasks = [t for t in tasks if t.id == ids["task_id"]]
        return tasks
    if subject == "application":
        apps = [a for a in ctx.ticket.applications if a.reviewer_unit_id == ctx.unit_id]
        if ids.get("application_id") is not None:
            apps = [a for a in apps if a.id == ids["application_id"]]
        return sorted(apps, key=lambda a: (a.status != "pending", a.id))
    if subject == "issued":
        sups = [s for s in ctx.ticket.supervisions if s.supervisor_unit_id == ctx.unit_id]
        if ids.get("supervision_id") is not None:
            sups = [s for s in sups if s.id == ids["supervision_id"]]
        return sups
    if subject == "supervision":
        sups = [s for s in ctx.ticket.supervisions if s.target_unit_id == ctx.unit_id]
        if ids.get("supervision_id") is not None:
            sups = [s for s in sups if s.id == ids["supervision_id"]]
        return sorted(sups, key=lambda s: (STATES["supervision"].index(s.status), s.id))
    if subject == "whistle":
        whistles = [w for w in ctx.ticket.whistles if w.unit_id == ctx.unit_id
                    and ids.get("whistle_id") in (None, w.id)]
        return sorted(whistles, key=lambda w: (w.status != "open", w.id))
    if subject == "checkin":
        # the open whistles first: a closed one's check-in must not hide a later whistle's
        calls = [c for w in ctx.ticket.whistles for c in w.checkins if c.unit_id == ctx.unit_id
                 and ids.get("checkin_id") in (None, c.id)]
        return sorted(calls, key=lambda c: (c.whistle.status != "open", STATES["checkin"].index(c.status), c.id))
    raise AssertionError(subject)


def check_role(ctx, act):
    """Role and unit kind (403)."""
    if not (ctx.roles & set(act.roles)) or ctx.kind not in act.kinds:
        raise Forbidden(f"您的角色或所在单位不能执行“{act.label}”")


def check(ctx, act, ids=None):
    """Role, state and guard of ``act`` for ``ctx``; returns the subject row or raises."""
    ids = ids or {}
    check_role(ctx, act)
    ticket = ctx.ticket
    subjects = {pair.split(":", 1)[0] for pair in act.states}
    if "ticket" not in subjects and ticket.state != "open":
        raise Conflict(f"该事件{STATE_LABELS[ticket.state]}，不能{act.label}")
    seen = []
    for subject in ("ticket", "period", "task", "application", "supervision", "issued", "whistle", "checkin"):
        if subject not in subjects:
            continue
        for row in _candidates(ctx, subject, ids):
            if act.app_kind and row.kind != act.app_kind:
                continue
            seen.append(row)
            if f"{subject}:{row.status if subject != 'ticket' else row.state}" in act.states:
                if act.guard is not None:
                    act.guard(ctx, row)
                return row
    raise Conflict(conflict_message(ctx, act, seen))


def conflict_message(ctx, act, seen):
    """Why the action is refused in this state, naming who got there first where possible."""
    if act.name in ("sign", "supervision_sign"):
        for row in seen:
            if getattr(row, "signed_at", None) is not None:
                who = _signer(row)
                return f"该事件已被【{who}】签收" if act.name == "sign" else f"该督办已被【{who}】签收"
    if act.app_kind and seen:
        return "该申请已审核，不能重复审核"
    if not seen:
        return f"当前单位没有可{act.label}的事项"
    row = seen[0]
    state = row.state if row.__tablename__ == "ticket" else row.status
    return f"该事项{STATE_LABELS.get(state, state)}，不能{act.label}"


def _signer(row):
    from app.extensions import db
    from app.models.org import AppUser

    user = db.session.get(AppUser, row.signed_by_id) if getattr(row, "signed_by_id", None) else None
    unit_row = getattr(row, "unit", None) or getattr(row, "target_unit", None)
    unit = unit_row.name if unit_row is not None else ""
    return f"{unit}-{user.display_name}" if user is not None else unit
