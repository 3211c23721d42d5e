"""One function per workflow action (workflow.md "Actions").

Every function: loads the ticket inside the actor's data scope with a row lock (404
otherwise), checks role and unit kind (403), the version the user saw and the state (409),
validates input (400), changes rows, appends exactly one timeline entry, writes the
operation log and commits once; any error rolls everything back.  Pages and the API call
these functions; ``allowed_actions`` runs the same checks without side effects.
"""
import contextvars
import functools
import json

from flask_appbuilder.security.sqla.models import Group, Role, User
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.audit import record
from app.extensions import db
from app.models.base import now
from app.models.dictionary import EventCategory
from app.models.org import Unit, UnitKind
from app.models.ticket import (Application, Attachment, Callback, Feedback, Ledger, OutboundMessage, OwnerPeriod,
                               Supervision, Task, Ticket, TimelineEntry)
from app.models.whistle import Whistle, WhistleCheckin, WhistleFeedback
from app.security.scope import log_out_of_scope, scope_for
from app.workflow.context import LEVEL_LABELS, Ctx
from app.workflow.errors import STALE_MESSAGE, Conflict, Invalid, NotFound, WorkflowError
from app.workflow.forms import Form, valid_key
from app.models.deadline import HANDLE
from app.services.deadlines import add_working_days, deadline_for
from app.workflow.table import ACTIONS, TABLE, check, check_role

URGENCIES = ("一般", "紧急", "重大")
CALLBACK_METHODS = ("电话", "上门", "线上", "其他")
SATISFACTION = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
CONVERT_LABELS = {"emergency": "转应急事件", "difficult": "转疑难事件"}
KIND = UnitKind


def fmt(value):
    """Timeline and API time format."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


# --- the transaction frame --------------------------------------------------------------------
_in_transaction = contextvars.ContextVar("workflow_transaction", default=False)


def transactional(fn):
    """One commit per action; roll back on any error; a lost optimistic race becomes 409.

    A service called by another service (居民吹哨 提级上报 = report + escalate) joins the
    caller's transaction: only the outermost one commits or rolls back."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _in_transaction.get():
            return fn(*args, **kwargs)
        token = _in_transaction.set(True)
        try:
            result = fn(*args, **kwargs)
            _commit_keeping_actor()
            return result
        except StaleDataError:
            db.session.rollback()
            raise Conflict(STALE_MESSAGE)
        except IntegrityError:
            db.session.rollback()
            raise Conflict(STALE_MESSAGE)
        except BaseException:
            db.session.rollback()
            raise
        finally:
            _in_transaction.reset(token)
    return wrapper


# Rows an action never changes and that every request needs again (the actor, their roles,
# units): a commit or a row lock need not send them back to the database.
_STABLE = (User, Role, Group, Unit)


def _expire_workflow_rows():
    """Forget what the session read of tickets and their rows (not the stable rows above)."""
    session = db.session()
    for obj in list(session.identity_map.values()):
        if not isinstance(obj, _STABLE):
            session.expire(obj)


def _commit_keeping_actor():
    """Commit; afterwards the workflow rows are read again from the database as after any
    commit, but the actor and their roles and unit stay loaded (two queries less per action)."""
    session = db.session()
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = before
    _expire_workflow_rows()


def load_ticket(actor, ticket_id, lock=True):
    """The ticket inside the actor's data scope, locked (``SELECT … FOR UPDATE``), or NotFound."""
    if not valid_key(ticket_id):
        raise NotFound()
    stmt = (select(Ticket).where(Ticket.id == int(ticket_id), Ticket.scope_clause(scope_for(actor)))
            .execution_options(populate_existing=True))
    if lock:
        # start from the database's truth: rows read before the lock (an application looked up by
        # id, a supervision …) must not be trusted after another transaction changed them
        _expire_workflow_rows()
        stmt = stmt.with_for_update(of=Ticket)
    ticket = db.session.scalars(stmt).unique().first()
    if ticket is None:
        log_out_of_scope(Ticket, ticket_id)
        raise NotFound("事件不存在或无权访问")
    return ticket


def _begin(actor, ticket_id, name, version, ids=None):
    act = ACTIONS[name]
    ticket = load_ticket(actor, ticket_id)
    ctx = Ctx(actor, ticket)
    check_role(ctx, act)
    if version is not None:
        if isinstance(version, bool) or not isinstance(version, (int, str)) or not str(version).isdigit():
            raise Invalid("版本号无效", {"version": ["版本号必须是整数"]})
        if int(version) != ticket.version:
            raise Conflict(STALE_MESSAGE)
    subject = check(ctx, act, ids)
    return act, ctx, subject


def unit_label(unit):
    if unit is None:
        return ""
    if unit.kind == KIND.GRID.value and not unit.name.endswith("网格"):
        return unit.name + "网格"
    return unit.name


def _log(ctx, act, action, detail, params=None):
    """Append the one timeline entry and the operation-log entry; bump the ticket's version."""
    ticket = ctx.ticket
    ticket.updated_at = now()
    if ticket.id is not None:
        flag_modified(ticket, "updated_at")     # always an UPDATE, so the version column always moves
    lines = [f"{k}: {v if v not in (None, '') else '—'}" for k, v in detail] if isinstance(detail, list) else detail
    text = "\n".join(lines) if isinstance(lines, list) else (lines or "—")
    db.session.add(TimelineEntry(ticket_id=ticket.id, at=now(), level=LEVEL_LABELS.get(ctx.kind, ""),
                                 unit_name=unit_label(ctx.unit), user_name=ctx.actor.display_name,
                                 action=action, detail=text or "—"))
    record("workflow", act.label, target=f"ticket#{ticket.id}" if ticket.id else "ticket",
           detail=dict(params or {}, action=act.name), user=ctx.actor)


def _unit(unit_id):
    return db.session.get(Unit, unit_id) if valid_key(unit_id) else None


def _check_attachments(form, actor, key="attachment_ids"):
    ids = form.id_list(key, "附件")
    if not ids:
        return []
    rows = db.session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all()
    if len(rows) != len(ids) or any(r.uploader_id not in (None, actor.id) for r in rows):
        form.error(key, "附件不存在或不是您上传的")
        return []
    return rows


def _county_of(unit):
    ids = unit.ancestor_ids
    return db.session.scalar(select(Unit).where(Unit.id.in_(ids), Unit.kind == KIND.COUNTY.value)) if ids else None


# --- creation and editing ---------------------------------------------------------------------
TICKET_FIELDS = ("title", "description", "address", "category_id", "urgency", "party_name", "party_phone",
                 "longitude", "latitude", "reporter_phone")


def leaf_category(form, key="category_id", label="事件类型", required=True):
    """The id of an enabled leaf 事件类型 read from ``form`` (None, with a form error, otherwise)."""
    cat_id = form.integer(key, label, required=required)
    if cat_id is None:
        return None
    cat = db.session.get(EventCategory, cat_id) if valid_key(cat_id) else None
    if cat is None or not cat.enabled or cat.children:
        form.error(key, f"{label}必须是启用的末级类型")
        return None
    return cat_id


def _ticket_form(actor, data, partial=False, optional=(), form=None):
    """Ticket fields of ``data`` (``optional``: keys not required even when not partial); ``form``
    may carry the caller's own field errors so that all are reported at once."""
    form = form or Form(data)
    req = not partial
    values = {}

    def put(key, value):
        if value is not None or (not partial):
            values[key] = value

    put("title", form.text("title", "事件标题", required=req, max_len=200))
    put("description", form.text("description", "事件描述", required=req))
    put("address", form.text("address", "事件发生地址详述", required=req, max_len=300))
    cat_id = leaf_category(form, required=req)
    if cat_id is not None:
        values["category_id"] = cat_id
    urgency = form.choice("urgency", "紧急程度", URGENCIES, required=False, default=None if partial else "一般")
    put("urgency", urgency)
    put("party_name", form.text("party_name", "事件当事人名称", required=req and "party_name" not in optional,
                                max_len=100))
    put("party_phone", form.phone("party_phone", "事件当事人联系电话", required=req and "party_phone" not in optional))
    for key, label, lo, hi in (("longitude", "经度", -180, 180), ("latitude", "纬度", -90, 90)):
        value = form.number(key, label, lo, hi)
        if value is not None or key in form.data:
            values[key] = value
    phone = form.phone("reporter_phone", "上报人手机号", required=False)
    if phone:
        values["reporter_phone"] = phone
    attachments = _check_attachments(form, actor) if "attachment_ids" in form.data else None
    form.done()
    return values, attachments


@transactional
def report(actor, *, version=None, **input):
    """巡查上报: a grid member reports a new ticket owned by their grid (数据状态 处理中)."""
    act = ACTIONS["report"]
    ctx = Ctx(actor)
    check_role(ctx, act)
    values, attachments = _ticket_form(actor, input)
    grid = ctx.unit
    at = now()
    ticket = Ticket(unit_id=grid.parent_id or grid.id, grid_id=grid.id, source="网格巡查", state="open",
                    reported_at=at, reporter_id=actor.id, reporter_unit_id=grid.id, owner_unit_id=grid.id,
                    updated_at=at, **values)
    if not ticket.reporter_phone:
        ticket.reporter_phone = actor.phone
    ticket.attachments = attachments or []
    db.session.add(ticket)
    db.session.add(OwnerPeriod(ticket=ticket, unit_id=grid.id, via="report", status="open", started_at=at,
                               signed_at=at, signed_by_id=actor.id, deadline=deadline_for(ticket, HANDLE, at)))
    db.session.flush()
    ctx.ticket = ticket
    _log(ctx, act, "新增", "—", {"title": ticket.title})
    return ticket


@transactional
def edit(actor, ticket_id, *, version=None, **input):
    """修改: the reporter edits the fields before any escalation."""
    act, ctx, ticket = _begin(actor, ticket_id, "edit", version)
    values, attachments = _ticket_form(actor, input, partial=True)
    for key, value in values.items():
        setattr(ticket, key, value)
    if attachments is not None:
        ticket.attachments = attachments
    _log(ctx, act, "修改", "—", {k: str(v) for k, v in values.items()})
    return ticket


@transactional
def delete(actor, ticket_id, *, version=None, **input):
    """删除: the reporter deletes the ticket before any escalation."""
    act, ctx, ticket = _begin(actor, ticket_id, "delete", version)
    record("workflow", act.label, target=f"ticket#{ticket.id}", detail={"title": ticket.title}, user=actor)
    db.session.delete(ticket)
    return None


# --- owner actions ----------------------------------------------------------------------------
@transactional
def escalate(actor, ticket_id, *, version=None, **input):
    """提级上报 to the upper unit, a county department (review needed) or 12345 (immediate)."""
    act, ctx, period = _begin(actor, ticket_id, "escalate", version)
    ticket = ctx.ticket
    form = Form(input)
    target = form.choice("target", "提级上报去向", ("upper", "department", "12345"))
    reason = form.text("reason", "提级原因")
    unit = ctx.unit
    target_unit, task_text = None, None
    low = unit.kind in (KIND.GRID.value, KIND.COMMUNITY.value)
    if target in ("department", "12345") and not low:
        form.error("target", "只有网格和村/社区可以上报县直职能部门或推送12345平台")
    elif target == "upper":
        target_unit = unit.parent
        if target_unit is None:
            form.error("target", "没有上级辖区")
    elif target == "department":
        target_unit = _unit(input.get("unit_id"))
        county = _county_of(unit)
        if target_unit is None or target_unit.kind != KIND.COUNTY_DEPT.value or county is None \
                or target_unit.parent_id != county.id or not target_unit.enabled:
            form.error("unit_id", "请选择本县区的县直职能部门")
            target_unit = None
        task_text = form.text("task", "主办单位任务")
    form.done()
    if target == "12345":
        at = now()
        period.status, period.ended_at = "pushed", at
        for task in ticket.tasks:
            if task.period_id == period.id and task.status in ("pending_sign", "open"):
                task.status, task.ended_at = "revoked", at
        ticket.state, ticket.pushed_12345 = "pushed", True
        payload = {"ticket_id": ticket.id, "title": ticket.title, "description": ticket.description,
                   "address": ticket.address, "urgency": ticket.urgency, "party_name": ticket.party_name,
                   "party_phone": ticket.party_phone, "reported_at": fmt(ticket.reported_at), "reason": reason,
                   "unit": unit.full_name or unit.name}
        db.session.add(OutboundMessage(target="12345", ticket_id=ticket.id, status="待发送",
                                       payload=json.dumps(payload, ensure_ascii=False),
                                       idempotency_key=f"ticket-{ticket.id}-12345"))
        _log(ctx, act, "推送12345平台", [("提级上报原因", reason)], input)
        return ticket
    db.session.add(Application(kind="escalation", ticket=ticket, period_id=period.id, applicant_id=actor.id,
                               applicant_unit_id=unit.id, reviewer_unit_id=unit.id, target_type=target,
                               target_unit_id=target_unit.id, task_text=task_text, reason=reason))
    detail = [("提级上报原因", reason), ("上报至", target_unit.name)]
    if task_text:
        detail.append(("主办单位任务", task_text))
    _log(ctx, act, "提级上报", detail, input)
    return ticket


def _review_form(input):
    form = Form(input)
    approve = form.boolean("approve", "审核结果")
    opinion = form.text("opinion", "审核意见", required=approve is False, max_len=2000)
    form.done()
    return approve, opinion


def _close_application(app, actor, approve, opinion):
    app.status = "approved" if approve else "rejected"
    app.reviewer_id, app.reviewed_at, app.opinion = actor.id, now(), opinion


@transactional
def review_escalation(actor, ticket_id, *, version=None, **input):
    """提级上报审核: approve moves the ticket to the target with a new pending-sign period."""
    act, ctx, app = _begin(actor, ticket_id, "review_escalation", version, _ids(input))
    approve, opinion = _review_form(input)
    ticket = ctx.ticket
    _close_application(app, actor, approve, opinion)
    if approve:
        at = now()
        old = ctx.current_period
        old.status, old.ended_at = "escalated", at
        for t in ticket.tasks:     # the whole tree below the old owner
            if t.period_id == old.id and t.status in ("pending_sign", "open"):
                t.status, t.ended_at = "revoked", at
        for ledger in ctx.ledgers_of(old):
            if not ledger.assigned:
                ledger.cancelled = True
        target = app.target_unit
        deadline = deadline_for(ticket, HANDLE, at)
        if app.target_type == "department":
            county = target.parent
            period = OwnerPeriod(ticket=ticket, unit_id=county.id, from_unit_id=old.unit_id, via="department",
                                 status="open", started_at=at, signed_at=at, deadline=deadline)
            db.session.add(period)
            db.session.flush()
            db.session.add(Task(ticket=ticket, unit_id=target.id, period_id=period.id, assigner_unit_id=county.id,
                                role="lead", text=app.task_text or "", status="pending_sign", assigned_at=at,
                                deadline=deadline))
            ticket.owner_unit_id = county.id
        else:
            db.session.add(OwnerPeriod(ticket=ticket, unit_id=target.id, from_unit_id=old.unit_id, via="escalation",
                                       status="pending_sign", started_at=at, deadline=deadline))
            ticket.owner_unit_id = target.id
    _log(ctx, act, "上报审核-通过" if approve else "上报审核-驳回", [("审核意见", opinion)], input)
    return ticket


@transactional
def sign(actor, ticket_id, *, version=None, **input):
    """签收 a pending owner period or task; county and city may convert (转应急/转疑难)."""
    act, ctx, subject = _begin(actor, ticket_id, "sign", version, _ids(input))
    form = Form(input)
    convert = form.choice("convert", "签收方式", tuple(CONVERT_LABELS), required=False)
    if convert and (subject.__tablename__ != "owner_period"
                    or ctx.kind not in (KIND.COUNTY.value, KIND.CITY.value)):
        form.error("convert", "只有县区和市级签收事件时可以转应急事件或转疑难事件")
    form.done()
    at = now()
    subject.status, subject.signed_at, subject.signed_by_id = "open", at, actor.id
    detail = "—"
    if convert:
        subject.convert = convert
        ctx.ticket.converted = convert
        detail = intake.convert_at_sign(ctx, subject, convert)
    _log(ctx, act, CONVERT_LABELS.get(convert, "签收") if convert else "签收", detail, input)
    return ctx.ticket


def _peer(form, ctx, key="unit_id"):
    unit = _unit(form.data.get(key))
    own = ctx.unit
    if unit is None or unit.id == own.id or unit.kind != own.kind or unit.parent_id != own.parent_id \
            or not unit.enabled:
        form.error(key, "请选择同级的其他单位")
        return None
    return unit


@transactional
def transfer(actor, ticket_id, *, version=None, **input):
    """平级转办: a peer unit receives the same period or task (pending sign), same deadline."""
    act, ctx, subject = _begin(actor, ticket_id, "transfer", version, _ids(input))
    form = Form(input)
    peer = _peer(form, ctx)
    reason = form.text("reason", "转办原因", required=False)
    form.done()
    at = now()
    ticket = ctx.ticket
    subject.status, subject.ended_at = "transferred", at
    if subject.__tablename__ == "owner_period":
        db.session.add(OwnerPeriod(ticket=ticket, unit_id=peer.id, from_unit_id=subject.unit_id, via="transfer",
                                   status="pending_sign", started_at=at, deadline=subject.deadline,
                                   extended=subject.extended))
        ticket.owner_unit_id = peer.id
    else:
        db.session.add(Task(ticket=ticket, unit_id=peer.id, parent_task_id=subject.parent_task_id,
                            period_id=subject.period_id, ledger_id=subject.ledger_id,
                            assigner_unit_id=subject.assigner_unit_id, role=subject.role, text=subject.text,
                            status="pending_sign", assigned_at=at, deadline=subject.deadline,
                            extended=subject.extended))
    _log(ctx, act, "平级转办", [("转办单位", peer.name), ("转办原因", reason)], input)
    return ticket


_LEDGER_KINDS = {
    (KIND.COUNTY.value, "department"): KIND.COUNTY_DEPT.value, (KIND.COUNTY.value, "jurisdiction"): KIND.TOWNSHIP.value,
    (KIND.CITY.value, "department"): KIND.CITY_DEPT.value, (KIND.CITY.value, "jurisdiction"): KIND.COUNTY.value,
}


def _child_unit(unit, kind):
    return unit is not None and unit.kind == kind and unit.enabled


def _ledger_fields(form, ctx):
    """期限天数, 单位类型, 主办单位 + 主办单位任务, 协办单位 of a ledger, checked against the actor's unit
    (errors gathered in ``form``)."""
    days = form.integer("days", "期限天数", minimum=1, maximum=365)
    unit_type = form.choice("unit_type", "单位类型", ("department", "jurisdiction"))
    lead_task = form.text("lead_task", "主办单位任务", required=False)
    wanted = _LEDGER_KINDS.get((ctx.kind, unit_type))
    lead = _unit(form.data.get("lead_unit_id"))
    if not (_child_unit(lead, wanted) and lead.parent_id == ctx.unit_id):
        form.error("lead_unit_id", "请选择本单位下属的" + ("职能部门" if unit_type == "department" else "行政区划"))
        lead = None
    co_ids = form.id_list("co_unit_ids", "协办单位")
    co_units = []
    for uid in co_ids:
        unit = _unit(uid)
        if not (_child_unit(unit, wanted) and unit.parent_id == ctx.unit_id) or (lead and uid == lead.id):
            form.error("co_unit_ids", "协办单位必须是本单位下属的同类单位，且不能是主办单位")
            break
        co_units.append(unit)
    return days, unit_type, lead, lead_task, co_units


def _ledger_tasks(ledger, at, common):
    """交办 a ledger: pending-sign tasks for its lead and co-units; returns the timeline detail."""
    deadline = add_working_days(at, ledger.days)
    db.session.add(Task(unit_id=ledger.lead_unit_id, ledger_id=ledger.id, role="lead", text=ledger.lead_task,
                        deadline=deadline, **common))
    co_names = []
    for uid in ledger.co_unit_ids or []:
        db.session.add(Task(unit_id=uid, ledger_id=ledger.id, role="co", text=ledger.lead_task,
                            deadline=deadline, **common))
        co_names.append(db.session.get(Unit, uid).name)
    ledger.assigned, ledger.assigned_at = True, at
    return [("主办单位", ledger.lead_unit.name), ("主办单位任务", ledger.lead_task),
            ("协办单位", "、".join(co_names)), ("办结时限", fmt(deadline))]


@transactional
def open_ledger(actor, ticket_id, *, version=None, **input):
    """建立台账: 期限天数, 单位类型, 主办单位 + 任务, 协办单位 (county and city)."""
    act, ctx, position = _begin(actor, ticket_id, "open_ledger", version, _ids(input))
    form = Form(input)
    days, unit_type, lead, lead_task, co_units = _ledger_fields(form, ctx)
    form.done()
    is_period = position.__tablename__ == "owner_period"
    at = now()
    db.session.add(Ledger(ticket_id=ctx.ticket.id, owner_unit_id=ctx.unit_id,
                          period_id=position.id if is_period else position.period_id,
                          holder_task_id=None if is_period else position.id, days=days, unit_type=unit_type,
                          lead_unit_id=lead.id, lead_task=lead_task or "", co_unit_ids=[u.id for u in co_units],
                          created_at=at))
    _log(ctx, act, "建立台账", [("派发主办单位", lead.name), ("处置要求", lead_task),
                            ("协办单位", "、".join(u.name for u in co_units)),
                            ("办结时限", fmt(add_working_days(at, days)))], input)
    return ctx.ticket


@transactional
def assign(actor, ticket_id, *, version=None, **input):
    """交办: the ledger's tasks (county, city), or directly down one level (township, community)."""
    act, ctx, position = _begin(actor, ticket_id, "assign", version, _ids(input))
    is_period = position.__tablename__ == "owner_period"
    at = now()
    common = dict(ticket=ctx.ticket, parent_task_id=None if is_period else position.id,
                  period_id=position.id if is_period else position.period_id, assigner_unit_id=ctx.unit_id,
                  status="pending_sign", assigned_at=at)
    if ctx.kind in (KIND.COUNTY.value, KIND.CITY.value):
        detail = _ledger_tasks(ctx.unassigned_ledger(position), at, common)
    else:
        form = Form(input)
        child_kind = {KIND.TOWNSHIP.value: KIND.COMMUNITY.value, KIND.COMMUNITY.value: KIND.GRID.value}[ctx.kind]
        unit = _unit(input.get("unit_id"))
        if not (_child_unit(unit, child_kind) and unit.parent_id == ctx.unit_id):
            form.error("unit_id", "请选择本单位下属的" + ("村/社区" if child_kind == KIND.COMMUNITY.value else "网格"))
        text = form.text("task", "任务")
        days = form.integer("days", "期限天数", minimum=1, maximum=365)
        form.done()
        deadline = add_working_days(at, days)
        db.session.add(Task(unit_id=unit.id, role="lead", text=text, deadline=deadline, **common))
        detail = [("交办部门", unit.name), ("任务", text), ("办结时限", fmt(deadline))]
    _log(ctx, act, "交办", detail, input)
    return ctx.ticket


# --- task holder actions ----------------------------------------------------------------------
def _feedback_input(ctx, input):
    """反馈内容 + 附件 of a feedback.  The files also join the ticket's attachments: that is what lets
    everyone who may see the ticket download them."""
    form = Form(input)
    content = form.text("content", "反馈内容")
    attachments = _check_attachments(form, ctx.actor)
    form.done()
    if attachments:
        ctx.ticket.attachments.extend(a for a in attachments if a not in ctx.ticket.attachments)
    return content, attachments


@transactional
def feedback(actor, ticket_id, *, version=None, **input):
    """处置反馈 of a task holder (may repeat; shown to every unit above)."""
    act, ctx, task = _begin(actor, ticket_id, "feedback", version, _ids(input))
    content, attachments = _feedback_input(ctx, input)
    db.session.add(Feedback(ticket_id=ctx.ticket.id, task_id=task.id, unit_id=ctx.unit_id, user_id=actor.id,
                            content=content))
    _log(ctx, act, "处置反馈", [("反馈内容", content)], input)
    return ctx.ticket


def _apply(ctx, kind, subject, reviewer_unit_id, **fields):
    is_period = subject.__tablename__ == "owner_period"
    db.session.add(Application(kind=kind, ticket=ctx.ticket, task_id=None if is_period else subject.id,
                               period_id=subject.id if is_period else subject.period_id,
                               applicant_id=ctx.actor.id, applicant_unit_id=ctx.unit_id,
                               reviewer_unit_id=reviewer_unit_id, **fields))


@transactional
def apply_completion(actor, ticket_id, *, version=None, **input):
    """办结申请 to the unit that assigned the task."""
    act, ctx, task = _begin(actor, ticket_id, "apply_completion", version, _ids(input))
    form = Form(input)
    content = form.text("content", "处理内容")
    result = form.text("result", "办结结果")
    form.done()
    _apply(ctx, "completion", task, task.assigner_unit_id, content=content, result=result)
    _log(ctx, act, "办结申请", [("处理内容", content), ("办结结果", result)], input)
    return ctx.ticket


@transactional
def apply_extension(actor, ticket_id, *, version=None, **input):
    """延期申请 to the assigner (task) or the owner's upper unit (owner period)."""
    act, ctx, subject = _begin(actor, ticket_id, "apply_extension", version, _ids(input))
    form = Form(input)
    days = form.integer("days", "申请延期天数", minimum=1, maximum=365)
    reason = form.text("reason", "申请原因")
    form.done()
    is_period = subject.__tablename__ == "owner_period"
    reviewer = subject.unit.parent_id if is_period else subject.assigner_unit_id
    _apply(ctx, "extension", subject, reviewer, days=days, reason=reason)
    new_deadline = add_working_days(subject.deadline, days) if subject.deadline else None
    _log(ctx, act, "延期申请", [("申请延期天数", days), ("申请原因", reason),
                            ("申请后的新的截止时间", fmt(new_deadline))], input)
    return ctx.ticket


@transactional
def apply_return(actor, ticket_id, *, version=None, **input):
    """退回申请: the task does not belong to the holder."""
    act, ctx, task = _begin(actor, ticket_id, "apply_return", version, _ids(input))
    form = Form(input)
    reason = form.text("reason", "退回原因")
    form.done()
    _apply(ctx, "return", task, task.assigner_unit_id, reason=reason)
    _log(ctx, act, "退回申请", [("退回原因", reason)], input)
    return ctx.ticket


def _app_subject(ctx, app):
    if app.task_id is not None:
        return next(t for t in ctx.ticket.tasks if t.id == app.task_id)
    return next(p for p in ctx.ticket.periods if p.id == app.period_id)


@transactional
def review_completion(actor, ticket_id, *, version=None, **input):
    """办结审核: 已确认 completes the task; 驳回 leaves it open with the opinion."""
    act, ctx, app = _begin(actor, ticket_id, "review_completion", version, _ids(input))
    approve, opinion = _review_form(input)
    _close_application(app, actor, approve, opinion)
    if approve:
        task = _app_subject(ctx, app)
        task.status, task.ended_at = "completed", now()
    _log(ctx, act, "办结审核-已确认" if approve else "办结审核-驳回",
         [("反馈部门", app.applicant_unit.name), ("审核意见", opinion)], input)
    return ctx.ticket


@transactional
def review_extension(actor, ticket_id, *, version=None, **input):
    """延期审核: 同意延期 moves the deadline by the days applied for."""
    act, ctx, app = _begin(actor, ticket_id, "review_extension", version, _ids(input))
    approve, opinion = _review_form(input)
    _close_application(app, actor, approve, opinion)
    subject = _app_subject(ctx, app)
    if approve:
        subject.deadline = add_working_days(subject.deadline or now(), app.days)
        subject.extended = True
        detail = [("申请部门", app.applicant_unit.name), ("延期后截止日期", fmt(subject.deadline)),
                  ("审核意见", opinion)]
    else:
        detail = [("申请部门", app.applicant_unit.name), ("审核意见", opinion)]
    _log(ctx, act, "延期审核-同意延期" if approve else "延期审核-驳回延期申请", detail, input)
    return ctx.ticket


@transactional
def review_return(actor, ticket_id, *, version=None, **input):
    """退回审核: approve returns the task (已退回); the assigner holds the work again."""
    act, ctx, app = _begin(actor, ticket_id, "review_return", version, _ids(input))
    approve, opinion = _review_form(input)
    _close_application(app, actor, approve, opinion)
    if approve:
        task = _app_subject(ctx, app)
        task.status, task.ended_at = "returned", now()
    _log(ctx, act, "退回审核-通过" if approve else "退回审核-驳回",
         [("退回单位", app.applicant_unit.name), ("审核意见", opinion)], input)
    return ctx.ticket


# --- supervision ------------------------------------------------------------------------------
@transactional
def supervise(actor, ticket_id, *, version=None, **input):
    """督办 an open task this county or city unit assigned (default: the ledger's lead unit)."""
    act, ctx, position = _begin(actor, ticket_id, "supervise", version, _ids(input, skip=("task_id",)))
    form = Form(input)
    reason = form.text("reason", "督办事由")
    requirement = form.text("requirement", "督办要求")
    days = form.integer("days", "督办时限", minimum=1, maximum=365)
    open_tasks = ctx.active_children(position)
    task = None
    if form.has("task_id"):
        task_id = form.integer("task_id", "督办任务")
        task = next((t for t in open_tasks if t.id == task_id), None)
        if task is None and "task_id" not in form.errors:
            form.error("task_id", "请选择本单位交办且仍在办理的任务")
    else:
        leads = [t for t in open_tasks if t.role == "lead"]
        task = (leads or open_tasks)[-1]
    form.done()
    at = now()
    db.session.add(Supervision(ticket=ctx.ticket, task_id=task.id, supervisor_unit_id=ctx.unit_id,
                               supervisor_id=actor.id, target_unit_id=task.unit_id, reason=reason,
                               requirement=requirement, days=days, created_at=at,
                               deadline=add_working_days(at, days), status="待签收"))
    _log(ctx, act, "督办", [("督办事由", reason), ("督办要求", requirement), ("督办时限", f"{days}个工作日"),
                          ("被督办的部门", task.unit.name)], input)
    return ctx.ticket


@transactional
def supervision_sign(actor, ticket_id, *, version=None, **input):
    """督办签收 by the supervised unit."""
    act, ctx, sup = _begin(actor, ticket_id, "supervision_sign", version, _ids(input))
    sup.status, sup.signed_at = "已签收", now()
    _log(ctx, act, "督办签收", [("督办单位", sup.supervisor_unit.name)], input)
    return ctx.ticket


@transactional
def supervision_feedback(actor, ticket_id, *, version=None, **input):
    """督办反馈 by the supervised unit after signing."""
    act, ctx, sup = _begin(actor, ticket_id, "supervision_feedback", version, _ids(input))
    form = Form(input)
    content = form.text("content", "反馈内容")
    _check_attachments(form, actor)
    form.done()
    sup.status, sup.feedback, sup.feedback_at, sup.feedback_user_id = "已反馈", content, now(), actor.id
    _log(ctx, act, "督办反馈", [("反馈内容", content)], input)
    return ctx.ticket


@transactional
def supervision_opinion(actor, ticket_id, *, version=None, **input):
    """督办意见: the supervising unit comments on a supervision it issued (any status)."""
    act, ctx, sup = _begin(actor, ticket_id, "supervision_opinion", version, _ids(input))
    form = Form(input)
    opinion = form.text("opinion", "督办意见", max_len=2000)
    form.done()
    sup.opinion = opinion
    _log(ctx, act, "督办意见", [("被督办单位", sup.target_unit.name), ("意见", opinion)], input)
    return ctx.ticket


# --- finishing --------------------------------------------------------------------------------
@transactional
def finish(actor, ticket_id, *, version=None, **input):
    """办结 by the owner; a ticket that came up from below then awaits the reporter's 办结签收."""
    act, ctx, period = _begin(actor, ticket_id, "finish", version, _ids(input))
    form = Form(input)
    result = form.text("result", "办结结果")
    content = form.text("content", "处置内容")
    at = form.datetime("finished_at", "办结时间", default=now())
    form.done()
    ticket = ctx.ticket
    period.status, period.ended_at = "finished", now()
    ticket.finished_at, ticket.finished_unit_id = at, ctx.unit_id
    ticket.finish_result, ticket.finish_content = result, content
    first = ticket.periods[0].unit_id
    if first != ctx.unit_id:
        ticket.state, ticket.ack_unit_id = "awaiting_ack", first
    else:
        ticket.state = "closed"
    _log(ctx, act, "办结", [("办结结果", result), ("处置内容", content)], input)
    return ticket


@transactional
def acknowledge(actor, ticket_id, *, version=None, **input):
    """办结签收: the unit that escalated first confirms the result."""
    act, ctx, ticket = _begin(actor, ticket_id, "acknowledge", version)
    ticket.state, ticket.acknowledged_at = "closed", now()
    _log(ctx, act, "办结签收", "—", input)
    return ticket


@transactional
def callback(actor, ticket_id, *, version=None, **input):
    """回访 by the county or city that finished the ticket."""
    act, ctx, ticket = _begin(actor, ticket_id, "callback", version)
    form = Form(input)
    method = form.choice("method", "回访方式", CALLBACK_METHODS)
    content = form.text("content", "回访内容")
    satisfaction = form.integer("satisfaction", "满意度", minimum=1, maximum=5)
    form.done()
    db.session.add(Callback(ticket_id=ticket.id, unit_id=ctx.unit_id, user_id=actor.id, method=method, content=content,
                            satisfaction=satisfaction))
    _log(ctx, act, "回访", [("回访方式", method), ("回访内容", content),
                          ("满意度", SATISFACTION[satisfaction])], input)
    return ticket


# --- 街乡吹哨 (§1.3.6–1.3.9) and 领导批示 (§六) ------------------------------------------------------
YES_NO = {True: "是", False: "否"}


def _whistle_units(form, ctx):
    """期望报到部门: communities of the whistling township or departments of its county."""
    ids = form.id_list("unit_ids", "期望报到部门")
    if not ids:
        if "unit_ids" not in form.errors:
            form.error("unit_ids", "请选择期望报到部门")
        return []
    units = [_unit(uid) for uid in ids]
    if any(u is None or not u.enabled or not (
            (u.kind == KIND.COMMUNITY.value and u.parent_id == ctx.unit_id)
            or (u.kind == KIND.COUNTY_DEPT.value and u.parent_id == ctx.unit.parent_id)) for u in units):
        form.error("unit_ids", "期望报到部门必须是本街道（乡镇）的村/社区或本县区的职能部门")
        return []
    return units


@transactional
def whistle(actor, ticket_id, *, version=None, **input):
    """街乡吹哨: the township calls communities or departments to check in within 响应时限."""
    act, ctx, position = _begin(actor, ticket_id, "whistle", version, _ids(input))
    form = Form(input)
    fields = {"title": form.text("title", "问题标题", max_len=200),
              "description": form.text("description", "问题详细描述"),
              "address": form.text("address", "事发地点", max_len=300),
              "longitude": form.number("longitude", "经度", -180, 180),
              "latitude": form.number("latitude", "纬度", -90, 90),
              "urgency": form.choice("urgency", "紧急程度", URGENCIES)}
    units = _whistle_units(form, ctx)
    multi = form.boolean("multi_dept", "是否多部门协同")
    if multi is False and len(units) > 1:
        form.error("unit_ids", "未选择多部门协同时只能选择一个期望报到部门")
    hours = form.integer("response_hours", "响应时限(小时)", minimum=1, maximum=720)
    form.done()
    is_period = position.__tablename__ == "owner_period"
    call = Whistle(ticket=ctx.ticket, unit_id=ctx.unit_id, period_id=position.id if is_period else position.period_id,
                   task_id=None if is_period else position.id, multi_dept=multi, response_hours=hours,
                   status="open", created_at=now(), created_by_id=actor.id, **fields)
    call.checkins = [WhistleCheckin(ticket_id=ctx.ticket.id, unit_id=u.id, status="待报到") for u in units]
    db.session.add(call)
    _log(ctx, act, "街乡吹哨", [("问题标题", fields["title"]), ("期望报到部门", "、".join(u.name for u in units)),
                            ("是否多部门协同", YES_NO[multi]), ("响应时限", f"{hours}小时")], input)
    return ctx.ticket


@transactional
def whistle_checkin(actor, ticket_id, *, version=None, **input):
    """报到 of a called unit; after the whistle's 响应时限 it is flagged 超时."""
    act, ctx, checkin = _begin(actor, ticket_id, "whistle_checkin", version, _ids(input))
    at, call = now(), checkin.whistle
    checkin.status, checkin.checked_in_at, checkin.checked_in_by_id = "已报到", at, actor.id
    checkin.late = at > call.respond_by
    _log(ctx, act, "报到", [("吹哨单位", call.unit.name), ("响应截止时间", fmt(call.respond_by)),
                          ("是否超时", YES_NO[checkin.late])], input)
    return ctx.ticket


@transactional
def whistle_feedback(actor, ticket_id, *, version=None, **input):
    """反馈 of a checked-in unit: 反馈内容 + 附件 (may repeat)."""
    act, ctx, checkin = _begin(actor, ticket_id, "whistle_feedback", version, _ids(input))
    content, attachments = _feedback_input(ctx, input)
    checkin.feedbacks.append(WhistleFeedback(unit_id=ctx.unit_id, user_id=actor.id, content=content, at=now(),
                                             attachment_ids=[a.id for a in attachments]))
    checkin.status = "已反馈"
    _log(ctx, act, "街乡吹哨反馈", [("反馈内容", content), ("附件", "、".join(a.original_name for a in attachments))],
         input)
    return ctx.ticket


@transactional
def close_whistle(actor, ticket_id, *, version=None, **input):
    """吹哨办结: the township ends its whistle; it then finishes or applies for completion as usual."""
    act, ctx, call = _begin(actor, ticket_id, "close_whistle", version, _ids(input))
    call.status, call.closed_at, call.closed_by_id = "closed", now(), actor.id
    arrived = [c for c in call.checkins if c.status != "待报到"]
    _log(ctx, act, "吹哨办结", [("问题标题", call.title), ("报到情况", f"{len(arrived)}/{len(call.checkins)}个单位已报到"),
                            ("超时或未报到单位", "、".join(c.unit.name for c in call.checkins if c.late or c.missed))], input)
    return ctx.ticket


@transactional
def leader_instruction(actor, *, version=None, **input):
    """领导批示: the city creates a ticket (source 领导批示) and assigns its ledger in the same step."""
    act = ACTIONS["leader_instruction"]
    ctx = Ctx(actor)
    check_role(ctx, act)
    form = Form(input)
    try:
        values, attachments = _ticket_form(actor, input)
    except Invalid as exc:      # report the ticket's and the assignment's mistakes together
        values, attachments = {}, None
        form.errors.update(exc.errors)
    days, unit_type, lead, lead_task, co_units = _ledger_fields(form, ctx)
    if not lead_task and "lead_task" not in form.errors:
        form.error("lead_task", "主办单位任务不能为空")
    form.done()
    city, at = ctx.unit, now()
    ticket = Ticket(unit_id=city.id, source="领导批示", state="open", reported_at=at, reporter_id=actor.id,
                    reporter_unit_id=city.id, owner_unit_id=city.id, updated_at=at, **values)
    ticket.reporter_phone = ticket.reporter_phone or actor.phone
    ticket.attachments = attachments or []
    period = OwnerPeriod(ticket=ticket, unit_id=city.id, via="instruction", status="open", started_at=at,
                         signed_at=at, signed_by_id=actor.id, deadline=add_working_days(at, days))
    db.session.add_all([ticket, period])
    db.session.flush()
    ledger = Ledger(ticket_id=ticket.id, owner_unit_id=city.id, period_id=period.id, days=days, unit_type=unit_type,
                    lead_unit_id=lead.id, lead_task=lead_task, co_unit_ids=[u.id for u in co_units], created_at=at)
    db.session.add(ledger)
    db.session.flush()
    ctx.ticket = ticket
    detail = _ledger_tasks(ledger, at, dict(ticket=ticket, parent_task_id=None, period_id=period.id,
                                            assigner_unit_id=city.id, status="pending_sign", assigned_at=at))
    _log(ctx, act, "领导批示", detail, {"title": ticket.title})
    return ticket


# --- helpers for the API and pages ------------------------------------------------------------
def _ids(input, skip=()):
    """Optional row ids that pick the subject (task_id, application_id, supervision_id)."""
    ids = {}
    for key in ("task_id", "application_id", "supervision_id", "whistle_id", "checkin_id"):
        if key in skip or input.get(key) in (None, ""):
            continue
        if not valid_key(input[key]):
            raise Invalid("编号无效", {key: ["编号必须是正整数"]})
        ids[key] = int(input[key])
    return ids


REVIEWS = {"escalation": review_escalation, "completion": review_completion, "extension": review_extension,
           "return": review_return}


def review_application(actor, application_id, *, version=None, **input):
    """Review one application by id (审核中心), whatever its kind."""
    app = _scoped_row(actor, Application, application_id, "申请不存在或无权访问")
    return REVIEWS[app.kind](actor, app.ticket_id, version=version, application_id=app.id, **input)


def supervision_action(actor, supervision_id, action, **input):
    """督办签收 / 督办反馈 (supervised unit) and 督办意见 (supervisor) by supervision id."""
    sup = _scoped_row(actor, Supervision, supervision_id, "督办不存在或无权访问")
    fn = {"sign": supervision_sign, "feedback": supervision_feedback, "opinion": supervision_opinion}[action]
    return fn(actor, sup.ticket_id, supervision_id=sup.id, **input)


def _scoped_row(actor, model, pk, message):
    """(id, ticket_id[, kind]) of a row in scope — plain columns, nothing kept in the session."""
    if not valid_key(pk):
        raise NotFound(message)
    columns = [model.id, model.ticket_id] + ([model.kind] if model is Application else [])
    row = db.session.execute(select(*columns).where(model.id == int(pk), model.scope_clause(scope_for(actor)))).first()
    if row is None:
        log_out_of_scope(model, pk)
        db.session.rollback()
        raise NotFound(message)
    return row


SERVICES = {
    "report": report, "edit": edit, "delete": delete, "escalate": escalate, "review_escalation": review_escalation,
    "sign": sign, "transfer": transfer, "open_ledger": open_ledger, "assign": assign, "feedback": feedback,
    "apply_completion": apply_completion, "review_completion": review_completion,
    "apply_extension": apply_extension, "review_extension": review_extension, "apply_return": apply_return,
    "review_return": review_return, "supervise": supervise, "supervision_sign": supervision_sign,
    "supervision_feedback": supervision_feedback, "supervision_opinion": supervision_opinion, "finish": finish,
    "acknowledge": acknowledge,
    "callback": callback,
    "whistle": whistle, "whistle_checkin": whistle_checkin, "whistle_feedback": whistle_feedback,
    "close_whistle": close_whistle, "leader_instruction": leader_instruction,
}
# entry points in their own module register themselves here (they import the helpers above)
from app.workflow import intake  # noqa: E402  一键上报, 一键直报, 部门上报, 平台疑难; 转应急/转疑难 at sign
assert set(SERVICES) == set(ACTIONS), "every action of the table has exactly one service"


def allowed_actions(ticket, user):
    """Names of the actions ``user`` may do on ``ticket`` now (same checks, no side effects)."""
    ctx = Ctx(user, ticket)
    names = []
    for act in TABLE:
        if act.states == ("new",):
            continue
        try:
            check(ctx, act)
        except WorkflowError:
            continue
        names.append(act.name)
    return names
