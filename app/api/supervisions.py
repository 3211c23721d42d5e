"""``/api/v1/supervisions/``: 督办管理 lists (我的督办 / 督办我的), sign, feedback and the supervisor's opinion."""
from flask_appbuilder.api import BaseApi, expose, protect, rison, safe
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from app.api.base import paged_list_schema
from app.api.tickets import actor, json_body, newest_page, with_errors, workflow_endpoint
from app.extensions import db
from app.models.ticket import Supervision
from app.security.scope import scope_for
from app.workflow import services
from app.workflow.serialize import supervision_dict

LIST_SCHEMA = paged_list_schema(
    mine={"type": "string", "enum": ["supervised_by_me", "supervising_me"]},
    status={"type": "string", "enum": ["待签收", "已签收", "已反馈"]},
)


class SupervisionApi(BaseApi):
    """督办: 我的督办 (``mine: supervised_by_me``), 督办我的 (``mine: supervising_me``), sign, feedback."""

    resource_name = "supervisions"
    class_permission_name = "SupervisionApi"
    allow_browser_login = True
    openapi_spec_tag = "Supervisions"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @rison(LIST_SCHEMA)
    def get_list(self, **kwargs):
        """Supervisions visible to the caller, newest first
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
                    mine: {type: string, enum: [supervised_by_me, supervising_me]}
                    status: {type: string}
                    page: {type: integer}
                    page_size: {type: integer}
          responses:
            200:
              description: 督办列表
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
        stmt = select(Supervision).where(Supervision.scope_clause(scope_for(user)))
        if args.get("mine") == "supervised_by_me":
            stmt = stmt.where(Supervision.supervisor_unit_id == user.unit_id)
        elif args.get("mine") == "supervising_me":
            stmt = stmt.where(Supervision.target_unit_id == user.unit_id)
        if "status" in args:
            stmt = stmt.where(Supervision.status == args["status"])
        count, rows = newest_page(stmt, Supervision, args)
        return self.response(200, count=count, result=[supervision_dict(s) for s in rows])

    def _act(self, pk, action):
        body = json_body("supervision_id", "action")
        body.pop("version", None)
        services.supervision_action(actor(), pk, action, **body)
        sup = db.session.get(Supervision, pk)
        return self.response(200, **supervision_dict(sup))

    @expose("/<int:pk>/sign", methods=["POST"])
    @protect()
    @safe
    @permission_name("sign")
    @workflow_endpoint
    @with_errors
    def sign(self, pk):
        """督办签收
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: 签收后的督办
              content:
                application/json:
                  schema:
                    type: object
        """
        return self._act(pk, "sign")

    @expose("/<int:pk>/feedback", methods=["POST"])
    @protect()
    @safe
    @permission_name("feedback")
    @workflow_endpoint
    @with_errors
    def feedback(self, pk):
        """督办反馈: ``{"content"}``
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
                    content: {type: string}
          responses:
            200:
              description: 反馈后的督办
              content:
                application/json:
                  schema:
                    type: object
        """
        return self._act(pk, "feedback")

    @expose("/<int:pk>/opinion", methods=["POST"])
    @protect()
    @safe
    @permission_name("feedback")
    @workflow_endpoint
    @with_errors
    def opinion(self, pk):
        """督办意见 of the supervising unit: ``{"opinion"}``
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
                    opinion: {type: string}
          responses:
            200:
              description: 督办
              content:
                application/json:
                  schema:
                    type: object
        """
        return self._act(pk, "opinion")
