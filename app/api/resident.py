"""``/api/v1/resident-whistles/``: 我的-居民吹哨记录 — list (masked), detail, photos, 已核实,
已办结 and 提级上报.  Thin: every endpoint calls ``app.workflow.resident``."""
from flask import send_file
from flask_appbuilder.api import BaseApi, expose, protect, rison, safe
from flask_appbuilder.security.decorators import permission_name

from app.api.base import paged_list_schema
from app.api.tickets import actor, json_body, with_errors, workflow_endpoint
from app.models.resident import WHISTLE_STATUS_LABELS
from app.security.roles import GRID_MEMBER, HANDLER, HEAD, extend_role_permissions
from app.workflow import resident

LIST_SCHEMA = paged_list_schema(
    status={"type": "string", "enum": list(WHISTLE_STATUS_LABELS)},
    phone={"type": "string", "maxLength": 20},
)


class ResidentWhistleApi(BaseApi):
    """居民吹哨记录 of the caller's 村/社区 (grid members) or territory (handlers)."""

    resource_name = "resident-whistles"
    class_permission_name = "ResidentWhistleApi"
    allow_browser_login = True
    openapi_spec_tag = "Resident whistles"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @rison(LIST_SCHEMA)
    def get_list(self, **kwargs):
        """Records in the caller's scope, newest first; 反馈人, 手机号 and 家庭住址 masked
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
                    status: {type: string, enum: [pending, verified, closed, escalated]}
                    phone: {type: string}
                    page: {type: integer}
                    page_size: {type: integer}
          responses:
            200:
              description: 居民吹哨记录列表
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
        count, rows = resident.page_of(resident.filtered(user, args.get("status"), args.get("phone")),
                                       args.get("page", 0), args.get("page_size", 20))
        return self.response(200, count=count, result=[resident.whistle_dict(w, user) for w in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @workflow_endpoint
    @with_errors
    def get(self, pk):
        """One record, unmasked (the view is written to the operation log)
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: 居民吹哨记录
              content:
                application/json:
                  schema:
                    type: object
        """
        return self.response(200, **resident.whistle_dict(resident.detail(actor(), pk), actor(), full=True))

    @expose("/<int:pk>/photos/<int:photo_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @workflow_endpoint
    @with_errors
    def photo(self, pk, photo_id):
        """Download one photo of a record the caller may see (as an attachment)
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          - in: path
            name: photo_id
            schema:
              type: integer
          responses:
            200:
              description: 照片
              content:
                application/octet-stream:
                  schema:
                    type: string
                    format: binary
        """
        path, photo = resident.photo_file(actor(), pk, photo_id)
        return send_file(path, mimetype=photo.content_type or "application/octet-stream", as_attachment=True,
                         download_name=photo.original_name)

    @expose("/<int:pk>/<action>", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    @workflow_endpoint
    @with_errors
    def action(self, pk, action):
        """已核实 (``verify``), 已办结 (``close``: ``{"note"}``) or 提级上报 (``escalate``:
        ``{"category_id", "urgency", "reason", "title", "address", "target", "unit_id", "task"}``)
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
              enum: [verify, close, escalate]
          requestBody:
            content:
              application/json:
                schema:
                  type: object
          responses:
            200:
              description: 居民吹哨记录
              content:
                application/json:
                  schema:
                    type: object
        """
        services = {"verify": resident.verify, "close": resident.close, "escalate": resident.escalate}
        if action not in services:
            return self.response(404, message="没有该操作")
        body = json_body()
        version = body.pop("version", None)
        whistle = services[action](actor(), pk, version=version, **body)
        return self.response(200, **resident.whistle_dict(whistle, actor()))


for _role in (GRID_MEMBER, HANDLER, HEAD):
    extend_role_permissions(_role, [(r"can_get", r"ResidentWhistleApi")])
extend_role_permissions(GRID_MEMBER, [(r"can_post", r"ResidentWhistleApi")])
