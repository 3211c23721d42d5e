"""Ticket pages: 问题上报-巡查上报, 工作台账, 市县台账, 审核中心, 督办管理, the detail dialog and one
form per action.  Every change goes through ``app.workflow.services`` (the API's code path);
these views only choose lists, render forms and show the services' messages."""
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from app.api.attachments import UploadRefused, save_upload
from app.extensions import db
from app.models.dictionary import EventCategory
from app.models.org import Unit, UnitKind
from app.models.ticket import Application, OwnerPeriod, Supervision, Task, Ticket
from app.security.scope import current_scope
from app.services.workbench import due_soon_condition, overdue_condition
from app.workflow import services
from app.workflow.errors import WorkflowError
from app.workflow.serialize import APP_STATUS_LABELS, ticket_dict
from app.workflow.status import overdue, status_words, ticket_deadline
from app.workflow.table import ACTIONS, STATE_LABELS

PAGE_SIZE = 20
OPEN, PENDING = ("open",), ("pending_sign",)
ENDED_PERIOD = ("finished", "escalated", "transferred", "pushed")
ENDED_TASK = ("completed", "returned", "transferred", "revoked")


def _holding(unit_id, period_states, task_states):
    """Tickets where my unit holds an owner period or a task in the given states."""
    return or_(
        exists().where(OwnerPeriod.ticket_id == Ticket.id, OwnerPeriod.unit_id == unit_id,
                       OwnerPeriod.status.in_(period_states)),
        exists().where(Task.ticket_id == Ticket.id, Task.unit_id == unit_id, Task.status.in_(task_states)))


# board → (title, condition(user)); 市县台账 boards are the same lists for county and city units
BOARDS = {
    "patrol": ("我的巡查", lambda u: Ticket.reporter_unit_id == u.unit_id),
    "pending": ("我的待签收", lambda u: _holding(u.unit_id, PENDING, PENDING)),
    "todo": ("我的待办", lambda u: _holding(u.unit_id, OPEN, OPEN)),
    "done": ("我的已办", lambda u: or_(_holding(u.unit_id, ENDED_PERIOD, ENDED_TASK),
                                    Ticket.finished_unit_id == u.unit_id)),
    "triage": ("问题研判-工单流转", lambda u: _holding(u.unit_id, PENDING, PENDING)),
    "ledger_todo": ("待办台账", lambda u: _holding(u.unit_id, OPEN, OPEN)),
    "ledger_done": ("已办台账", lambda u: or_(_holding(u.unit_id, ENDED_PERIOD, ENDED_TASK),
                                          Ticket.finished_unit_id == u.unit_id)),
}
BOARDS["overdue"] = ("已超期", lambda u: overdue_condition(u.unit_id))
BOARDS["due_soon"] = ("即将超期", lambda u: due_soon_condition(u.unit_id))
APP_KINDS = {"escalation": "提级上报", "completion": "办结申请", "extension": "延期申请", "return": "退回申请"}

# action → form fields (name, label, widget, required, options); names are the API's body names
FORMS = {
    "finish": [("content", "处置内容", "textarea", True, None), ("result", "办结结果", "textarea", True, None)],
    "escalate": [("target", "提级上报去向", "select", True,
                  [("upper", "上级辖区"), ("department", "县直职能部门"), ("12345", "推送12345平台")]),
                 ("reason", "提级意见/原因", "textarea", True, None),
                 ("unit_id", "县直职能部门（去向为县直职能部门时必选）", "units:county_dept", False, None),
                 ("task", "主办单位任务（去向为县直职能部门时必填）", "textarea", False, None)],
    "sign": [("convert", "签收方式", "select", False,
              [("", "签收"), ("emergency", "签收并转应急事件"), ("difficult", "签收并转疑难事件")])],
    "transfer": [("unit_id", "转办单位", "units:peer", True, None), ("reason", "转办原因", "textarea", False, None)],
    "open_ledger": [("days", "期限天数", "number", True, None),
                    ("unit_type", "单位类型", "select", True, [("department", "职能部门"), ("jurisdiction", "行政区划")]),
                    ("lead_unit_id", "主办单位", "units:below", True, None),
                    ("lead_task", "主办单位任务", "textarea", True, None),
                    ("co_unit_ids", "协办单位", "units_multi:below", False, None)],
    "assign": [("unit_id", "交办单位（已建立台账时无需填写）", "units:below", False, None),
               ("task", "任务", "textarea", False, None), ("days", "期限天数", "number", False, None)],
    "feedback": [("content", "反馈内容", "textarea", True, None), ("attachments", "附件", "files", False, None)],
    "apply_completion": [("content", "处理内容", "textarea", True, None), ("result", "办结结果", "textarea", True, None)],
    "apply_extension": [("days", "申请延期天数", "number", True, None), ("reason", "申请原因", "textarea", True, None)],
    "apply_return": [("reason", "退回原因", "textarea", True, None)],
    "supervise": [("reason", "督办事由", "textarea", True, None), ("requirement", "督办要求", "textarea", True, None),
                  ("days", "督办时限（天）", "number", True, None), ("task_id", "督办对象", "tasks", False, None)],
    "callback": [("method", "回访方式", "select", True, [(v, v) for v in ("电话", "上门", "线上", "其他")]),
                 ("content", "回访内容", "textarea", True, None),
                 ("satisfaction", "满意度", "select", True,
                  [("5", "非常满意"), ("4", "满意"), ("3", "一般"), ("2", "不满意"), ("1", "非常不满意")])],
    "acknowledge": [],
    "delete": [],
}
REPORT_FIELDS = [("title", "事件标题", "text", True, None), ("category_id", "事件类型", "categories", True, None),
                 ("urgency", "紧急程度", "select", True, [(v, v) for v in ("一般", "紧急", "重大")]),
                 ("address", "事件发生地址详述", "text", True, None), ("description", "事件描述", "textarea", True, None),
                 ("party_name", "事件当事人名称", "text", True, None),
                 ("party_phone", "事件当事人联系电话", "text", True, None),
                 ("longitude", "经度", "text", False, None), ("latitude", "纬度", "text", False, None),
                 ("attachments", "附件", "files", False, None)]
FORMS["edit"] = REPORT_FIELDS
ROW_ACTIONS_HIDDEN = {"edit", "delete"}        # shown on 我的巡查 and the detail page only


def _unit_options(kind_spec):
    """Choices for unit pickers, relative to the current user's unit."""
    me = g.user.unit
    stmt = select(Unit.id, Unit.full_name).where(Unit.enabled.is_(True))
    if kind_spec == "peer":
        stmt = stmt.where(Unit.parent_id == me.parent_id, Unit.kind == me.kind, Unit.id != me.id)
    elif kind_spec == "county_dept":
        county = me
        while county is not None and county.kind != UnitKind.COUNTY.value:
            county = county.parent
        stmt = stmt.where(Unit.kind == UnitKind.COUNTY_DEPT.value, Unit.parent_id == (county.id if county else -1))
    else:   # below: lower jurisdictions and the departments of my county or city
        stmt = stmt.where(Unit.parent_id == me.id)
    return [(str(uid), name) for uid, name in db.session.execute(stmt.order_by(Unit.path))]


def _field_options(widget, ticket=None):
    if widget.startswith("units"):
        return _unit_options(widget.split(":", 1)[1])
    if widget == "categories":
        rows = db.session.execute(select(EventCategory.id, EventCategory.full_name)
                                  .where(EventCategory.level == 3, EventCategory.enabled.is_(True))
                                  .order_by(EventCategory.full_name))
        return [(str(i), n) for i, n in rows]
    if widget == "tasks" and ticket is not None:
        return [("", "主办单位")] + [(str(t.id), f"{t.unit.name}（{t.text[:20]}）") for t in ticket.tasks
                                   if t.status in ("pending_sign", "open")]
    return []


def _form_input(fields):
    data = {}
    for name, _, widget, _, _ in fields:
        if widget == "files":
            continue
        if widget.startswith("units_multi"):
            data[name] = [v for v in request.form.getlist(name) if v]
        else:
            value = request.form.get(name, "").strip()
            if value != "" or widget in ("textarea", "text"):
                data[name] = value
    for key in list(data):
        if data[key] == "" and key in ("unit_id", "task_id", "convert", "days", "longitude", "latitude"):
            del data[key]
    return data


def _with_uploads(fields, values):
    """Store the files of the form's 附件 field (the API's checks) and reference them by id."""
    if not any(f[2] == "files" for f in fields):
        return values
    uploads = [f for f in request.files.getlist("attachments") if f and f.filename]
    if uploads:
        values["attachment_ids"] = [save_upload(f, g.user).id for f in uploads]
    return values


class TicketWorkView(BaseView):
    """The workflow pages over the services."""

    route_base = "/work"
    default_view = "board"
    class_permission_name = "TicketWork"
    method_permission_name = {"board": "list", "detail": "list", "act": "list", "report": "list",
                              "applications": "list", "review": "list", "supervisions": "list",
                              "supervision_act": "list"}

    # ------------------------------------------------------------------ lists
    @expose("/board/<name>")
    @expose("/")
    @has_access
    def board(self, name="todo"):
        if name not in BOARDS:
            abort(404)
        title, condition = BOARDS[name]
        user = g.user
        stmt = (select(Ticket).where(Ticket.scope_clause(current_scope()), condition(user))
                .options(selectinload(Ticket.periods), selectinload(Ticket.tasks)))
        keyword = (request.args.get("q") or "").strip()[:100]
        if keyword:
            stmt = stmt.where(or_(Ticket.title.contains(keyword, autoescape=True),
                                  Ticket.address.contains(keyword, autoescape=True)))
        if request.args.get("source"):
            stmt = stmt.where(Ticket.source == request.args["source"][:20])
        total = db.session.scalar(select(db.func.count()).select_from(stmt.order_by(None).subquery()))
        page = max(1, min(_int(request.args.get("page"), 1), max(1, -(-total // PAGE_SIZE))))
        tickets = db.session.scalars(stmt.order_by(Ticket.id.desc()).limit(PAGE_SIZE)
                                     .offset((page - 1) * PAGE_SIZE)).all()
        rows = []
        for t in tickets:
            allowed = [a for a in services.allowed_actions(t, user) if not ACTIONS[a].app_kind
                       and not a.startswith("supervision_") and (name == "patrol" or a not in ROW_ACTIONS_HIDDEN)]
            rows.append({"t": t, "words": status_words(t, user.unit_id), "deadline": ticket_deadline(t, user.unit_id),
                         "overdue": overdue(t, user.unit_id), "actions": [(a, ACTIONS[a].label) for a in allowed]})
        return self.render_template("tickets/board.html", title=title, name=name, rows=rows, total=total,
                                    page=page, pages=max(1, -(-total // PAGE_SIZE)), keyword=keyword)

    # ------------------------------------------------------------------ detail
    @expose("/ticket/<int:ticket_id>")
    @has_access
    def detail(self, ticket_id):
        ticket = self._ticket(ticket_id)
        data = ticket_dict(ticket, g.user)
        allowed = [(a, ACTIONS[a].label) for a in services.allowed_actions(ticket, g.user)
                   if not ACTIONS[a].app_kind and not a.startswith("supervision_")]
        return self.render_template("tickets/detail.html", title=ticket.title, t=data, actions=allowed,
                                    state_labels=STATE_LABELS)

    # ------------------------------------------------------------------ report and actions
    @expose("/report", methods=["GET", "POST"])
    @has_access
    def report(self):
        errors, values = {}, {}
        if request.method == "POST":
            values = _form_input(REPORT_FIELDS)
            try:
                ticket = services.report(g.user, **_with_uploads(REPORT_FIELDS, values))
                flash("上报成功", "success")
                return redirect(url_for("TicketWorkView.detail", ticket_id=ticket.id))
            except (WorkflowError, UploadRefused) as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                errors = getattr(exc, "errors", None) or {}
        return self._render_form("巡查上报 新增", REPORT_FIELDS, values, errors, None,
                                 url_for("TicketWorkView.report"))

    @expose("/ticket/<int:ticket_id>/<action>", methods=["GET", "POST"])
    @has_access
    def act(self, ticket_id, action):
        if action not in FORMS:
            abort(404)
        ticket = self._ticket(ticket_id)
        fields = FORMS[action]
        values = {f[0]: getattr(ticket, f[0], "") for f in fields} if action == "edit" else {}
        errors = {}
        if request.method == "POST":
            values = _form_input(fields)
            try:
                services.SERVICES[action](g.user, ticket_id, version=_int(request.form.get("version"), None),
                                          **_with_uploads(fields, values))
                flash(f"{ACTIONS[action].label}成功", "success")
                if action == "delete":
                    return redirect(url_for("TicketWorkView.board", name="patrol"))
                return redirect(url_for("TicketWorkView.detail", ticket_id=ticket_id))
            except (WorkflowError, UploadRefused) as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                errors = getattr(exc, "errors", None) or {}
                ticket = self._ticket(ticket_id)
        return self._render_form(f"{ACTIONS[action].label} — {ticket.title}", fields, values, errors, ticket,
                                 url_for("TicketWorkView.act", ticket_id=ticket_id, action=action))

    # ------------------------------------------------------------------ 审核中心
    @expose("/applications/<kind>/<side>")
    @has_access
    def applications(self, kind, side):
        if (kind not in APP_KINDS and kind != "all") or side not in ("review", "mine"):
            abort(404)
        column = Application.reviewer_unit_id if side == "review" else Application.applicant_unit_id
        stmt = select(Application).where(column == g.user.unit_id, Application.scope_clause(current_scope()))
        if kind == "all":      # the workbench's 待审核: every kind still waiting for my unit
            stmt = stmt.where(Application.status == "pending")
        else:
            stmt = stmt.where(Application.kind == kind)
        apps = db.session.scalars(stmt.order_by(Application.id.desc()).limit(200)).all()
        name = "全部待审核" if kind == "all" else APP_KINDS[kind]
        title = f"审核中心 — {name} — {'我的审核' if side == 'review' else '我的上报' if kind == 'escalation' else '我的申请'}"
        return self.render_template("tickets/applications.html", title=title, apps=apps, kind=kind, side=side,
                                    kinds=APP_KINDS, labels=APP_STATUS_LABELS)

    @expose("/application/<int:app_id>/review", methods=["GET", "POST"])
    @has_access
    def review(self, app_id):
        app = db.session.scalar(select(Application).where(Application.id == app_id,
                                                          Application.scope_clause(current_scope())))
        if app is None:
            abort(404)
        if request.method == "POST":
            try:
                services.review_application(g.user, app_id, version=_int(request.form.get("version"), None),
                                            approve=request.form.get("approve") == "1",
                                            opinion=request.form.get("opinion", "").strip())
                flash("审核完成", "success")
                return redirect(url_for("TicketWorkView.applications", kind=app.kind, side="review"))
            except WorkflowError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return self.render_template("tickets/review.html", title=f"{APP_KINDS[app.kind]}审核", app=app,
                                    version=app.ticket.version)

    # ------------------------------------------------------------------ 督办管理
    @expose("/supervisions/<side>")
    @has_access
    def supervisions(self, side):
        if side not in ("mine", "me"):
            abort(404)
        column = Supervision.supervisor_unit_id if side == "mine" else Supervision.target_unit_id
        stmt = select(Supervision).where(column == g.user.unit_id, Supervision.scope_clause(current_scope()))
        if request.args.get("open"):       # the workbench's 督办我的: not yet answered
            stmt = stmt.where(Supervision.status != "已反馈")
        sups = db.session.scalars(stmt.order_by(Supervision.id.desc()).limit(200)).all()
        return self.render_template("tickets/supervisions.html", title="我的督办" if side == "mine" else "督办我的",
                                    sups=sups, side=side)

    @expose("/supervision/<int:sup_id>/<action>", methods=["POST"])
    @has_access
    def supervision_act(self, sup_id, action):
        messages = {"sign": "督办签收成功", "feedback": "督办反馈成功", "opinion": "督办意见已保存"}
        if action not in messages:
            abort(404)
        body = {key: request.form.get(key, "").strip() for key in ("content", "opinion") if key in request.form}
        try:
            services.supervision_action(g.user, sup_id, action, **body)
            flash(messages[action], "success")
        except WorkflowError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(url_for("TicketWorkView.supervisions", side="mine" if action == "opinion" else "me"))

    # ------------------------------------------------------------------ helpers
    def _ticket(self, ticket_id):
        ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id,
                                                        Ticket.scope_clause(current_scope())))
        if ticket is None:
            abort(404)
        return ticket

    def _render_form(self, title, fields, values, errors, ticket, action_url):
        rendered = []
        for name, label, widget, required, options in fields:
            opts = options if options is not None else _field_options(widget, ticket)
            rendered.append({"name": name, "label": label, "widget": widget, "required": required,
                             "options": opts, "value": values.get(name, ""), "errors": errors.get(name, [])})
        return self.render_template("tickets/form.html", title=title, fields=rendered, action_url=action_url,
                                    version=ticket.version if ticket is not None else "", ticket=ticket)


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


MENUS = [
    # (menu name, href, category, roles)
    ("巡查上报", "/work/board/patrol", "问题上报", "grid"),
    ("我的待签收", "/work/board/pending", "工作台账", "work"),
    ("我的待办", "/work/board/todo", "工作台账", "work"),
    ("我的已办", "/work/board/done", "工作台账", "work"),
    ("问题研判-工单流转", "/work/board/triage", "市县台账", "county"),
    ("待办台账", "/work/board/ledger_todo", "市县台账", "county"),
    ("已办台账", "/work/board/ledger_done", "市县台账", "county"),
    ("提级上报审核", "/work/applications/escalation/review", "审核中心", "review"),
    ("办结申请审核", "/work/applications/completion/review", "审核中心", "review"),
    ("延期申请审核", "/work/applications/extension/review", "审核中心", "review"),
    ("退回申请审核", "/work/applications/return/review", "审核中心", "review"),
    ("我的督办", "/work/supervisions/mine", "督办管理", "supervise"),
    ("督办我的", "/work/supervisions/me", "督办管理", "supervise"),
]


def register_ticket_pages(appbuilder):
    """The workflow menus of the manual, and the shipped roles' default access to them."""
    from app.security.roles import (DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD,
                                    extend_role_permissions)

    from app.views.statistics import StatisticsView

    appbuilder.add_view_no_menu(TicketWorkView)
    for name, href, category, _ in MENUS:
        appbuilder.add_link(name, href=href, label=name, category=category)
    appbuilder.add_view(StatisticsView, "统计分析", href="/statistics/", label="统计分析", category="市县台账")
    groups = {"grid": {GRID_MEMBER}, "work": {GRID_MEMBER, HANDLER, DEPT_HANDLER, HEAD},
              "county": {HANDLER, HEAD}, "review": {GRID_LEADER, HEAD, HANDLER},
              "supervise": {HANDLER, DEPT_HANDLER, HEAD}}
    for role in (GRID_MEMBER, GRID_LEADER, HANDLER, HEAD, DEPT_HANDLER):
        menus = [m for m in MENUS if role in groups[m[3]]]
        names = "|".join([m[0] for m in menus] + sorted({m[2] for m in menus}))
        extend_role_permissions(role, [(r"can_list", r"TicketWork"), (r"menu_access", f"({names})")])
    for role in (HANDLER, HEAD):
        extend_role_permissions(role, [(r"can_list", r"Statistics"), (r"menu_access", r"统计分析")])
