"""Tickets, applications and supervisions as plain dicts (api.md "GET /api/v1/tickets/{id}")."""
from app.workflow.services import allowed_actions, fmt
from app.workflow.intake import emergency_event_of
from app.services.deadlines import load_calendar, row_light
from app.workflow.status import machine_status, overdue, status_words, ticket_deadline, ticket_light
from app.workflow.table import ACTIONS

APP_STATUS_LABELS = {
    "escalation": {"pending": "待审核", "approved": "审核通过", "rejected": "驳回"},
    "completion": {"pending": "待审核", "approved": "已确认", "rejected": "驳回"},
    "extension": {"pending": "待审核", "approved": "同意延期", "rejected": "驳回延期申请"},
    "return": {"pending": "待审核", "approved": "通过", "rejected": "驳回"},
}


def api_action_names(names):
    """Service names → the names the API uses (``open_ledger`` → ``ledger``, reviews → ``review-<kind>``)."""
    out = []
    for name in names:
        act = ACTIONS[name]
        if act.app_kind:
            out.append(f"review-{act.app_kind}")
        elif name.startswith("supervision_"):
            out.append(name.replace("_", "-"))
        else:
            out.append(act.api or name)
    return list(dict.fromkeys(out))


def application_dict(app):
    return {
        "id": app.id, "kind": app.kind, "status": app.status,
        "status_label": APP_STATUS_LABELS[app.kind][app.status], "ticket_id": app.ticket_id,
        "ticket_title": app.ticket.title if app.ticket is not None else None, "task_id": app.task_id,
        "applicant_unit_id": app.applicant_unit_id, "applicant_unit": app.applicant_unit.name,
        "applicant": app.applicant.display_name if app.applicant else None, "applied_at": fmt(app.applied_at),
        "reviewer_unit_id": app.reviewer_unit_id, "reviewer_unit": app.reviewer_unit.name,
        "target_type": app.target_type, "target_unit_id": app.target_unit_id,
        "target_unit": app.target_unit.name if app.target_unit else None, "task": app.task_text,
        "days": app.days, "reason": app.reason, "content": app.content, "result": app.result,
        "reviewer": app.reviewer.display_name if app.reviewer else None,
        "reviewed_at": fmt(app.reviewed_at) if app.reviewed_at else None, "opinion": app.opinion,
    }


def supervision_dict(sup):
    return {
        "id": sup.id, "ticket_id": sup.ticket_id, "task_id": sup.task_id,
        "ticket_title": sup.ticket.title if sup.ticket is not None else None,
        "supervisor_unit_id": sup.supervisor_unit_id, "supervisor_unit": sup.supervisor_unit.name,
        "target_unit_id": sup.target_unit_id, "target_unit": sup.target_unit.name, "reason": sup.reason,
        "requirement": sup.requirement, "days": sup.days, "created_at": fmt(sup.created_at),
        "deadline": fmt(sup.deadline), "status": sup.status,
        "signed_at": fmt(sup.signed_at) if sup.signed_at else None, "feedback": sup.feedback,
        "feedback_at": fmt(sup.feedback_at) if sup.feedback_at else None, "opinion": sup.opinion,
    }


def checkin_dict(checkin):
    """One unit called by a 街乡吹哨: its 报到 (time, 超时) and its 反馈."""
    return {
        "id": checkin.id, "whistle_id": checkin.whistle_id, "ticket_id": checkin.ticket_id,
        "unit_id": checkin.unit_id, "unit": checkin.unit.name, "status": checkin.status,
        "checked_in_at": fmt(checkin.checked_in_at) if checkin.checked_in_at else None,
        "checked_in_by": checkin.checked_in_by.display_name if checkin.checked_in_by else None,
        "late": checkin.late, "missed": checkin.missed,
        "feedbacks": [{"id": f.id, "content": f.content, "at": fmt(f.at), "attachment_ids": list(f.attachment_ids or [])}
                      for f in checkin.feedbacks],
    }


def whistle_dict(call):
    return {
        "id": call.id, "ticket_id": call.ticket_id, "unit_id": call.unit_id, "unit": call.unit.name,
        "title": call.title, "description": call.description, "address": call.address,
        "longitude": call.longitude, "latitude": call.latitude, "urgency": call.urgency,
        "multi_dept": call.multi_dept, "response_hours": call.response_hours, "status": call.status,
        "status_label": "已办结" if call.status == "closed" else "吹哨中", "created_at": fmt(call.created_at),
        "respond_by": fmt(call.respond_by), "closed_at": fmt(call.closed_at) if call.closed_at else None,
        "checkins": [checkin_dict(c) for c in call.checkins],
    }


def _linked_event(ticket_id):
    """The 应急事件 created when the ticket was signed as 转应急事件: {id, code} or None."""
    linked = emergency_event_of(ticket_id)
    return {"id": linked[0], "code": linked[1]} if linked else None


def light_dict(light):
    """A traffic light (``app.services.deadlines.row_light``) as JSON: color green/yellow/red, its
    label (正常/即将超期/已超期), the remaining text, the step (sign/handle) and its deadline."""
    if light is None:
        return None
    return {"color": light["color"], "label": light["label"], "text": light["text"], "step": light["step"],
            "deadline": fmt(light["deadline"]), "reminders": light["reminders"]}


def _limits(row, cal):
    return {"sign_deadline": fmt(row.sign_deadline) if row.sign_deadline else None,
            "reminder_count": row.reminder_count or 0,
            "overdue_flagged_at": fmt(row.overdue_flagged_at) if row.overdue_flagged_at else None,
            "light": light_dict(row_light(row, cal=cal))}


def ticket_dict(ticket, user):
    """Everything a detail dialog shows, from ``user``'s point of view."""
    unit_id = getattr(user, "unit_id", None)
    deadline = ticket_deadline(ticket, unit_id)
    cal = load_calendar()
    return {
        "id": ticket.id, "version": ticket.version, "title": ticket.title, "description": ticket.description,
        "address": ticket.address, "category_id": ticket.category_id,
        "category": ticket.category.full_name if ticket.category else None, "urgency": ticket.urgency,
        "party_name": ticket.party_name, "party_phone": ticket.party_phone, "longitude": ticket.longitude,
        "latitude": ticket.latitude, "source": ticket.source, "unit_id": ticket.unit_id,
        "unit": ticket.unit.full_name if ticket.unit else None, "grid_id": ticket.grid_id,
        "grid": ticket.grid.name if ticket.grid else None, "owner_unit_id": ticket.owner_unit_id,
        "owner_unit": ticket.owner_unit.name if ticket.owner_unit else None,
        "reported_at": fmt(ticket.reported_at), "reporter": ticket.reporter.display_name if ticket.reporter else None,
        "reporter_unit_id": ticket.reporter_unit_id, "reporter_phone": ticket.reporter_phone,
        "state": ticket.state, "status": machine_status(ticket, unit_id), "status_words": status_words(ticket, unit_id),
        "deadline": fmt(deadline) if deadline else None, "overdue": overdue(ticket, unit_id),
        "light": light_dict(ticket_light(ticket, unit_id, cal=cal)),
        "pushed_12345": ticket.pushed_12345, "converted": ticket.converted,
        "event_level": ticket.event_level, "occurred_at": fmt(ticket.occurred_at) if ticket.occurred_at else None,
        "emergency_event": _linked_event(ticket.id),
        "finished_at": fmt(ticket.finished_at) if ticket.finished_at else None,
        "finish_result": ticket.finish_result, "finish_content": ticket.finish_content,
        "attachments": [{"id": a.id, "name": a.original_name, "size": a.size} for a in ticket.attachments],
        "periods": [{"id": p.id, "unit_id": p.unit_id, "unit": p.unit.name, "status": p.status,
                     "deadline": fmt(p.deadline) if p.deadline else None, **_limits(p, cal),
                     "signed_at": fmt(p.signed_at) if p.signed_at else None} for p in ticket.periods],
        "tasks": [{"id": t.id, "unit_id": t.unit_id, "unit": t.unit.name, "role": t.role, "status": t.status,
                   "text": t.text, "deadline": fmt(t.deadline) if t.deadline else None, **_limits(t, cal),
                   "parent_task_id": t.parent_task_id, "assigner_unit_id": t.assigner_unit_id,
                   "signed_at": fmt(t.signed_at) if t.signed_at else None} for t in ticket.tasks],
        "applications": [{"id": a.id, "kind": a.kind, "status": a.status, "applicant_unit_id": a.applicant_unit_id,
                          "reviewer_unit_id": a.reviewer_unit_id, "opinion": a.opinion} for a in ticket.applications],
        "whistles": [whistle_dict(w) for w in ticket.whistles],
        "supervisions": [supervision_dict(s) for s in ticket.supervisions],
        "feedbacks": [{"id": f.id, "task_id": f.task_id, "unit_id": f.unit_id, "content": f.content,
                       "at": fmt(f.at)} for f in ticket.feedbacks],
        "callbacks": [{"method": c.method, "content": c.content, "satisfaction": c.satisfaction, "at": fmt(c.at)}
                      for c in ticket.callbacks],
        "timeline": [{"at": fmt(e.at), "level": e.level, "unit": e.unit_name, "user": e.user_name,
                      "action": e.action, "detail": e.detail or "—", "text": e.text} for e in ticket.timeline],
        "allowed_actions": api_action_names(allowed_actions(ticket, user)),
    }
