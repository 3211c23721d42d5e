"""Ticket pages: 问题上报-巡查上报, 工作台账, 市县台账, 审核中心, 督办管理, the detail dialog and one
form per action.  Every change goes through ``app.workflow.services`` (the API's code path);
these views only choose lists, render forms and show the services' messages."""
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import and_, or_, select, union_all
from sqlalchemy.orm import selectinload

from app.api.attachments import UploadRefused, save_upload
from app.security.limits import too_large_error
from app.extensions import db
from app.models.base import now
from app.models.dictionary import EventCategory
from app.models.org import Unit, UnitKind
from app.models.platform_item import PlatformItem
from app.models.ticket import Application, OwnerPeriod, Supervision, Task, Ticket
from app.models.whistle import Whistle
from app.security.scope import current_scope, scope_clause
from app.services.deadlines import load_calendar
from app.services.paging import page_rows
from app.services.workbench import due_soon_condition, overdue_condition
from app.workflow import services
from app.workflow.errors import WorkflowError
from app.workflow import intake
from app.workflow.intake import ONE_CLICK_SOURCE, emergency_event_of
from app.workflow.serialize import APP_STATUS_LABELS, ticket_dict
from app.workflow.status import status_words, ticket_deadline, ticket_light
from app.workflow.table import ACTIONS, STATE_LABELS

PAGE_SIZE = 20
OPEN, PENDING = ("open",), ("pending_sign",)
ENDED_PERIOD = ("finished", "escalated", "transferred", "pushed")
ENDED_TASK = ("completed", "returned", "transferred", "revoked")


def _holding(unit_id, period_states, task_states, or_finished=False):
    """Tickets where my unit holds an owner period or a task in the given states (or, with
    ``or_finished``, finished the ticket).

    One uncorrelated ``IN`` over all of them: the database reads my unit's ids from the (unit,
    status, ticket) indexes once and joins them to the tickets, instead of probing every ticket
    of the city (correlated EXISTS took minutes at city scale on SQLite; an OR beside the IN
    made it scan every ticket)."""
    parts = [select(OwnerPeriod.ticket_id).where(OwnerPeriod.unit_id == unit_id, OwnerPeriod.status.in_(period_states)),
             select(Task.ticket_id).where(Task.unit_id == unit_id, Task.status.in_(task_states))]
    if or_finished:
        parts.append(select(Ticket.id).where(Ticket.finished_unit_id == unit_id))
    return Ticket.id.in_(union_all(*parts))


def _difficult():
    return or_(Ticket.source == "平台疑难", and_(Ticket.converted.is_not(None), Ticket.converted == "difficult"))


def _own_tab():
    """Tickets 问题研判 lists in the 一键直报 or 平台疑难 tab instead of 工单流转."""
    return or_(Ticket.source == ONE_CLICK_SOURCE, _difficult())


# board → (title, condition(user)); 市县台账 boards are the same lists for county and city units
BOARDS = {
    "patrol": ("我的巡查", lambda u: Ticket.reporter_unit_id == u.unit_id),
    "pending": ("我的待签收", lambda u: _holding(u.unit_id, PENDING, PENDING)),
    "todo": ("我的待办", lambda u: _holding(u.unit_id, OPEN, OPEN)),
    "done": ("我的已办", lambda u: _holding(u.unit_id, ENDED_PERIOD, ENDED_TASK, or_finished=True)),
    "triage": ("问题研判-工单流转", lambda u: and_(_holding(u.unit_id, PENDING, PENDING), ~_own_tab())),
    # 问题研判's other tabs: one-click incidents pending sign; 平台疑难 (items below, their tickets here)
    "one_click": ("问题研判-一键直报", lambda u: and_(_holding(u.unit_id, PENDING, PENDING),
                                                 Ticket.source == ONE_CLICK_SOURCE)),
    "difficult": ("问题研判-平台疑难", lambda u: and_(_holding(u.unit_id, PENDING + OPEN, PENDING + OPEN),
                                                 _difficult())),
    "ledger_todo": ("待办台账", lambda u: _holding(u.unit_id, OPEN, OPEN)),
    "ledger_done": ("已办台账", lambda u: _holding(u.unit_id, ENDED_PERIOD, ENDED_TASK, or_finished=True)),
}
BOARDS["overdue"] = ("已超期", lambda u: overdue_condition(u.unit_id))
BOARDS["due_soon"] = ("即将超期", lambda u: due_soon_condition(u.unit_id))


def board_condition(name, user, scope):
    """The rows of board ``name`` for ``user`` inside ``scope``.

    Every board lists tickets the user's unit reported, holds or held (a period or task) or
    finished, and such a ticket lies inside any scope that covers that unit (the ticket scope
    counts reporting, holding and finishing units).  Then the data-scope test is implied and
    left out: it costs an EXISTS per row, ~90 ms on a county's 12,000 done tickets.  A scope
    that does not cover the own unit (仅本人, custom territories) is applied as always."""
    condition = BOARDS[name][1](user)
    return condition if scope.covers(user.unit) else and_(Ticket.scope_clause(scope), condition)
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
                  ("days", "督办时限（工作日）", "number", True, None), ("task_id", "督办对象", "tasks", False, None)],
    "callback": [("method", "回访方式", "select", True, [(v, v) for v in ("电话", "上门", "线上", "其他")]),
                 ("content", "回访内容", "textarea", True, None),
                 ("satisfaction", "满意度", "select", True,
                  [("5", "非常满意"), ("4", "满意"), ("3", "一般"), ("2", "不满意"), ("1", "非常不满意")])],
    "acknowledge": [],
    "delete": [],
    # 街乡吹哨 (§1.3.6–1.3.9): the form opens prefilled from the ticket (PREFILLED)
    "whistle": [("title", "问题标题", "text", True, None), ("description", "问题详细描述", "textarea", True, None),
                ("address", "事发地点", "text", True, None), ("longitude", "经度", "text", False, None),
                ("latitude", "纬度", "text", False, None),
                ("urgency", "紧急程度", "select", True, [(v, v) for v in ("一般", "紧急", "重大")]),
                ("unit_ids", "期望报到部门", "units_multi:whistle", True, None),
                ("multi_dept", "是否多部门协同", "bool", True, [("1", "是"), ("0", "否")]),
                ("response_hours", "响应时限（小时）", "number", True, None)],
    "whistle_checkin": [],
    "whistle_feedback": [("content", "反馈内容", "textarea", True, None), ("attachments", "附件", "files", False, None)],
    "close_whistle": [],
}
REPORT_FIELDS = [("title", "事件标题", "text", True, None), ("category_id", "事件类型", "categories", True, None),
                 ("urgency", "紧急程度", "select", True, [(v, v) for v in ("一般", "紧急", "重大")]),
                 ("address", "事件发生地址详述", "text", True, None), ("description", "事件描述", "textarea", True, None),
                 ("party_name", "事件当事人名称", "text", True, None),
                 ("party_phone", "事件当事人联系电话", "text", True, None),
                 ("longitude", "经度", "text", False, None), ("latitude", "纬度", "text", False, None),
                 ("attachments", "附件", "files", False, None)]
FORMS["edit"] = REPORT_FIELDS
# 一键上报 (§三), 一键直报, 部门上报 (§四), 平台疑难 签收 with its 研判 (§五)
FORMS["one_click_up"] = [("reason", "直报原因", "textarea", False, None)]
URGENCY_OPTIONS = [(v, v) for v in ("一般", "紧急", "重大")]
CREATE_FORMS = {
    "one_click_report": [
        ("title", "事件标题", "text", True, None), ("category_id", "问题(事项)类型", "categories", True, None),
        ("urgency", "紧急程度", "select", True, [("重大", "重大"), ("紧急", "紧急"), ("一般", "一般")]),
        ("occurred_at", "事发时间（YYYY-MM-DD HH:MM，默认现在）", "text", False, None),
        ("address", "事发地点详述", "text", True, None), ("description", "事件描述", "textarea", True, None),
        ("reporter_phone", "上报人电话", "text", False, None),
        ("longitude", "经度", "text", False, None), ("latitude", "纬度", "text", False, None),
        ("attachments", "附件", "files", False, None)],
    "department_report": [
        ("title", "事件标题", "text", True, None), ("category_id", "问题类型", "categories", True, None),
        ("urgency", "紧急程度", "select", True, URGENCY_OPTIONS),
        ("address", "事件发生地址详述", "text", True, None), ("description", "事件描述", "textarea", True, None),
        ("longitude", "经度", "text", False, None), ("latitude", "纬度", "text", False, None),
        ("attachments", "附件", "files", False, None)],
}
PLATFORM_SIGN_FIELDS = [
    ("category_id", "问题(事项)类型", "categories", True, None),
    ("county", "事发涉及县", "text", False, None), ("town", "事发涉及镇/街道", "text", False, None),
    ("village", "事发涉及村/社区", "text", False, None),
    ("longitude", "经度", "text", False, None), ("latitude", "纬度", "text", False, None),
    ("judgement", "研判结果", "textarea", True, None),
    ("judged_at", "研判时间（YYYY-MM-DD HH:MM，默认现在）", "text", False, None),
    ("urgency", "紧急程度", "select", True, URGENCY_OPTIONS)]
PLATFORM_ITEM_SUMMARY = [("platform", "来源"), ("title", "事件标题"), ("description", "事件描述"),
                         ("difficulty_reason", "疑难原因说明"), ("process_detail", "原平台处理过程详述"),
                         ("item_type", "问题(事项)类型（原平台）"), ("address", "事件发生地"), ("occurred_at", "事发时间")]
PREFILLED = {"edit", "whistle"}                # forms that open with the ticket's own values
ROW_ACTIONS_HIDDEN = {"edit", "delete"}        # shown on 我的巡查 and the detail page only


def _unit_options(kind_spec):
    """Choices for unit pickers, relative to the current user's unit."""
    me = g.user.unit
    stmt = select(Unit.id, Unit.full_name).where(Unit.enabled.is_(True))
    if kind_spec == "peer":
        stmt = stmt.where(Unit.parent_id == me.parent_id, Unit.kind == me.kind, Unit.id != me.id)
    elif kind_spec == "whistle":     # 期望报到部门: my communities and my county's departments
        stmt = stmt.where(or_(Unit.parent_id == me.id, (Unit.parent_id == me.parent_id)
                              & (Unit.kind == UnitKind.COUNTY_DEPT.value)))
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
            data[name] = [int(v) if v.isdigit() else v for v in request.form.getlist(name) if v]
        elif widget == "bool":
            value = request.form.get(name, "")
            data[name] = {"1": True, "0": False}.get(value, value or None)
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
    try:
        if uploads:
            values["attachment_ids"] = [save_upload(f, g.user).id for f in uploads]
    except UploadRefused as exc:
        if exc.status == 413:        # the answer of every upload path: status 413, Chinese message
            raise too_large_error(exc.message)
        raise
    return values


class TicketWorkView(BaseView):
    """The workflow pages over the services."""

    route_base = "/work"
    default_view = "board"
    class_permission_name = "TicketWork"
    method_permission_name = {"board": "list", "detail": "list", "act": "list", "report": "list",
                              "create": "list", "platform_sign": "list",
                              "applications": "list", "review": "list", "supervisions": "list",
                              "supervision_act": "list"}

    # ------------------------------------------------------------------ lists
    @expose("/board/<name>")
    @expose("/")
    @has_access
    def board(self, name="todo"):
        if name not in BOARDS:
            abort(404)
        title = BOARDS[name][0]
        user = g.user
        stmt = select(Ticket).where(board_condition(name, user, current_scope()))
        # what the status words and the allowed actions read: one query each, not per row
        loads = (selectinload(Ticket.periods), selectinload(Ticket.tasks), selectinload(Ticket.applications),
                 selectinload(Ticket.ledgers), selectinload(Ticket.supervisions), selectinload(Ticket.callbacks),
                 selectinload(Ticket.whistles).selectinload(Whistle.checkins))
        keyword = (request.args.get("q") or "").strip()[:100]
        if keyword:
            stmt = stmt.where(or_(Ticket.title.contains(keyword, autoescape=True),
                                  Ticket.address.contains(keyword, autoescape=True)))
        if request.args.get("source"):
            stmt = stmt.where(Ticket.source == request.args["source"][:20])
        tickets, total, page = page_rows(stmt, Ticket.id, _int(request.args.get("page"), 1), PAGE_SIZE, loads)
        rows, cal, at = [], load_calendar(), now()
        for t in tickets:
            allowed = [a for a in services.allowed_actions(t, user) if not ACTIONS[a].app_kind
                       and not a.startswith("supervision_") and (name == "patrol" or a not in ROW_ACTIONS_HIDDEN)]
            rows.append({"t": t, "words": status_words(t, user.unit_id), "deadline": ticket_deadline(t, user.unit_id),
                         "light": ticket_light(t, user.unit_id, at, cal),
                         "actions": [(a, ACTIONS[a].label) for a in allowed]})
        return self.render_template("tickets/board.html", title=title, name=name, rows=rows, total=total,
                                    page=page, pages=max(1, -(-total // PAGE_SIZE)), keyword=keyword,
                                    items=_unsigned_items() if name == "difficult" else None)

    # ------------------------------------------------------------------ detail
    @expose("/ticket/<int:ticket_id>")
    @has_access
    def detail(self, ticket_id):
        ticket = self._ticket(ticket_id)
        data = ticket_dict(ticket, g.user)
        allowed = [(a, ACTIONS[a].label) for a in services.allowed_actions(ticket, g.user)
                   if not ACTIONS[a].app_kind and not a.startswith("supervision_")]
        return self.render_template("tickets/detail.html", title=ticket.title, t=data, actions=allowed,
                                    state_labels=STATE_LABELS, emergency_event=emergency_event_of(ticket.id))

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
        values = {f[0]: getattr(ticket, f[0], "") for f in fields} if action in PREFILLED else {}
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
        summary, links = _ledger_extras(ticket) if action == "open_ledger" else ([], [])
        return self._render_form(f"{ACTIONS[action].label} — {ticket.title}", fields, values, errors, ticket,
                                 url_for("TicketWorkView.act", ticket_id=ticket_id, action=action),
                                 summary=summary, links=links)

    # ------------------------------------------------------------------ 一键上报, 部门上报, 平台疑难 签收
    @expose("/new/<action>", methods=["GET", "POST"])
    @has_access
    def create(self, action):
        """一键上报 / 部门上报: the new ticket's form; the service decides who may."""
        if action not in CREATE_FORMS:
            abort(404)
        fields, errors, values = CREATE_FORMS[action], {}, {}
        if request.method == "POST":
            values = _form_input(fields)
            try:
                ticket = services.SERVICES[action](g.user, **_with_uploads(fields, values))
                flash(f"{ACTIONS[action].label}成功", "success")
                return redirect(url_for("TicketWorkView.detail", ticket_id=ticket.id))
            except (WorkflowError, UploadRefused) as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                errors = getattr(exc, "errors", None) or {}
        return self._render_form(ACTIONS[action].label, fields, values, errors, None,
                                 url_for("TicketWorkView.create", action=action))

    @expose("/platform-item/<int:item_id>/sign", methods=["GET", "POST"])
    @has_access
    def platform_sign(self, item_id):
        """平台疑难 签收: the item as sent, and the city's 研判."""
        try:
            item = intake.load_platform_item(g.user, item_id)
        except WorkflowError:
            abort(404)
        fields, errors = PLATFORM_SIGN_FIELDS, {}
        values = {key: getattr(item, key) for key in ("county", "town", "village", "longitude", "latitude")}
        if request.method == "POST":
            values = _form_input(fields)
            try:
                ticket = services.SERVICES["sign_platform_item"](g.user, item_id, **values)
                flash("签收成功", "success")
                return redirect(url_for("TicketWorkView.detail", ticket_id=ticket.id))
            except WorkflowError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                errors = exc.errors
                item = intake.load_platform_item(g.user, item_id)
        summary = [(label, getattr(item, key)) for key, label in PLATFORM_ITEM_SUMMARY]
        return self._render_form(f"平台疑难签收 — {item.title}", fields, values, errors, None,
                                 url_for("TicketWorkView.platform_sign", item_id=item_id), summary=summary)

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
        apps = db.session.scalars(stmt.order_by(Application.id.desc()).limit(200).options(
            selectinload(Application.ticket), selectinload(Application.applicant_unit),
            selectinload(Application.applicant), selectinload(Application.reviewer_unit))).all()
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
        sups = db.session.scalars(stmt.order_by(Supervision.id.desc()).limit(200).options(
            selectinload(Supervision.ticket), selectinload(Supervision.supervisor_unit),
            selectinload(Supervision.target_unit))).all()
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

    def _render_form(self, title, fields, values, errors, ticket, action_url, summary=(), links=()):
        """``summary``: (label, value) rows shown above the fields; ``links``: (text, address) beside them."""
        rendered = []
        for name, label, widget, required, options in fields:
            opts = options if options is not None else _field_options(widget, ticket)
            rendered.append({"name": name, "label": label, "widget": widget, "required": required,
                             "options": opts, "value": values.get(name, ""), "errors": errors.get(name, [])})
        return self.render_template("tickets/form.html", title=title, fields=rendered, action_url=action_url,
                                    version=ticket.version if ticket is not None else "", ticket=ticket,
                                    summary=summary, links=links)


def _unsigned_items():
    """平台疑难 items in my scope still waiting for the city's sign, newest first."""
    return db.session.scalars(select(PlatformItem).where(PlatformItem.signed_at.is_(None),
                                                         scope_clause(PlatformItem, current_scope()))
                              .order_by(PlatformItem.id.desc()).limit(100)).all()


def _ledger_extras(ticket):
    """The 建立台账 dialog of a 一键上报 incident: the incident, and the political-legal emergency platform."""
    if ticket.source != ONE_CLICK_SOURCE:
        return [], []
    summary = [("问题来源", ticket.source), ("事件类型", ticket.category.full_name if ticket.category else None),
               ("事件标题", ticket.title), ("事件发生地址详述", ticket.address), ("事件描述", ticket.description),
               ("紧急程度", ticket.urgency),
               ("经纬度", f"{ticket.longitude}, {ticket.latitude}" if ticket.longitude is not None else "暂无")]
    return summary, [("去政法委应急平台", current_app.config.get("EMERGENCY_PLATFORM_URL") or "#")]


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


MENUS = [
    # (menu name, href, category, roles)
    ("巡查上报", "/work/board/patrol", "问题上报", "grid"),
    ("一键上报", "/work/new/one_click_report", "问题上报", "one_click"),
    ("部门上报", "/work/new/department_report", "问题上报", "department"),
    ("我的待签收", "/work/board/pending", "工作台账", "work"),
    ("我的待办", "/work/board/todo", "工作台账", "work"),
    ("我的已办", "/work/board/done", "工作台账", "work"),
    ("问题研判-工单流转", "/work/board/triage", "市县台账", "county"),
    ("问题研判-一键直报", "/work/board/one_click", "市县台账", "county"),
    ("问题研判-平台疑难", "/work/board/difficult", "市县台账", "county"),
    ("待办台账", "/work/board/ledger_todo", "市县台账", "county"),
    ("已办台账", "/work/board/ledger_done", "市县台账", "county"),
    ("提级上报审核", "/work/applications/escalation/review", "审核中心", "review"),
    ("办结申请审核", "/work/applications/completion/review", "审核中心", "review"),
    ("延期申请审核", "/work/applications/extension/review", "审核中心", "review"),
    ("退回申请审核", "/work/applications/return/review", "审核中心", "review"),
    ("我的督办", "/work/supervisions/mine", "督办管理", "supervise"),
    ("督办我的", "/work/supervisions/me", "督办管理", "supervise"),
    ("部门报到", "/work/dept/checkins", "部门事项", "checkin"),
    ("领导批示", "/work/dept/instructions", "部门事项", "county"),
]


def register_ticket_pages(appbuilder):
    """The workflow menus of the manual, and the shipped roles' default access to them."""
    from app.security.roles import (DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD,
                                    extend_role_permissions)

    from app.views.statistics import StatisticsView

    appbuilder.add_view_no_menu(TicketWorkView)
    from app.views.departments import DepartmentMattersView
    appbuilder.add_view_no_menu(DepartmentMattersView)
    for name, href, category, _ in MENUS:
        appbuilder.add_link(name, href=href, label=name, category=category)
    appbuilder.add_view(StatisticsView, "统计分析", href="/statistics/", label="统计分析", category="市县台账")
    groups = {"grid": {GRID_MEMBER}, "work": {GRID_MEMBER, HANDLER, DEPT_HANDLER, HEAD},
              "county": {HANDLER, HEAD}, "review": {GRID_LEADER, HEAD, HANDLER},
              "supervise": {HANDLER, DEPT_HANDLER, HEAD}, "checkin": {HANDLER, DEPT_HANDLER, HEAD},
              "one_click": {GRID_MEMBER, GRID_LEADER, HANDLER, HEAD}, "department": {DEPT_HANDLER}}
    for role in (GRID_MEMBER, GRID_LEADER, HANDLER, HEAD, DEPT_HANDLER):
        menus = [m for m in MENUS if role in groups[m[3]]]
        names = "|".join([m[0] for m in menus] + sorted({m[2] for m in menus}))
        extend_role_permissions(role, [(r"can_list", r"TicketWork"), (r"menu_access", f"({names})")])
    for role in (HANDLER, HEAD):
        extend_role_permissions(role, [(r"can_list", r"Statistics"), (r"menu_access", r"统计分析")])
