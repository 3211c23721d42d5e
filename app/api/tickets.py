"""``/api/v1/tickets/``: patrol reports, ticket detail and one endpoint per workflow action.

Thin: every endpoint calls ``app.workflow.services`` and maps ``WorkflowError`` to
``{"message", "errors"}`` with its HTTP status (api.md "Conventions")."""
import functools

from flask import current_app, g, request
from flask_wtf.csrf import validate_csrf
from marshmallow import fields
from wtforms.validators import ValidationError
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

import app.workflow.demo  # noqa: F401  (registers the demo tickets)
from app.api.base import PortalModelRestApi
from app.extensions import db
from app.models.ticket import Ticket
from app.security.interface import ScopedSQLAInterface
from app.security.roles import DEPT_HANDLER, GRID_LEADER, GRID_MEMBER, HANDLER, HEAD, SYS_ADMIN, \
    extend_role_permissions
from app.workflow import services
from app.workflow.errors import Invalid, WorkflowError
from app.models.base import now
from app.services.deadlines import load_calendar
from app.workflow.serialize import light_dict, ticket_dict
from app.workflow.status import ticket_light

# API action name → service name (api.md "POST /api/v1/tickets/{id}/{action}")
ACTION_SERVICES = {
    "sign": "sign", "finish": "finish", "acknowledge": "acknowledge", "escalate": "escalate",
    "transfer": "transfer", "ledger": "open_ledger", "assign": "assign", "feedback": "feedback",
    "apply-completion": "apply_completion", "apply-extension": "apply_extension", "apply-return": "apply_return",
    "supervise": "supervise", "callback": "callback", "one-click-up": "one_click_up",
    # 街乡吹哨: the township whistles and ends it; the called units check in and feed back
    "whistle": "whistle", "close-whistle": "close_whistle", "checkin": "whistle_checkin",
    "whistle-feedback": "whistle_feedback",
}

ERROR_RESPONSES = """
            400:
              description: 输入数据有误
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      errors:
                        type: object
            401:
              $ref: '#/components/responses/401'
            403:
              description: 无权执行该操作
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            404:
              description: 记录不存在或无权访问
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            409:
              description: 当前状态不允许或已被他人修改
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
"""


def with_errors(fn):
    """Append the shared error answers to an endpoint's OpenAPI docstring."""
    fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n" + ERROR_RESPONSES
    return fn


def newest_page(stmt, model, args):
    """(total, rows) of one page of ``stmt``, newest first, from rison ``page``/``page_size``."""
    count = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    size = args.get("page_size", 20)
    rows = db.session.scalars(stmt.order_by(model.id.desc()).offset(args.get("page", 0) * size).limit(size)).all()
    return count, rows


def actor():
    """The logged-in user as an ORM object (FAB puts JWT and session users on ``g.user``)."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        user = current_user
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def json_body(*bound):
    """The request's JSON object, or ``Invalid`` with a Chinese message.

    ``bound`` names the parameters the endpoint itself passes to the service (the id from the
    path …): a body may not set them, nor ``actor`` (else a TypeError, i.e. a 500)."""
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise Invalid("请求体必须是 JSON 对象")
    for key in ("actor",) + bound:
        data.pop(key, None)
    return data


def browser_csrf_ok():
    """A state-changing request authenticated by the session cookie (not a bearer token) must carry
    the page's CSRF token (``X-CSRFToken``): FAB exempts APIs from CSRF, browsers send cookies."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return True
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        return True
    except ValidationError:
        return False


def workflow_endpoint(fn):
    """Map workflow errors to their HTTP answers; roll back whatever is left."""
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        if not browser_csrf_ok():
            return self.response(400, message="页面已过期（CSRF 校验失败），请刷新后重试")
        try:
            return fn(self, *args, **kwargs)
        except WorkflowError as exc:
            db.session.rollback()
            return self.response(exc.http_status, **exc.to_dict())
    return wrapper


def ticket_response(api, ticket_id, status=200):
    ticket = services.load_ticket(actor(), ticket_id, lock=False)
    return api.response(status, **ticket_dict(ticket, actor()))


class TicketApi(PortalModelRestApi):
    """事件: list (data scope applied), detail, patrol report, edit, delete, workflow actions."""

    resource_name = "tickets"
    datamodel = ScopedSQLAInterface(Ticket)
    class_permission_name = "TicketApi"
    allow_browser_login = True
    include_route_methods = {"get_list", "get", "post", "put", "delete", "action", "leader_instruction",
                             "one_click", "department_report"}
    method_permission_name = {"get_list": "get", "get": "get", "post": "post", "put": "put", "delete": "delete",
                              "leader_instruction": "action", "one_click": "action", "department_report": "action",
                              "action": "action"}
    list_columns = ["id", "title", "source", "urgency", "state", "unit_id", "grid_id", "owner_unit_id",
                    "category_id", "address", "reported_at", "reporter_unit_id", "finished_at", "version"]
    show_columns = list_columns
    add_columns = ["title"]
    edit_columns = ["title"]
    search_columns = ["id", "title", "source", "urgency", "state", "unit_id", "owner_unit_id", "category_id",
                      "reported_at"]
    order_columns = ["id", "reported_at", "urgency", "state"]
    base_order = ("id", "desc")
    page_size = 20
    # the fields every way of reporting a ticket shares, referenced by each entry point's schema
    apispec_parameter_schemas = {"TicketFields": {
        "type": "object",
        "properties": {
            "title": {"type": "string"}, "description": {"type": "string"}, "address": {"type": "string"},
            "category_id": {"type": "integer"}, "urgency": {"type": "string", "enum": ["一般", "紧急", "重大"]},
            "longitude": {"type": "number"}, "latitude": {"type": "number"},
            "attachment_ids": {"type": "array", "items": {"type": "integer"}},
        },
    }}

    def _init_model_schemas(self):
        """FAB's list schema plus the ``light`` each row carries (see ``pre_get_list``)."""
        super()._init_model_schemas()
        generated = type(self.list_model_schema)

        class TicketListSchema(generated):
            light = fields.Dict(allow_none=True, dump_only=True,
                                metadata={"description": "红绿灯: color green/yellow/red, label, text, step, "
                                                         "deadline, reminders; null when nothing runs"})

            class Meta(generated.Meta):
                fields = tuple(generated.Meta.fields) + ("light",)

        self.list_model_schema = TicketListSchema()

    def pre_get_list(self, data):
        """Each listed ticket with the caller's traffic light (as in the detail's ``light``):
        the page's tickets with their periods and tasks in three queries, not per row."""
        ids = data.get("ids") or []
        rows = data.get("result") or []
        if not ids or len(ids) != len(rows):
            return
        user = actor()
        tickets = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)).options(
            selectinload(Ticket.periods), selectinload(Ticket.tasks)))}
        cal, at = load_calendar(), now()
        for pk, row in zip(ids, rows):
            ticket = tickets.get(pk)
            row["light"] = light_dict(ticket_light(ticket, user.unit_id, at, cal)) if ticket is not None else None

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @workflow_endpoint
    def get(self, pk, **kwargs):
        """One ticket with its derived status words, tasks, applications, timeline and allowed actions
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: 事件详情
              content:
                application/json:
                  schema:
                    type: object
            401:
              $ref: '#/components/responses/401'
            404:
              description: 记录不存在或无权访问
              content:
                application/json:
                  schema:
                    type: object
        """
        return ticket_response(self, pk)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    @workflow_endpoint
    @with_errors
    def post(self):
        """巡查上报: a grid member creates a patrol report
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  allOf:
                  - $ref: '#/components/schemas/TicketFields'
                  - type: object
                    properties:
                      party_name: {type: string}
                      party_phone: {type: string}
          responses:
            201:
              description: 新建的事件
              content:
                application/json:
                  schema:
                    type: object
        """
        ticket = services.report(actor(), **json_body())
        return ticket_response(self, ticket.id, 201)

    @expose("/leader-instruction", methods=["POST"])
    @protect()
    @safe
    @permission_name("action")
    @workflow_endpoint
    @with_errors
    def leader_instruction(self):
        """领导批示: the city creates a ticket and assigns it (主办单位, 主办单位任务, 协办单位, 期限天数)
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  allOf:
                  - $ref: '#/components/schemas/TicketFields'
                  - type: object
                    description: the 巡查上报 fields and the assignment below
                    properties:
                      party_name: {type: string}
                      party_phone: {type: string}
                      days: {type: integer, minimum: 1}
                      unit_type: {type: string, enum: [department, jurisdiction]}
                      lead_unit_id: {type: integer}
                      lead_task: {type: string}
                      co_unit_ids: {type: array, items: {type: integer}}
          responses:
            201:
              description: 新建的事件（已交办）
              content:
                application/json:
                  schema:
                    type: object
        """
        ticket = services.leader_instruction(actor(), **json_body())
        return ticket_response(self, ticket.id, 201)

    @expose("/one-click", methods=["POST"])
    @protect()
    @safe
    @permission_name("action")
    @workflow_endpoint
    @with_errors
    def one_click(self):
        """一键上报: a grid, community or township user reports a major incident to the county
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  allOf:
                  - $ref: '#/components/schemas/TicketFields'
                  - type: object
                    properties:
                      occurred_at: {type: string, example: "2025-10-27 17:41:50"}
                      reporter_phone: {type: string}
          responses:
            201:
              description: 新建的突发事件（待县区签收）
              content:
                application/json:
                  schema:
                    type: object
        """
        ticket = services.SERVICES["one_click_report"](actor(), **json_body())
        return ticket_response(self, ticket.id, 201)

    @expose("/department-report", methods=["POST"])
    @protect()
    @safe
    @permission_name("action")
    @workflow_endpoint
    @with_errors
    def department_report(self):
        """部门上报: a county or city department reports to its county or the city
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/TicketFields'
          responses:
            201:
              description: 新建的事件（待上级签收）
              content:
                application/json:
                  schema:
                    type: object
        """
        ticket = services.SERVICES["department_report"](actor(), **json_body())
        return ticket_response(self, ticket.id, 201)

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    @workflow_endpoint
    @with_errors
    def put(self, pk):
        """修改: the reporter edits the ticket before any escalation
        ---
        put:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
          responses:
            200:
              description: 修改后的事件
              content:
                application/json:
                  schema:
                    type: object
        """
        body = json_body("ticket_id")
        version = body.pop("version", None)
        services.edit(actor(), pk, version=version, **body)
        return ticket_response(self, pk)

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    @workflow_endpoint
    @with_errors
    def delete(self, pk):
        """删除: the reporter deletes the ticket before any escalation
        ---
        delete:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: 已删除
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
        """
        services.delete(actor(), pk)
        return self.response(200, message="已删除")

    @expose("/<int:pk>/<string:action>", methods=["POST"])
    @protect()
    @safe
    @permission_name("action")
    @workflow_endpoint
    @with_errors
    def action(self, pk, action):
        """One workflow action on a ticket (sign, finish, escalate, ledger, assign …)
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          - in: path
            name: action
            schema:
              type: string
              enum: [sign, finish, acknowledge, escalate, transfer, ledger, assign, feedback, apply-completion,
                     apply-extension, apply-return, supervise, callback, whistle, close-whistle, checkin,
                     whistle-feedback, one-click-up]
          requestBody:
            content:
              application/json:
                schema:
                  type: object
          responses:
            200:
              description: 操作后的事件
              content:
                application/json:
                  schema:
                    type: object
        """
        name = ACTION_SERVICES.get(action)
        if name is None:
            return self.response(404, message="不支持的操作")
        body = json_body("ticket_id")
        version = body.pop("version", None)
        services.SERVICES[name](actor(), pk, version=version, **body)
        return ticket_response(self, pk)


_WORKERS = (GRID_MEMBER, GRID_LEADER, HANDLER, HEAD, DEPT_HANDLER)
for _role in _WORKERS:
    extend_role_permissions(_role, [(r"can_(get|action)", r"TicketApi"), (r"can_(get|review)", r"ApplicationApi"),
                                    (r"can_(get|sign|feedback)", r"SupervisionApi")])
extend_role_permissions(GRID_MEMBER, [(r"can_(post|put|delete)", r"TicketApi")])
extend_role_permissions(SYS_ADMIN, [(r"can_get", r"(TicketApi|ApplicationApi|SupervisionApi)")])
