"""Tickets, applications and supervisions as plain dicts (api.md "GET /api/v1/tickets/{id}")."""
from app.workflow.services import allowed_actions, fmt
from app.workflow.status import machine_status, overdue, status_words, ticket_deadline
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


def ticket_dict(ticket, user):
    """Everything a detail dialog shows, from ``user``'s point of view."""
    unit_id = getattr(user, "unit_id", None)
    deadline = ticket_deadline(ticket, unit_id)
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
        "pushed_12345": ticket.pushed_12345, "converted": ticket.converted,
        "finished_at": fmt(ticket.finished_at) if ticket.finished_at else None,
        "finish_result": ticket.finish_result, "finish_content": ticket.finish_content,
        "attachments": [{"id": a.id, "name": a.original_name, "size": a.size} for a in ticket.attachments],
        "periods": [{"id": p.id, "unit_id": p.unit_id, "unit": p.unit.name, "status": p.status,
                     "deadline": fmt(p.deadline) if p.deadline else None,
                     "signed_at": fmt(p.signed_at) if p.signed_at else None} for p in ticket.periods],
        "tasks": [{"id": t.id, "unit_id": t.unit_id, "unit": t.unit.name, "role": t.role, "status": t.status,
                   "text": t.text, "deadline": fmt(t.deadline) if t.deadline else None,
                   "parent_task_id": t.parent_task_id, "assigner_unit_id": t.assigner_unit_id,
                   "signed_at": fmt(t.signed_at) if t.signed_at else None} for t in ticket.tasks],
        "applications": [{"id": a.id, "kind": a.kind, "status": a.status, "applicant_unit_id": a.applicant_unit_id,
                          "reviewer_unit_id": a.reviewer_unit_id, "opinion": a.opinion} for a in ticket.applications],
        "whistles": [],
        "supervisions": [supervision_dict(s) for s in ticket.supervisions],
        "feedbacks": [{"id": f.id, "task_id": f.task_id, "unit_id": f.unit_id, "content": f.content,
                       "at": fmt(f.at)} for f in ticket.feedbacks],
        "callbacks": [{"method": c.method, "content": c.content, "satisfaction": c.satisfaction, "at": fmt(c.at)}
                      for c in ticket.callbacks],
        "timeline": [{"at": fmt(e.at), "level": e.level, "unit": e.unit_name, "user": e.user_name,
                      "action": e.action, "detail": e.detail or "—", "text": e.text} for e in ticket.timeline],
        "allowed_actions": api_action_names(allowed_actions(ticket, user)),
    }
