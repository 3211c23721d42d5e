"""平台疑难 items (manual §五) as a feed registry: ``POST /api/v1/platform-items/bulk`` (or ``/``)
upserts by 来源编号, Excel template/import/export, read-only pages; the city signs an item
with its 研判 through ``POST /api/v1/platform-items/{id}/sign`` or the 问题研判-平台疑难 list.
Items are city-wide (no 所属辖区): only city users see them.
"""
import datetime as dt

from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app.demo import register_demo_seeder
from app.extensions import db
from app.models.platform_item import PlatformItem
from app.registries.datacenter import INTEGRATION, FeedRegistry, _coordinate_fields
from app.registries.feeds import BulkUpsertMixin
from app.registries.fields import Field
from app.security.roles import HANDLER, HEAD, extend_role_permissions

CATEGORY = "市县台账"


class PlatformItemApiMixin(BulkUpsertMixin):
    """``POST /`` (one record or a list, as ``/bulk``) and ``POST /<id>/sign`` (城市研判签收)."""

    def __init__(self):
        self.include_route_methods = set(self.include_route_methods or ()) | {"post", "sign"}
        self.base_permissions = list(self.base_permissions or []) + ["can_sign"]
        self.method_permission_name = dict(self.method_permission_name or {}, post="bulk", sign="sign")
        super().__init__()

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """Insert or update 平台疑难 items keyed by 来源编号 (one object or a list, as ``/bulk``)
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
          responses:
            200:
              description: 处理结果（新增、更新、失败条数）
              content:
                application/json:
                  schema:
                    type: object
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        return self.upsert_request(single_ok=True)

    @expose("/<int:pk>/sign", methods=["POST"])
    @protect()
    @safe
    @permission_name("sign")
    def sign(self, pk):
        """签收 a 平台疑难 item with the 研判 fields; answers the new ticket
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    judgement: {type: string}
                    judged_at: {type: string}
                    category_id: {type: integer}
                    county: {type: string}
                    town: {type: string}
                    village: {type: string}
                    longitude: {type: number}
                    latitude: {type: number}
                    urgency: {type: string, enum: [一般, 紧急, 重大]}
          responses:
            201:
              description: 签收后新建的事件
              content:
                application/json:
                  schema:
                    type: object
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 已被他人签收
        """
        from app.api.tickets import actor, json_body, ticket_response, workflow_endpoint
        from app.workflow import services

        @workflow_endpoint
        def run(api):
            ticket = services.SERVICES["sign_platform_item"](actor(), pk, **json_body())
            return ticket_response(api, ticket.id, 201)
        return run(self)


class PlatformItemRegistry(FeedRegistry):
    """平台疑难 (§五): the other platform's fields, then the city's 研判 (read-only here)."""

    name, title, icon = "platform-items", "平台疑难事项", "fa-question-circle"
    category = CATEGORY
    model = PlatformItem
    ops = "QDIE"
    business_key = ("source_id",)
    order_by = ("id", "desc")
    api_mixins = (PlatformItemApiMixin,)
    fields = [
        Field("source_id", "来源编号", required=True, max_length=64, search="like"),
        Field("platform", "来源", max_length=50, search="like"),
        Field("title", "事件标题", required=True, max_length=300, search="like"),
        Field("description", "事件描述", "text", required=True),
        Field("difficulty_reason", "疑难原因说明", "text"),
        Field("process_detail", "原平台处理过程详述", "text", in_list=False),
        Field("item_type", "问题(事项)类型", max_length=100, search="like"),
        Field("address", "事件发生地", max_length=300),
        Field("occurred_at", "事发时间", "datetime", search="range"),
        Field("county", "事发涉及县", max_length=50),
        Field("town", "事发涉及镇/街道", max_length=50, in_list=False),
        Field("village", "事发涉及村/社区", max_length=50, in_list=False),
        *_coordinate_fields(),
        Field("judgement", "研判结果", "text", in_form=False),
        Field("judged_at", "研判时间", "datetime", in_form=False),
        Field("signed_at", "签收时间", "datetime", in_form=False, in_list=False),
        Field("ticket_id", "关联事件", "int", in_form=False, in_list=False),
    ]

PLATFORM_REGISTRIES = [PlatformItemRegistry]

# city handlers list, import and sign; heads read; the other platforms' accounts push (接口对接)
extend_role_permissions(HANDLER, [(r"can_(list|show|import|template|export|sign)", "PlatformItem"),
                                  (r"menu_access", f"({CATEGORY}|平台疑难事项)")])
extend_role_permissions(HEAD, [(r"can_(list|show|export)", "PlatformItem"),
                               (r"menu_access", f"({CATEGORY}|平台疑难事项)")])
extend_role_permissions(INTEGRATION, [(r"can_(bulk|list|show|import|template)", "PlatformItem")])


@register_demo_seeder
def _demo_intake(units, users):
    """The manual's examples of §三–§五: a 一键上报 gas leak and a 部门上报 policy question waiting for
    魏都区's sign, and a 平台疑难 item waiting for the city's."""
    from sqlalchemy import select

    from app.models.dictionary import EventCategory
    from app.workflow import services

    def category(full_name):
        return db.session.scalar(select(EventCategory.id).where(EventCategory.full_name == full_name))

    services.SERVICES["one_click_report"](
        users["cs471_member"], title="天然气管道泄露", description="天志路口天然气管道泄露，现场有刺鼻气味",
        address="天志路口", category_id=category("应急类 / 重大公共安全事件 / 事故灾难类"), urgency="重大",
        occurred_at="2025-10-27 18:40:00", reporter_phone="13937453068")
    services.SERVICES["department_report"](
        users["weidu_zjj"], title="政策咨询", description="企业落户的优惠政策咨询", address="许昌市魏都区",
        category_id=category("服务类 / 政策咨询类 / 社会保障类"), urgency="一般")
    db.session.add(PlatformItem(
        source_id="WRZQ-YN-2025-0915", platform="万人助企", title="疫情期间遗留项目欠款拖欠问题",
        description="市投资集团一直无法向九家项目单位(房产局、政数局、市社会工作部等)支付合同款项，"
                    "涉及万人助企、疫情防控、场所码、四保平台等项目。",
        difficulty_reason="经核实，总投资集团已与九家企业单位完成合同签订，但因其下属云政公司涉及法律诉讼，"
                          "导致资金支付流程受阻，付款长期无法推进。",
        process_detail="已向总投资集团发函协调，但未取得实质性进展。", item_type="服务类/民生诉求类",
        address="许昌市", occurred_at=dt.datetime(2025, 9, 15, 9, 0)))
