"""部门事项 pages: 部门报到 (the 街乡吹哨 my unit is called to, §1.3.7–1.3.8) and 领导批示 (the city's
instructions, §六).  Changes go through ``app.workflow.services`` like every other ticket page."""
from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.attachments import UploadRefused
from app.extensions import db
from app.models.org import UnitKind
from app.models.ticket import Ticket
from app.models.whistle import Whistle, WhistleCheckin
from app.security.scope import current_scope
from app.views.tickets import FORMS, REPORT_FIELDS, TicketWorkView, _form_input, _with_uploads
from app.workflow import services
from app.workflow.errors import WorkflowError
from app.workflow.status import status_words

LIST_LIMIT = 200
# 领导批示 新增: the ticket's fields (问题来源 is fixed) and the 交办 of its ledger
INSTRUCTION_FIELDS = REPORT_FIELDS + FORMS["open_ledger"]


class DepartmentMattersView(BaseView):
    """部门事项: 部门报到 and 领导批示."""

    route_base = "/work/dept"
    default_view = "checkins"
    class_permission_name = "TicketWork"
    method_permission_name = {"checkins": "list", "instructions": "list", "new_instruction": "list"}
    _render_form = TicketWorkView._render_form

    @expose("/checkins")
    @has_access
    def checkins(self):
        """部门报到: the whistles my unit is called to, open ones first, with 报到 and 反馈."""
        stmt = (select(WhistleCheckin).join(Whistle, Whistle.id == WhistleCheckin.whistle_id)
                .where(WhistleCheckin.unit_id == g.user.unit_id, WhistleCheckin.scope_clause(current_scope()))
                .options(selectinload(WhistleCheckin.whistle), selectinload(WhistleCheckin.feedbacks)))
        if request.args.get("open"):
            stmt = stmt.where(Whistle.status == "open")
        rows = db.session.scalars(stmt.order_by((Whistle.status == "open").desc(), WhistleCheckin.id.desc())
                                  .limit(LIST_LIMIT)).all()
        return self.render_template("tickets/checkins.html", title="部门事项-部门报到", rows=rows)

    @expose("/instructions")
    @has_access
    def instructions(self):
        """领导批示: the instructions my unit created, with their status words."""
        stmt = (select(Ticket).where(Ticket.source == "领导批示", Ticket.reporter_unit_id == g.user.unit_id,
                                     Ticket.scope_clause(current_scope()))
                .options(selectinload(Ticket.periods), selectinload(Ticket.tasks)))
        tickets = db.session.scalars(stmt.order_by(Ticket.id.desc()).limit(LIST_LIMIT)).all()
        rows = [{"t": t, "words": status_words(t, g.user.unit_id),
                 "lead": next((task for task in t.tasks if task.role == "lead" and task.parent_task_id is None), None)}
                for t in tickets]
        can_add = g.user.unit is not None and g.user.unit.kind == UnitKind.CITY.value
        return self.render_template("tickets/instructions.html", title="部门事项-领导批示", rows=rows,
                                    can_add=can_add)

    @expose("/instructions/new", methods=["GET", "POST"])
    @has_access
    def new_instruction(self):
        """添加领导批示: the ticket and its assignment in one form."""
        errors, values = {}, {}
        if request.method == "POST":
            values = _form_input(INSTRUCTION_FIELDS)
            try:
                ticket = services.leader_instruction(g.user, **_with_uploads(INSTRUCTION_FIELDS, values))
                flash("领导批示已添加并交办", "success")
                return redirect(url_for("TicketWorkView.detail", ticket_id=ticket.id))
            except (WorkflowError, UploadRefused) as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                errors = getattr(exc, "errors", None) or {}
        return self._render_form("添加领导批示（问题来源：领导批示）", INSTRUCTION_FIELDS, values, errors, None,
                                 url_for("DepartmentMattersView.new_instruction"))
