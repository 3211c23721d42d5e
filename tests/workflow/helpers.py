"""Shared helpers of the workflow tests: demo users and units by name, a fresh ticket."""
import itertools

from sqlalchemy import func, select

from app.extensions import db
from app.models.dictionary import EventCategory
from app.models.org import AppUser, Unit
from app.models.ticket import Application, Task, Ticket, TimelineEntry
from app.workflow import services

LEAF = "服务类 / 民生诉求类 / 城乡建设类"
_counter = itertools.count(1)


def user(username):
    return db.session.scalar(select(AppUser).where(AppUser.username == username))


def unit(name):
    return db.session.scalar(select(Unit).where(Unit.name == name))


def leaf_id():
    return db.session.scalar(select(EventCategory.id).where(EventCategory.full_name == LEAF))


def report_body(title=None):
    return {"title": title or f"延安路与光明路口发生道路塌陷-{next(_counter)}", "description": "延安路与光明路口发生道路塌陷",
            "address": "延安路与光明路口", "category_id": leaf_id(), "urgency": "一般", "party_name": "小彩",
            "party_phone": "13937453068"}


def new_ticket(title=None):
    """A fresh patrol report by cs471_member; returns its id."""
    return services.report(user("cs471_member"), **report_body(title)).id


def act(username, action, ticket_id, **input):
    """Run one service as a demo user; returns the ticket."""
    return services.SERVICES[action](user(username), ticket_id, **input)


def ticket(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def timeline(ticket_id):
    return db.session.scalars(select(TimelineEntry).where(TimelineEntry.ticket_id == ticket_id)
                              .order_by(TimelineEntry.id)).all()


def timeline_count(ticket_id):
    return db.session.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.ticket_id == ticket_id))


def pending(ticket_id, kind):
    return db.session.scalar(select(Application).where(Application.ticket_id == ticket_id, Application.kind == kind,
                                                       Application.status == "pending"))


def tasks(ticket_id, unit_name=None):
    stmt = select(Task).where(Task.ticket_id == ticket_id).order_by(Task.id)
    if unit_name:
        stmt = stmt.where(Task.unit_id == unit(unit_name).id)
    return db.session.scalars(stmt).all()


def approve(username, ticket_id, kind, opinion="同意"):
    app = pending(ticket_id, kind)
    assert app is not None, f"no pending {kind}"
    return services.SERVICES[f"review_{kind}"](user(username), ticket_id, application_id=app.id, approve=True,
                                               opinion=opinion)


def reject(username, ticket_id, kind, opinion="材料不全，请补充"):
    app = pending(ticket_id, kind)
    return services.SERVICES[f"review_{kind}"](user(username), ticket_id, application_id=app.id, approve=False,
                                               opinion=opinion)


def escalate_to_county(ticket_id, sign=True):
    """cs471 → 金地社区 → 西大街街道 → 魏都区, every review approved; 魏都区 signed (unless ``sign`` is False)."""
    act("cs471_member", "escalate", ticket_id, target="upper", reason="网格无法处理")
    approve("cs471_leader", ticket_id, "escalation")
    act("jindi_handler", "sign", ticket_id)
    act("jindi_handler", "escalate", ticket_id, target="upper", reason="超过自身管理请求上级处理")
    approve("jindi_head", ticket_id, "escalation")
    act("xidajie_handler", "sign", ticket_id)
    act("xidajie_handler", "escalate", ticket_id, target="upper", reason="需专业力量处置")
    approve("xidajie_head", ticket_id, "escalation")
    if sign:
        act("weidu_handler", "sign", ticket_id)
