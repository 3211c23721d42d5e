"""``/api/v1/applications/``: 审核中心 lists and reviews (approve/reject) by application id."""
from flask_appbuilder.api import BaseApi, expose, protect, rison, safe
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from app.api.base import paged_list_schema
from app.api.tickets import actor, json_body, newest_page, ticket_response, with_errors, workflow_endpoint
from app.extensions import db
from app.models.ticket import Application
from app.security.scope import scope_for
from app.workflow import services
from app.workflow.serialize import application_dict

LIST_SCHEMA = paged_list_schema(
    mine_to_review={"type": "boolean"},
    mine_submitted={"type": "boolean"},
    kind={"type": "string", "enum": ["escalation", "completion", "extension", "return"]},
    status={"type": "string", "enum": ["pending", "approved", "rejected"]},
    ticket_id={"type": "integer", "minimum": 1, "maximum": 2147483647},
)


class ApplicationApi(BaseApi):
    """审核中心: 我的审核 (``mine_to_review``), 我的上报/我的申请 (``mine_submitted``), review."""

    resource_name = "applications"
    class_permission_name = "ApplicationApi"
    allow_browser_login = True
    openapi_spec_tag = "Applications"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @rison(LIST_SCHEMA)
    def get_list(self, **kwargs):
        """Applications visible to the caller, newest first
        ---
        get:
          parameters:
          - in: query
            name: q
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    mine_to_review: {type: boolean}
                    mine_submitted: {type: boolean}
                    kind: {type: string, enum: [escalation, completion, extension, return]}
                    status: {type: string, enum: [pending, approved, rejected]}
                    ticket_id: {type: integer}
                    page: {type: integer}
                    page_size: {type: integer}
          responses:
            200:
              description: 申请列表
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result: {type: array, items: {type: object}}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        args = kwargs.get("rison") or {}
        user = actor()
        stmt = select(Application).where(Application.scope_clause(scope_for(user)))
        if args.get("mine_to_review"):
            stmt = stmt.where(Application.reviewer_unit_id == user.unit_id)
        if args.get("mine_submitted"):
            stmt = stmt.where(Application.applicant_unit_id == user.unit_id)
        for key in ("kind", "status", "ticket_id"):
            if key in args:
                stmt = stmt.where(getattr(Application, key) == args[key])
        count, rows = newest_page(stmt, Application, args)
        return self.response(200, count=count, result=[application_dict(a) for a in rows])

    @expose("/<int:pk>/review", methods=["POST"])
    @protect()
    @safe
    @permission_name("review")
    @workflow_endpoint
    @with_errors
    def review(self, pk):
        """审核 one application: ``{"approve": bool, "opinion"}``
        ---
        post:
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
                  properties:
                    approve: {type: boolean}
                    opinion: {type: string}
          responses:
            200:
              description: 审核后的事件
              content:
                application/json:
                  schema:
                    type: object
        """
        body = json_body("application_id")
        version = body.pop("version", None)
        ticket = services.review_application(actor(), pk, version=version, **body)
        return ticket_response(self, ticket.id)
