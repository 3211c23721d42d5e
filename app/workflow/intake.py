"""Entry points beside the patrol report (workflow.md, manual §三–§五): 一键上报 and the county's
一键直报, 部门上报, the city's 平台疑难 签收 (研判), and what 转应急事件 / 转疑难事件 add to a 签收.

Same frame as every service in ``app.workflow.services`` (role and state from the table, one
transaction, one timeline entry); ``services`` imports this module and these functions are
registered in ``services.SERVICES``.
"""
from sqlalchemy import select, update

from app.extensions import db
from app.models.base import now
from app.models.datacenter import EmergencyEvent
from app.models.dictionary import EventCategory
from app.models.org import Unit
from app.models.platform_item import PlatformItem
from app.models.ticket import OwnerPeriod, Ticket
from app.security.scope import log_out_of_scope, scope_for, scope_clause
from app.workflow import services as s
from app.workflow.context import Ctx
from app.workflow.errors import Conflict, NotFound
from app.workflow.forms import Form, valid_key
from app.workflow.status import default_deadline
from app.workflow.table import ACTIONS, check_role

KIND = s.KIND
ONE_CLICK_SOURCE, ONE_CLICK_LEVEL = "突发事件", "突发应急"
# 应急事件类型 (dc_event_type) read from the ticket's 事件类型 path; anything else is 社会安全事件
EVENT_TYPES = {"自然灾害": "自然灾害", "事故灾难": "事故灾难", "公共卫生": "公共卫生事件", "社会安全": "社会安全事件"}
EVENT_LEVELS = {"重大": "重大", "紧急": "较大", "一般": "一般"}


def _begin_new(actor, name):
    """(action, context) of an entry point that creates a ticket, after its role check (403)."""
    act = ACTIONS[name]
    ctx = Ctx(actor)
    check_role(ctx, act)
    return act, ctx


def _new_ticket(ctx, act, input, *, source, owner, via, unit_id, grid_id=None, optional=(), extra=None):
    """A reported ticket owned by ``owner`` and pending its sign; ``extra(form)`` reads more fields
    into a dict (errors gathered with the ticket's)."""
    form = Form(input)
    more = extra(form) if extra else {}
    values, attachments = s._ticket_form(ctx.actor, input, optional=optional, form=form)
    at = now()
    ticket = Ticket(unit_id=unit_id, grid_id=grid_id, source=source, state="open", reported_at=at,
                    reporter_id=ctx.actor.id, reporter_unit_id=ctx.unit_id, owner_unit_id=owner.id, updated_at=at,
                    **values, **more)
    ticket.reporter_phone = ticket.reporter_phone or ctx.actor.phone
    ticket.attachments = attachments or []
    db.session.add(ticket)
    db.session.add(OwnerPeriod(ticket=ticket, unit_id=owner.id, from_unit_id=ctx.unit_id, via=via,
                               status="pending_sign", started_at=at, deadline=default_deadline(ticket.urgency, at)))
    db.session.flush()
    ctx.ticket = ticket
    s._log(ctx, act, act.label, [("问题来源", source), ("上报至", owner.name)], {"title": ticket.title})
    return ticket


# --- 一键上报 / 一键直报 (§三) ----------------------------------------------------------------------
@s.transactional
def one_click_report(actor, *, version=None, **input):
    """一键上报: a grid, community or township user reports a major incident straight to the county."""
    act, ctx = _begin_new(actor, "one_click_report")
    county = s._county_of(ctx.unit)
    if county is None:
        raise Conflict("未找到本单位所属的县区，不能一键上报")
    input = dict(input)
    input.setdefault("urgency", "重大")
    grid = ctx.unit if ctx.kind == KIND.GRID.value else None

    def occurred(form):
        return {"occurred_at": form.datetime("occurred_at", "事发时间", default=now()), "event_level": ONE_CLICK_LEVEL}
    return _new_ticket(ctx, act, input, source=ONE_CLICK_SOURCE, owner=county, via="one_click",
                       unit_id=grid.parent_id if grid else ctx.unit_id, grid_id=grid.id if grid else None,
                       optional=("party_name", "party_phone"), extra=occurred)


@s.transactional
def one_click_up(actor, ticket_id, *, version=None, **input):
    """一键直报: the county hands its one-click incident to the city, without review."""
    act, ctx, period = s._begin(actor, ticket_id, "one_click_up", version)
    form = Form(input)
    reason = form.text("reason", "直报原因", required=False, max_len=2000)
    form.done()
    city = ctx.unit.parent
    at = now()
    period.status, period.ended_at = "escalated", at
    for ledger in ctx.ledgers_of(period):
        if not ledger.assigned:
            ledger.cancelled = True
    ticket = ctx.ticket
    db.session.add(OwnerPeriod(ticket=ticket, unit_id=city.id, from_unit_id=period.unit_id, via="one_click_up",
                               status="pending_sign", started_at=at, deadline=default_deadline(ticket.urgency, at)))
    ticket.owner_unit_id = city.id
    s._log(ctx, act, "一键直报", [("上报至", city.name), ("直报原因", reason)], input)
    return ticket


# --- 部门上报 (§四) ---------------------------------------------------------------------------------
@s.transactional
def department_report(actor, *, version=None, **input):
    """部门上报: a county (city) department reports to its county (the city), pending sign in 工单流转."""
    act, ctx = _begin_new(actor, "department_report")
    upper = ctx.unit.parent
    return _new_ticket(ctx, act, input, source="部门上报", owner=upper, via="dept_report", unit_id=upper.id,
                       optional=("party_name", "party_phone"))


# --- 平台疑难 (§五) ---------------------------------------------------------------------------------
def load_platform_item(actor, item_id, lock=False):
    """A 平台疑难 item inside the actor's data scope, or NotFound (logged)."""
    if not valid_key(item_id):
        raise NotFound("平台疑难事项不存在或无权访问")
    stmt = select(PlatformItem).where(PlatformItem.id == int(item_id),
                                      scope_clause(PlatformItem, scope_for(actor)))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    item = db.session.scalar(stmt)
    if item is None:
        log_out_of_scope(PlatformItem, item_id)
        raise NotFound("平台疑难事项不存在或无权访问")
    return item


def _signed_message(item):
    from app.models.org import AppUser

    user = db.session.get(AppUser, item.signed_by_id) if item.signed_by_id else None
    return f"该平台疑难事项已被【{user.display_name if user else '其他用户'}】签收"


def _territory(names, default):
    """The most specific of 事发涉及村/镇/县 that names exactly one unit, else ``default``."""
    for name in names:
        if name:
            ids = db.session.scalars(select(Unit.id).where(Unit.name == name).limit(2)).all()
            if len(ids) == 1:
                return ids[0]
    return default


@s.transactional
def sign_platform_item(actor, item_id, *, version=None, **input):
    """平台疑难 签收 with the 研判 fields: a ticket (source 平台疑难) owned and signed by the city starts."""
    act = ACTIONS["sign_platform_item"]
    ctx = Ctx(actor)
    item = load_platform_item(actor, item_id, lock=True)      # outside the scope: 404 before 403, as tickets
    check_role(ctx, act)
    if item.signed_at is not None:
        raise Conflict(_signed_message(item))
    form = Form(input)
    judgement = form.text("judgement", "研判结果", max_len=2000)
    judged_at = form.datetime("judged_at", "研判时间", default=now())
    category_id = s.leaf_category(form, "category_id", "问题(事项)类型")
    place = {key: form.text(key, label, required=False, max_len=50, default=getattr(item, key))
             for key, label in (("county", "事发涉及县"), ("town", "事发涉及镇/街道"), ("village", "事发涉及村/社区"))}
    coords = {key: form.number(key, label, lo, hi) if form.has(key) else getattr(item, key)
              for key, label, lo, hi in (("longitude", "经度", 73, 136), ("latitude", "纬度", 3, 54))}
    if (coords["longitude"] is None) != (coords["latitude"] is None) and not form.errors.get("latitude"):
        form.error("latitude", "经度和纬度应同时填写")
    urgency = form.choice("urgency", "紧急程度", s.URGENCIES, required=False, default="一般")
    form.done()
    at = now()
    # the conditional update decides between two users signing at the same moment (any database)
    won = db.session.execute(update(PlatformItem).where(PlatformItem.id == item.id, PlatformItem.signed_at.is_(None))
                             .values(signed_at=at, signed_by_id=actor.id)).rowcount
    if won != 1:
        db.session.rollback()
        raise Conflict(_signed_message(load_platform_item(actor, item_id)))
    ticket = Ticket(unit_id=_territory((place["village"], place["town"], place["county"]), ctx.unit_id),
                    source="平台疑难", state="open", title=item.title[:200],
                    description=item.description or item.title, address=(item.address or "")[:300],
                    category_id=category_id, urgency=urgency, occurred_at=item.occurred_at, reported_at=at,
                    reporter_id=actor.id, reporter_unit_id=ctx.unit_id, owner_unit_id=ctx.unit_id, updated_at=at,
                    **coords)
    db.session.add(ticket)
    db.session.add(OwnerPeriod(ticket=ticket, unit_id=ctx.unit_id, via="platform", status="open", started_at=at,
                               signed_at=at, signed_by_id=actor.id, deadline=default_deadline(urgency, at)))
    db.session.flush()
    item.category_id, item.judgement, item.judged_at, item.ticket_id = category_id, judgement, judged_at, ticket.id
    for key, value in {**place, **coords}.items():
        setattr(item, key, value)
    ctx.ticket = ticket
    category = db.session.get(EventCategory, category_id)
    s._log(ctx, act, "平台疑难签收", [
        ("来源", item.platform), ("疑难原因说明", item.difficulty_reason), ("研判结果", judgement),
        ("研判时间", s.fmt(judged_at)), ("问题(事项)类型", category.full_name),
        ("事发涉及县/镇/村", "/".join(v for v in place.values() if v))], {"item": item.id})
    return ticket


# --- 转应急事件 / 转疑难事件 at 签收 ------------------------------------------------------------------
def emergency_event_of(ticket_id):
    """(id, code) of the 应急事件 linked to a ticket, or None."""
    row = db.session.execute(select(EmergencyEvent.id, EmergencyEvent.code)
                             .where(EmergencyEvent.ticket_id == ticket_id).order_by(EmergencyEvent.id)).first()
    return (row.id, row.code) if row else None


def _event_type(ticket):
    path = ticket.category.full_name if ticket.category else ""
    return next((name for word, name in EVENT_TYPES.items() if word in path), "社会安全事件")


def convert_at_sign(ctx, period, convert):
    """The extra effect of 签收 with 转应急事件 (one linked 应急事件, prefilled) or 转疑难事件 (a county
    hands the ticket to the city's 平台疑难 list); returns the timeline detail."""
    from app.registries.datacenter import new_emergency_event_from_ticket

    ticket = ctx.ticket
    if convert == "emergency":
        linked = emergency_event_of(ticket.id)
        if linked is None:
            event = new_emergency_event_from_ticket(
                ticket.id, title=ticket.title, unit_id=ticket.unit_id,
                occurred_at=ticket.occurred_at or ticket.reported_at, description=ticket.description,
                location=ticket.address, longitude=ticket.longitude, latitude=ticket.latitude,
                reporter=ticket.reporter.display_name if ticket.reporter else None, phone=ticket.reporter_phone,
                level=EVENT_LEVELS.get(ticket.urgency), event_type=_event_type(ticket))
            db.session.flush()
            linked = (event.id, event.code)
        return [("应急事件编号", linked[1])]
    if ctx.kind == KIND.COUNTY.value:
        city = ctx.unit.parent
        at = now()
        period.status, period.ended_at = "escalated", at
        db.session.add(OwnerPeriod(ticket=ticket, unit_id=city.id, from_unit_id=period.unit_id, via="difficult",
                                   status="pending_sign", started_at=at, deadline=period.deadline))
        ticket.owner_unit_id = city.id
        return [("转至", f"{city.name}问题研判-平台疑难")]
    return [("列入", "问题研判-平台疑难")]


s.SERVICES.update({"one_click_report": one_click_report, "one_click_up": one_click_up,
                   "department_report": department_report, "sign_platform_item": sign_platform_item})

__all__ = ["one_click_report", "one_click_up", "department_report", "sign_platform_item", "load_platform_item",
           "convert_at_sign", "emergency_event_of"]
