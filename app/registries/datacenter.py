"""数据中心 registries (manual §八), each a declaration on the generic machinery.

Feeds (``feed = True``) come from other platforms: read-only pages (no 新增/修改/删除),
filled through ``POST /api/v1/<name>/bulk`` (``app.registries.feeds``) by the 接口对接
role and, where the manual shows it, by Excel import; keyed by the source's own id.
"""
import datetime as dt
import re

from sqlalchemy import select

from app.demo import register_demo_seeder
from app.extensions import db
from app.models.base import now
from app.models.datacenter import (EmergencyEvent, EmergencyExpert, EmergencySupply, EnterpriseRequest,
                                   HeatStation, HotlineOrder, MayorLetter, Petition, PublicOpinion, RescueTeam,
                                   Shelter, UmsCase, UmsPart, WaterloggingPoint)
from app.models.org import ScopeMode, Unit
from app.registries.base import Registry
from app.registries.feeds import BulkUpsertMixin
from app.registries.fields import Field, check_email, check_idcard, check_latitude, check_longitude
from app.security.roles import ROLE_SCOPE, extend_role_permissions
from app.security.scope import unit_in_scope
from app.services.dictionaries import register_dictionary, register_usage

DATA = "数据中心"
INTEGRATION = "接口对接"
EXPIRY_WARNING_DAYS = 30
PETITION_DAYS = 60          # 信访事项 60 日内办结 (信访工作条例): default 办理期限

# ---------------------------------------------------------------------------- validators
_SEP_RE = re.compile(r"[、，,;；\n]+")
_PAIR_RE = re.compile(r"\s*([^\d\s、，,;；:：()（）-]{1,20})\s*[:：]?\s*(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})\s*")
_CAMERA_RE = re.compile(r"^[0-9A-Za-z:_\-]{1,64}$")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def parse_contacts(value):
    """``"李昭鹏15188533368 柴松杰 15736807268"`` → [("李昭鹏", "15188533368"), ...];
    None when some part is not a "姓名 电话" pair."""
    text = str(value).strip()
    pairs, pos = [], 0
    while pos < len(text):
        sep = _SEP_RE.match(text, pos)
        if sep:
            pos = sep.end()
            continue
        m = _PAIR_RE.match(text, pos)
        if not m or m.end() == pos:
            return None
        pairs.append((m.group(1), m.group(2)))
        pos = m.end()
    return pairs or None


def check_contacts(value):
    """One or more "姓名 电话" pairs, each phone a valid number."""
    if not value:
        return None
    if parse_contacts(value) is None:
        return "应为一个或多个“姓名 电话”（如：李昭鹏 15188533368、柴松杰 15736807268），电话须为有效号码"


def format_contacts(value):
    pairs = parse_contacts(value) if value else None
    return "、".join(f"{name} {phone}" for name, phone in pairs) if pairs else value


def split_cameras(value):
    return [c for c in re.split(r"[、，,;；\s]+", str(value).strip()) if c]


def check_cameras(value):
    if not value:
        return None
    bad = [c for c in split_cameras(value) if not _CAMERA_RE.match(c)]
    if bad:
        return f"摄像头编码“{bad[0][:30]}”格式不正确（字母、数字、冒号，多个以、分隔）"


def check_credit_code(value):
    """统一社会信用代码: 18 characters with the GB 32100 check character."""
    if not value:
        return None
    text = str(value).strip().upper()
    if len(text) != 18 or any(c not in _CREDIT_CHARS for c in text):
        return "统一社会信用代码应为18位数字或大写字母"
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(text[:17], _CREDIT_WEIGHTS))
    if _CREDIT_CHARS[(31 - total % 31) % 31] != text[17]:
        return "统一社会信用代码校验位不正确"


def check_certificate(value):
    """Any certificate number (the ID-card checksum applies when 证件类型 is 居民身份证)."""
    if value and not re.fullmatch(r"[0-9A-Za-z()（）\-]{4,30}", str(value).strip()):
        return "证件号码格式不正确"


def _today():
    return now().date()


def _date_order(values, pairs):
    """[(earlier key, later key, earlier label, later label)] → errors where later < earlier."""
    errors = []
    for early, late, early_label, late_label in pairs:
        a, b = values.get(early), values.get(late)
        if a is not None and b is not None:
            if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
                a = a.date() if isinstance(a, dt.datetime) else a
                b = b.date() if isinstance(b, dt.datetime) else b
            if b < a:
                errors.append((late, f"{late_label}不能早于{early_label}"))
    return errors


def _coordinates(values):
    if (values.get("longitude") is None) != (values.get("latitude") is None):
        key = "latitude" if values.get("latitude") is None else "longitude"
        return [(key, "经度和纬度应同时填写")]
    return []


def _coordinate_fields():
    return [Field("longitude", "经度", "float", validator=check_longitude, in_list=False),
            Field("latitude", "纬度", "float", validator=check_latitude, in_list=False)]


# ---------------------------------------------------------------------------- shared behaviour
INT_LIMIT = 2 ** 31 - 1          # INTEGER columns (PostgreSQL)
DECIMAL_LIMIT = 10 ** 12         # NUMERIC(14, 2)


def _storable(registry, values):
    """Values every database accepts: no NUL or lone surrogates in text, numbers in range."""
    errors = []
    for f in registry.fields:
        value = values.get(f.column)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
                bad = "\x00" in value
            except UnicodeEncodeError:
                bad = True
            if bad:
                errors.append((f.key, "包含无效字符"))
        elif f.kind == "int" and isinstance(value, int) and abs(value) > INT_LIMIT:
            errors.append((f.key, "数值超出范围"))
        elif f.kind == "decimal" and value is not None and abs(value) >= DECIMAL_LIMIT:
            errors.append((f.key, "数值超出范围"))
    return errors


class DataRegistry(Registry):
    category = DATA
    date_order: tuple = ()

    def check(self, values):
        errors = _storable(self, values)
        if errors:
            return errors
        errors = _date_order(values, self.date_order)
        if "longitude" in values or "latitude" in values:
            errors += _coordinates(values)
        return errors


class FeedRegistry(DataRegistry):
    """A feed from another platform: read-only pages, bulk upsert API; the unit is derived
    from the territory names the source sends (``territory``: columns, most specific first)."""

    feed = True
    api_mixins = (BulkUpsertMixin,)
    territory: tuple = ()

    def _unit_ids_by_name(self):
        cache = self.__dict__.get("_unit_names")
        if cache is None:
            cache = {}
            for uid, name in db.session.execute(select(Unit.id, Unit.name)):
                cache.setdefault(name, []).append(uid)
            self._unit_names = cache
        return cache

    def derive(self, values):
        if not self.territory:
            return
        names = self._unit_ids_by_name()
        values["unit_id"] = None
        for column in self.territory:
            ids = names.get((values.get(column) or "").strip())
            if ids and len(ids) == 1:
                values["unit_id"] = ids[0]
                break

    def check(self, values):
        errors = super().check(values)
        if not unit_in_scope(values.get("unit_id")):
            if self.territory:
                errors.append((self.territory[-1], "不在您的管辖范围内（或无法识别的县区/街道）"))
            else:
                errors.append((self.business_key[0], "全市数据，仅市级用户可导入"))
        return errors


def _derived_unit():
    return Field("unit", "所属辖区", "unit", derived=True, in_list=False)


# ---------------------------------------------------------------------------- 8.1 – 8.7
class HotlineOrderRegistry(FeedRegistry):
    """12345热线工单 (§8.1)."""

    name, title, icon = "hotline_orders", "12345热线工单", "fa-phone"
    model = HotlineOrder
    ops = "QDIE"
    business_key = ("source_id",)
    unit_field = "unit"
    territory = ("street", "county")
    order_by = ("accepted_at", "desc")
    # 1,000,000 orders at city scale: every "包含" field has a trigram index
    substring_index = ("address", "category1", "category2", "category3", "street", "purpose", "urgency", "requester")
    date_order = (("accepted_at", "handle_started_at", "受理时间", "办理开始时间"),
                  ("accepted_at", "finished_at", "受理时间", "办结时间"))
    fields = [
        Field("source_id", "工单标识", required=True, max_length=64),
        Field("address", "地址描述", max_length=500, search="like"),
        Field("description", "工单描述", "text"),
        Field("channel", "诉求来源", max_length=30),
        Field("order_type", "工单类型", dict_type="dc_hotline_type", search="eq"),
        Field("category1", "一级类型", max_length=100, search="like", in_list=False),
        Field("category2", "二级类型", max_length=100, search="like", in_list=False),
        Field("category3", "三级类型", max_length=100, search="like"),
        Field("accepted_at", "受理时间", "datetime", required=True, search="range"),
        Field("handle_started_at", "办理开始时间", "datetime", search="range", in_list=False),
        Field("county", "所属县区", max_length=50),
        Field("street", "所属街道", max_length=50, search="like"),
        Field("purpose", "诉求目的", max_length=200, search="like", in_list=False),
        Field("urgency", "紧急程度", max_length=20, search="like"),
        Field("requester", "诉求人", max_length=50, search="like"),
        Field("requester_phone", "诉求人电话", sensitive="phone"),
        Field("handler_unit", "承办单位", max_length=200),
        Field("status", "办理状态", max_length=30),
        Field("finished_at", "办结时间", "datetime", in_list=False),
        Field("is_visited", "是否回访", "bool", search="eq"),
        Field("satisfaction", "满意度", max_length=20, in_list=False),
        _derived_unit(),
    ]


class UmsPartRegistry(FeedRegistry):
    """运管服部件数据 (§8.2): city-wide statistics, keyed by (大类代码, 小类代码)."""

    name, title, icon = "ums_parts", "运管服部件数据", "fa-cubes"
    model = UmsPart
    ops = "QIE"
    business_key = ("major_code", "minor_code")
    order_by = ("id", "asc")
    fields = [
        Field("major_code", "大类代码", required=True, max_length=20, search="like"),
        Field("major_name", "大类名称", max_length=100, search="like"),
        Field("minor_code", "小类代码", required=True, max_length=20, search="like"),
        Field("minor_name", "小类名称", max_length=100, search="like"),
        Field("quantity", "数量", "int", min_value=0),
        Field("remark", "说明", max_length=500),
    ]


class UmsCaseRegistry(FeedRegistry):
    """运管服案件数据 (§8.3)."""

    name, title, icon = "ums_cases", "运管服案件数据", "fa-briefcase"
    model = UmsCase
    ops = "QDIE"
    business_key = ("case_no",)
    unit_field = "unit"
    territory = ("street",)
    order_by = ("filed_at", "desc")
    date_order = (("filed_at", "closed_at", "立案时间", "结案时间"),)
    fields = [
        Field("case_no", "案件号", required=True, max_length=64, search="like"),
        Field("title", "案件标题", max_length=300, search="like"),
        Field("description", "案件描述", "text", in_list=False),
        Field("filed_at", "立案时间", "datetime", required=True, search="range"),
        Field("major_category", "大类", max_length=100),
        Field("minor_category", "小类", max_length=100),
        Field("address", "发生地址", max_length=500),
        Field("street", "所属街道", max_length=50),
        *_coordinate_fields(),
        Field("source", "案件来源", max_length=50, in_list=False),
        Field("handler_unit", "处置单位", max_length=200),
        Field("status", "案件状态", max_length=30, search="like"),
        Field("closed_at", "结案时间", "datetime", in_list=False),
        _derived_unit(),
    ]


class PublicOpinionRegistry(DataRegistry):
    """重大舆情信息报送 (§8.4)."""

    name, title, icon = "public_opinions", "重大舆情信息报送", "fa-bullhorn"
    model = PublicOpinion
    ops = "QDCUX"
    unit_field = "unit"
    fields = [
        Field("title", "事件标题/摘要", required=True, max_length=300, search="like"),
        Field("summary", "事件情况概要", "text", required=True),
        Field("urgency", "紧急程度", required=True, dict_type="urgency", search="eq"),
        Field("level", "舆情级别", required=True, dict_type="dc_opinion_level", search="eq"),
        Field("occurred_on", "事件发生时间", "date", required=True, search="range"),
        Field("unit", "事件发生地", "unit", required=True),
        Field("keywords", "事件关键词", max_length=200),
        Field("subject", "涉事主体", max_length=200),
        Field("region", "影响地域范围", dict_type="dc_opinion_region"),
        Field("attachment", "附件", max_length=500, in_list=False, help="附件名称或编号，多个以、分隔"),
    ]


class PetitionRegistry(DataRegistry):
    """信访信息数据 (§8.5); 剩余天数 = 办理期限 − today, computed when read."""

    name, title, icon = "petitions", "信访信息数据", "fa-envelope-open"
    model = Petition
    business_key = ("petition_no",)
    unit_field = "unit"
    date_order = (("first_date", "last_date", "首次信访日期", "最后信访日期"),
                  ("petition_date", "due_date", "信访日期", "办理期限"),
                  ("petition_date", "handled_on", "信访日期", "办理时间"))
    fields = [
        Field("petition_no", "信访件编号", required=True, max_length=64, search="like"),
        Field("petition_date", "信访日期", "date", required=True),
        Field("name", "姓名", max_length=50, search="like"),
        Field("gender", "性别", dict_type="gender"),
        Field("ethnicity", "民族", dict_type="dc_ethnicity", in_list=False),
        Field("id_type", "证件类型", dict_type="dc_id_type"),
        Field("id_number", "证件号码", sensitive="idcard", search="eq", validator=check_certificate),
        Field("mobile", "手机号", sensitive="phone"),
        Field("address", "住址", sensitive="address", in_list=False),
        Field("hukou", "户口所在地", max_length=200, in_list=False),
        Field("occupation", "职业", max_length=50, search="like", in_list=False),
        Field("people_count", "人数", "int", min_value=0),
        Field("joint", "是否联名", "bool", in_list=False),
        Field("anonymous", "是否匿名", "bool", in_list=False),
        Field("summary", "概况信息", "text", in_list=False),
        Field("content_category", "内容分类", max_length=100, search="like"),
        Field("subject_words", "主题词", max_length=200, search="like", in_list=False),
        Field("hot_issue", "热点问题", max_length=200, in_list=False),
        Field("petition_form", "信访形式", max_length=30),
        Field("complaint_method", "投诉方式", max_length=30, in_list=False),
        Field("unit", "问题属地", "unit", required=True),
        Field("register_org", "登记机构", max_length=200, in_list=False),
        Field("register_dept", "登记部门", max_length=200),
        Field("responsible_unit", "责任单位", max_length=200, in_list=False),
        Field("reception_leader", "接待领导", max_length=50, in_list=False),
        Field("handle_method", "办理方式", max_length=50),
        Field("handle_situation", "办理情形", max_length=100, in_list=False),
        Field("handle_opinion", "办理意见", "text", in_list=False),
        Field("handled_on", "办理时间", "date", in_list=False),
        Field("due_date", "办理期限", "date", in_list=False, help=f"留空则为信访日期后 {PETITION_DAYS} 天"),
        Field("remaining_days", "剩余天数", "int", derived=True, sortable=False),
        Field("finished", "是否办结", "bool", search="eq"),
        Field("terminated", "是否终结", "bool", in_list=False),
        Field("backlog", "是否积压", "bool", in_list=False),
        Field("satisfaction_flag", "纳入满意度评价标志", "bool", in_list=False),
        Field("repeat_count", "重复信访次数", "int", min_value=0, in_list=False),
        Field("first_org", "首次信访机构", max_length=200, search="like"),
        Field("first_date", "首次信访日期", "date", search="range", in_list=False),
        Field("first_method", "首次投诉方式", max_length=30, search="like", in_list=False),
        Field("last_date", "最后信访日期", "date", in_list=False),
    ]

    def derive(self, values):
        values.pop("remaining_days", None)          # computed by the database when read
        if values.get("due_date") is None and values.get("petition_date") is not None:
            values["due_date"] = values["petition_date"] + dt.timedelta(days=PETITION_DAYS)

    def check(self, values):
        errors = super().check(values)
        if values.get("id_type") in (None, "", "居民身份证") and values.get("id_number"):
            message = check_idcard(values["id_number"])
            if message:
                errors.append(("id_number", message))
        return errors


class EnterpriseRequestRegistry(FeedRegistry):
    """万人助企诉求 (§8.6; fields inferred)."""

    name, title, icon = "enterprise_requests", "万人助企诉求", "fa-building"
    model = EnterpriseRequest
    ops = "QDE"
    business_key = ("serial_no",)
    unit_field = "unit"
    territory = ("county",)
    order_by = ("submitted_at", "desc")
    date_order = (("submitted_at", "finished_at", "提交时间", "办结时间"),)
    fields = [
        Field("serial_no", "流水号", required=True, max_length=64, search="like"),
        Field("enterprise", "企业名称", required=True, max_length=200, search="like"),
        Field("credit_code", "统一社会信用代码", max_length=18, validator=check_credit_code, in_list=False),
        Field("request_type", "诉求类型", max_length=50, search="like"),
        Field("content", "诉求内容", "text", in_list=False),
        Field("submitted_at", "提交时间", "datetime", required=True, search="range"),
        Field("county", "所属县区", max_length=50),
        Field("handler_unit", "承办单位", max_length=200),
        Field("status", "办理状态", max_length=30, search="like"),
        Field("result", "办理结果", "text", in_list=False),
        Field("finished_at", "办结时间", "datetime", in_list=False),
        Field("satisfaction", "满意度", max_length=20, in_list=False),
        _derived_unit(),
    ]


class MayorLetterRegistry(FeedRegistry):
    """市长信箱数据 (§8.7; fields inferred); city-wide."""

    name, title, icon = "mayor_letters", "市长信箱数据", "fa-envelope"
    model = MayorLetter
    ops = "QD"
    business_key = ("letter_no",)
    order_by = ("received_at", "desc")
    date_order = (("received_at", "replied_at", "来信时间", "回复时间"),)
    fields = [
        Field("letter_no", "信件编号", required=True, max_length=64, search="like"),
        Field("writer", "写信人", max_length=50, search="like"),
        Field("phone", "联系电话", sensitive="phone"),
        Field("title", "信件标题", required=True, max_length=300),
        Field("content", "信件内容", "text", in_list=False),
        Field("received_at", "来信时间", "datetime", required=True, search="range"),
        Field("letter_type", "信件类型", max_length=30),
        Field("handler_unit", "承办单位", max_length=200),
        Field("reply", "回复内容", "text", in_list=False),
        Field("replied_at", "回复时间", "datetime", in_list=False),
        Field("status", "办理状态", max_length=30, search="like"),
        Field("is_public", "是否公开", "bool"),
    ]


# ---------------------------------------------------------------------------- 8.8 – 8.14
class EmergencyEventRegistry(DataRegistry):
    """应急事件管理 (§8.8); 事件编号 EMyyyymmddNNNN generated when left blank."""

    name, title, icon = "emergency_events", "应急事件管理", "fa-exclamation-triangle"
    model = EmergencyEvent
    ops = "QDCUXE"
    business_key = ("code",)
    unit_field = "unit"
    date_order = (("occurred_at", "reported_at", "发生时间", "报告时间"),)
    fields = [
        Field("code", "事件编号", max_length=32, search="like", help="留空则自动生成 EMyyyymmddNNNN"),
        Field("title", "事件标题", required=True, max_length=300, search="like"),
        Field("event_type", "事件类型", required=True, dict_type="dc_event_type", search="eq"),
        Field("level", "事件等级", dict_type="dc_event_level", search="eq"),
        Field("status", "事件状态", required=True, dict_type="dc_event_status", search="eq"),
        Field("occurred_at", "发生时间", "datetime", required=True, search="range"),
        Field("unit", "事件发生辖区", "unit", required=True),
        Field("location", "发生地详述", max_length=300),
        *_coordinate_fields(),
        Field("description", "事件描述", "text"),
        Field("impact", "影响范围", max_length=500),
        Field("casualties", "伤亡情况", max_length=500),
        Field("economic_loss", "经济损失(万元)", "decimal", min_value=0),
        Field("measures", "处置措施", "text", in_list=False),
        Field("leader", "负责人", max_length=50, in_list=False),
        Field("reporter", "报告人", max_length=50, in_list=False),
        Field("phone", "联系电话", sensitive="phone", in_list=False),
        Field("reported_at", "报告时间", "datetime", in_list=False),
        Field("ticket_id", "关联事件", "int", in_form=False, in_list=False),
    ]

    def derive(self, values):
        if not values.get("code"):
            values["code"] = self.next_code()

    def next_code(self):
        """The next free EMyyyymmddNNNN of today (remembered across rows of one import)."""
        day = now().strftime("%Y%m%d")
        prefix = f"EM{day}"
        last = self.__dict__.get("_last_code")
        if last is None or last[0] != day:
            codes = db.session.scalars(select(EmergencyEvent.code).where(EmergencyEvent.code.like(prefix + "%")))
            numbers = [int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()]
            last = (day, max(numbers, default=0))
        last = (day, last[1] + 1)
        self._last_code = last
        return f"{prefix}{last[1]:04d}"


def new_emergency_event_from_ticket(ticket_id, *, title, unit_id, occurred_at=None, description=None,
                                    location=None, longitude=None, latitude=None, reporter=None, phone=None,
                                    level=None, event_type="社会安全事件"):
    """A 应急事件 prefilled from a ticket signed as 转应急事件 (added to the session, not committed)."""
    values = {"code": None, "title": (title or "")[:300], "event_type": event_type, "level": level,
              "status": "待处理", "occurred_at": occurred_at or now(), "unit_id": unit_id,
              "location": location, "longitude": longitude, "latitude": latitude, "description": description,
              "reporter": reporter, "phone": phone, "reported_at": now(), "ticket_id": ticket_id}
    EmergencyEventRegistry().finish_values(values)
    event = EmergencyEvent(**values)
    db.session.add(event)
    return event


def _unit_owner(label="所属辖区"):
    """Inferred for registries without a territory in the manual: the maintaining unit, so
    that county clerks keep their own rows (data scope)."""
    return Field("unit", label, "unit", required=True, in_list=False)


class EmergencyExpertRegistry(DataRegistry):
    """应急专家管理 (§8.9); 年龄 derived from the ID number when left blank."""

    name, title, icon = "emergency_experts", "应急专家管理", "fa-user-md"
    model = EmergencyExpert
    business_key = ("name", "work_unit")
    unit_field = "unit"
    fields = [
        Field("name", "专家姓名", required=True, max_length=50, search="like"),
        Field("gender", "性别", dict_type="gender"),
        Field("age", "年龄", "int", min_value=0, max_value=120),
        Field("id_number", "身份证号", sensitive="idcard", in_list=False),
        Field("domains", "专业领域", dict_type="dc_expert_field", multi=True, search="eq"),
        Field("title", "职称", dict_type="dc_expert_title", search="eq"),
        Field("education", "学历", dict_type="dc_education", in_list=False),
        Field("work_unit", "工作单位", required=True, max_length=200),
        Field("post", "职务", max_length=100, in_list=False),
        Field("work_years", "工作年限", "int", min_value=0, max_value=80, in_list=False),
        Field("phone", "联系电话", sensitive="phone"),
        Field("email", "邮箱", max_length=100, validator=check_email),
        Field("address", "地址", sensitive="address", in_list=False),
        Field("skills", "专业技能", "text", in_list=False),
        Field("experience", "工作经历", "text", in_list=False),
        Field("honors", "荣誉奖项", "text", in_list=False),
        Field("status", "状态", dict_type="dc_expert_status"),
        Field("remark", "备注", "text", in_list=False),
        _unit_owner(),
    ]

    def derive(self, values):
        number = values.get("id_number")
        if values.get("age") is None and number and not check_idcard(number):
            born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            today = _today()
            values["age"] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class EmergencySupplyRegistry(DataRegistry):
    """应急物资管理 (§8.10); the list marks 质保期 已过期 / 即将过期 (within 30 days)."""

    name, title, icon = "emergency_supplies", "应急物资管理", "fa-archive"
    model = EmergencySupply
    business_key = ("code",)
    unit_field = "unit"
    order_by = ("id", "asc")
    fields = [
        Field("code", "物资编号", required=True, max_length=50, search="like"),
        Field("name", "物资名称", required=True, max_length=200, search="like"),
        Field("supply_type", "物资类型", required=True, dict_type="dc_supply_type", search="eq"),
        Field("quantity", "数量", "int", required=True, min_value=0),
        Field("measure_unit", "单位", max_length=20),
        Field("warranty_until", "质保期", "date"),
        Field("location", "存放地点", max_length=300, search="like"),
        Field("keeper", "负责人", max_length=50, search="like"),
        Field("keeper_phone", "负责人电话", sensitive="phone"),
        _unit_owner(),
    ]

    def display_value(self, f, obj, unmask=False):
        value = super().display_value(f, obj, unmask)
        if f.key == "warranty_until" and obj.warranty_until is not None:
            left = (obj.warranty_until - _today()).days
            if left < 0:
                return f"{value}（已过期）"
            if left <= EXPIRY_WARNING_DAYS:
                return f"{value}（即将过期）"
        return value


class RescueTeamRegistry(DataRegistry):
    """应急救援队伍管理 (§8.11)."""

    name, title, icon = "rescue_teams", "应急救援队伍管理", "fa-users"
    model = RescueTeam
    business_key = ("code",)
    unit_field = "unit"
    order_by = ("id", "asc")
    fields = [
        Field("name", "队伍名称", required=True, max_length=200, search="like"),
        Field("team_type", "队伍类型", required=True, dict_type="dc_team_type", search="eq"),
        Field("code", "队伍编号", required=True, max_length=50),
        Field("member_count", "人员总数", "int", min_value=0),
        Field("leader", "负责人姓名", max_length=50),
        Field("leader_phone", "负责人联系方式", sensitive="phone"),
        Field("base_address", "驻地地址", max_length=300),
        *_coordinate_fields(),
        Field("categories", "类型", dict_type="dc_team_category", multi=True),
        Field("equipment", "装备情况", "text", in_list=False),
        Field("specialties", "救援专长", max_length=300),
        Field("status", "状态", dict_type="dc_normal_status"),
        Field("founded_on", "成立时间", "date"),
        _unit_owner(),
    ]

    def check(self, values):
        errors = super().check(values)
        if values.get("founded_on") and values["founded_on"] > _today():
            errors.append(("founded_on", "成立时间不能晚于今天"))
        return errors


class ShelterRegistry(DataRegistry):
    """应急避难所管理 (§8.12)."""

    name, title, icon = "shelters", "应急避难所管理", "fa-home"
    model = Shelter
    business_key = ("code",)
    unit_field = "unit"
    order_by = ("id", "asc")
    fields = [
        Field("name", "避难所名称", required=True, max_length=200, search="like"),
        Field("code", "避难所编号", required=True, max_length=50),
        Field("capacity", "容纳人数", "int", min_value=0),
        Field("address", "详细地址", max_length=300),
        Field("shelter_type", "避难所类型", required=True, dict_type="dc_shelter_type", search="eq"),
        Field("unit", "所属区域", "unit", required=True, search="eq"),
        *_coordinate_fields(),
        Field("keeper", "负责人", max_length=50, search="like"),
        Field("phone", "联系电话", sensitive="phone"),
        Field("facilities", "主要设施", max_length=500),
        Field("status", "状态", required=True, dict_type="dc_shelter_status", search="eq"),
    ]


class HeatStationRegistry(FeedRegistry):
    """热力站数据 (§8.13; fields inferred)."""

    name, title, icon = "heat_stations", "热力站数据", "fa-fire"
    model = HeatStation
    ops = "QDE"
    business_key = ("code",)
    unit_field = "unit"
    territory = ("area",)
    order_by = ("id", "asc")
    fields = [
        Field("code", "热力站编号", required=True, max_length=50),
        Field("name", "热力站名称", required=True, max_length=200, search="like"),
        Field("station_type", "类型", dict_type="dc_heat_station_type", search="eq"),
        Field("area", "所属区域", max_length=50),
        Field("address", "地址", max_length=300),
        *_coordinate_fields(),
        Field("heating_area", "供热面积(万㎡)", "float", min_value=0),
        Field("run_status", "运行状态", max_length=30),
        Field("keeper", "负责人", max_length=50),
        Field("phone", "联系电话", sensitive="phone"),
        _derived_unit(),
    ]


_CONTACT_HELP = "一个或多个“姓名 电话”，多个以、分隔"


def _contacts(key, label, search=True):
    return Field(key, label, required=True, max_length=500, validator=check_contacts, help=_CONTACT_HELP,
                 search="like" if search else None)


class WaterloggingPointRegistry(DataRegistry):
    """积水点位管理 (§8.14)."""

    name, title, icon = "waterlogging_points", "积水点位管理", "fa-tint"
    model = WaterloggingPoint
    business_key = ("name",)
    unit_field = "unit"
    order_by = ("id", "asc")
    contact_columns = ("street_contacts", "drainage_contacts", "traffic_contacts", "urban_contacts",
                       "emergency_contacts", "leaders")
    fields = [
        Field("name", "积水点名称", required=True, max_length=200, search="like"),
        Field("unit", "辖区", "unit", required=True, search="eq"),
        Field("cameras", "关联摄像头", max_length=1000, validator=check_cameras, help="摄像头编码，多个以、分隔"),
        _contacts("street_contacts", "街道联系人"),
        _contacts("drainage_contacts", "抽排部门联系人"),
        _contacts("traffic_contacts", "交警部门联系人", search=False),
        _contacts("urban_contacts", "城管部门联系人"),
        _contacts("emergency_contacts", "应急部门联系人"),
        _contacts("leaders", "分包领导"),
    ]

    def derive(self, values):
        for column in self.contact_columns:
            if values.get(column):
                values[column] = format_contacts(values[column])
        if values.get("cameras"):
            values["cameras"] = "、".join(split_cameras(values["cameras"]))


DATACENTER_REGISTRIES = [
    HotlineOrderRegistry, UmsPartRegistry, UmsCaseRegistry, PublicOpinionRegistry, PetitionRegistry,
    EnterpriseRequestRegistry, MayorLetterRegistry, EmergencyEventRegistry, EmergencyExpertRegistry,
    EmergencySupplyRegistry, RescueTeamRegistry, ShelterRegistry, HeatStationRegistry, WaterloggingPointRegistry,
]
FEED_REGISTRIES = [r for r in DATACENTER_REGISTRIES if r.feed]

# ---------------------------------------------------------------------------- 接口对接 role
# Integration accounts of the other platforms: bulk upsert (and import, read) on the feeds, all territory.
extend_role_permissions(INTEGRATION, [
    (r"can_(bulk|list|show|import|template)", "(" + "|".join(r.model.__name__ for r in FEED_REGISTRIES) + ")"),
])
ROLE_SCOPE[INTEGRATION] = ScopeMode.ALL

# ---------------------------------------------------------------------------- dictionaries
register_dictionary("dc_hotline_type", "12345工单类型", ["咨询", "求助", "投诉", "建议", "表扬"])
register_dictionary("dc_opinion_level", "舆情级别", ["一般", "较大", "重大", "特别重大"])
register_dictionary("dc_opinion_region", "影响地域范围", ["本地", "本市", "本省", "全国"])
register_dictionary("dc_ethnicity", "民族", ["汉族", "回族", "满族", "蒙古族", "壮族", "维吾尔族", "苗族", "土家族", "其他"])
register_dictionary("dc_id_type", "证件类型", ["居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "其他"])
register_dictionary("dc_event_type", "应急事件类型", ["自然灾害", "事故灾难", "公共卫生事件", "社会安全事件"])
register_dictionary("dc_event_level", "应急事件等级", ["特别重大", "重大", "较大", "一般"])
register_dictionary("dc_event_status", "应急事件状态", ["待处理", "处理中", "已处理"])
register_dictionary("dc_expert_field", "专家专业领域", ["消防救援", "危化品处置", "医疗救护", "传染病防控", "防汛抗旱",
                                                  "地质灾害", "森林防灭火", "安全生产", "其他"])
register_dictionary("dc_expert_title", "专家职称", ["正高级", "副高级", "中级", "初级", "其他"])
register_dictionary("dc_education", "学历", ["博士研究生", "硕士研究生", "大学本科", "大学专科", "中专", "高中及以下"])
register_dictionary("dc_expert_status", "专家状态", ["在库", "停用"])
register_dictionary("dc_supply_type", "物资类型", ["帐篷", "发电机", "救生器材", "食品饮水", "药品", "其他"])
register_dictionary("dc_team_type", "队伍类型", ["消防", "专业", "志愿者", "企业", "其他"])
register_dictionary("dc_team_category", "救援队伍类型", ["综合", "防汛", "森林防灭火", "煤矿", "危化", "地震", "水域", "其他"])
register_dictionary("dc_normal_status", "启用状态", ["正常", "停用"])
register_dictionary("dc_shelter_type", "避难所类型", ["地震", "洪涝灾害", "火灾", "海啸灾害", "综合", "其他"])
register_dictionary("dc_shelter_status", "避难所状态", ["可用", "停用", "维护中"])
register_dictionary("dc_heat_station_type", "热力站类型", ["一级站", "二级站", "换热站"])

for _reg in DATACENTER_REGISTRIES:
    for _f in _reg.fields:
        if _f.dict_type:
            register_usage(_f.dict_type, _reg.model, _f.column)


# ---------------------------------------------------------------------------- demo rows
def _add(reg_cls, rows):
    reg = reg_cls()
    for values in rows:
        values = dict(values)
        reg.finish_values(values)
        values.pop("remaining_days", None)
        db.session.add(reg_cls.model(**values))
    db.session.flush()


def _at(text):
    return dt.datetime.fromisoformat(text)


@register_demo_seeder
def _demo_datacenter(units, users):
    u = {name: unit.id for name, unit in units.items()}
    _add(HotlineOrderRegistry, [
        dict(source_id="1185206", address="魏都区西环路", channel="人工电话", order_type="咨询",
             description="据诉求人反映：西环北路（西环北路与新兴西路交叉路口路段）该路段被交通部门封路，禁止通行，"
                         "现希望核实具体原因，请责任单位尽快处理。",
             category1="交通运输", category2="公路管理", category3="路网路况", accepted_at=_at("2025-09-16 09:12:00"),
             handle_started_at=_at("2025-09-16 10:00:00"), county="魏都区", street="西大街街道", purpose="核实情况",
             urgency="一般", requester="王先生", requester_phone="13903741185", handler_unit="魏都区住房和城乡建设局",
             status="办理中", is_visited=False),
        dict(source_id="1185207", address="其他", channel="人工电话", order_type="求助",
             description="诉求人来电反映为其转接110后民警告知其位置不归属其管理，要求再次为其转接110。",
             category1="公共服务", category2="便民服务", category3="便民信息查询", accepted_at=_at("2025-09-16 09:30:00"),
             county="建安区", street="尚集镇", purpose="求助", urgency="紧急", requester="李女士",
             requester_phone="13703741207", handler_unit="建安区公安分局", status="已办结",
             finished_at=_at("2025-09-16 11:00:00"), is_visited=True, satisfaction="满意"),
    ])
    _add(UmsPartRegistry, [
        dict(major_code="01", major_name="公用设施", minor_code=code, minor_name=name, quantity=qty)
        for code, name, qty in [("01", "上水井盖", 12043), ("02", "污水井盖", 21862), ("03", "雨水井盖", 8685),
                                ("04", "雨水篦子", 28237)]])
    _add(UmsCaseRegistry, [
        dict(case_no="YGF2025090001", title="西大街人行道井盖破损", description="人行道雨水井盖破损，存在安全隐患。",
             filed_at=_at("2025-09-10 08:30:00"), major_category="公用设施", minor_category="雨水井盖",
             address="魏都区西大街与七一路交叉口", street="西大街街道", longitude=113.826, latitude=34.027,
             source="监督员上报", handler_unit="市城管局", status="处置中"),
    ])
    _add(PublicOpinionRegistry, [
        dict(title="#暴雨来袭", summary="#暴雨来袭河南省-许昌市-建安区-尚集镇-吕桥村", urgency="一般", level="一般",
             occurred_on=dt.date(2025, 9, 16), unit_id=u["甄庄村"], keywords="暴雨", subject="--", region="本地",
             attachment="舆情雨.png"),
        dict(title="防盗提醒", summary="黄金楼周边防盗提醒", urgency="一般", level="一般", occurred_on=dt.date(2025, 9, 15),
             unit_id=u["府后社区"], keywords="防盗", subject="黄金楼", region="本市"),
    ])
    _add(PetitionRegistry, [
        dict(petition_no="XF2025090001", petition_date=dt.date(2025, 9, 5), name="陈光路", gender="男",
             ethnicity="汉族", id_type="居民身份证", id_number="413027197112234727", mobile="13513897129",
             address="河南省郑州市金水区天赋路7号1号楼", people_count=1, joint=False, anonymous=False,
             summary="反映2012年9月在禹州市郭店镇承建太和新型农村社区项目，至今拖欠其100余人工资未支付等问题。",
             content_category="劳动和社会保障", petition_form="来访", complaint_method="走访", unit_id=u["许由街道"],
             register_org="河南省许昌市禹州市信访局", register_dept="禹州市信访局接访联络和人民来信建议征集股",
             handle_method="登记", finished=False, repeat_count=0, first_org="河南省许昌市禹州市信访局",
             first_date=dt.date(2025, 6, 30), first_method="走访", last_date=dt.date(2025, 9, 5)),
    ])
    _add(EnterpriseRequestRegistry, [
        dict(serial_no="WRZQ2025090001", enterprise="许昌瑞贝卡发制品股份有限公司", request_type="用工需求",
             content="企业扩产需招聘普工200人。", submitted_at=_at("2025-09-08 10:00:00"), county="建安区",
             handler_unit="建安区人力资源和社会保障局", status="办理中"),
    ])
    _add(MayorLetterRegistry, [
        dict(letter_no="SZXX2025090001", writer="张先生", phone="13803749001", title="建议增加公交线路",
             content="建议增开至新区的公交线路。", received_at=_at("2025-09-09 15:20:00"), letter_type="建议",
             handler_unit="市交通运输局", status="已回复", reply="已纳入线网优化方案。",
             replied_at=_at("2025-09-12 09:00:00"), is_public=True),
    ])
    _add(EmergencyEventRegistry, [
        dict(code="EM202412050001", title="市区强降雨积水", event_type="自然灾害", level="重大", status="处理中",
             occurred_at=_at("2025-09-05 14:23:00"), unit_id=u["许由街道"], location="市中心商业区",
             longitude=113.856174, latitude=34.019441, description="受强降雨影响，市区多处出现积水，部分道路无法通行",
             impact="商业区周边道路", casualties="无", reported_at=_at("2025-09-05 14:23:00")),
        dict(code="EM202412050002", title="住宅厨房起火", event_type="事故灾难", level="较大", status="已处理",
             occurred_at=_at("2025-09-06 18:10:00"), unit_id=u["金地社区"], location="XX小区6栋",
             description="住户厨房起火，现已扑灭", reported_at=_at("2025-09-06 18:20:00")),
    ])
    _add(EmergencyExpertRegistry, [
        dict(name="赵专家", gender="男", domains="消防救援、危化品处置", work_unit="市消防科学研究所", post="高级工程师",
             phone="13600136001", status="在库", unit_id=u["许昌市"]),
        dict(name="钱专家", gender="女", domains="医疗救护、传染病防控", work_unit="市人民医院", phone="13600136002",
             status="在库", unit_id=u["许昌市"]),
    ])
    _add(EmergencySupplyRegistry, [
        dict(code="MT001", name="应急帐篷", supply_type="帐篷", quantity=100, measure_unit="顶", location="市应急物资仓库",
             keeper="王管理员", keeper_phone="13900139001", unit_id=u["许昌市"]),
        dict(code="MT002", name="便携式发电机", supply_type="发电机", quantity=20, measure_unit="台",
             location="市应急物资仓库", keeper="王管理员", keeper_phone="13900139001", unit_id=u["许昌市"]),
    ])
    _add(RescueTeamRegistry, [
        dict(name="市消防救援支队", team_type="消防", code="RT001", member_count=150, leader="张队长",
             leader_phone="13800138001", base_address="消防支队大楼", longitude=113.842466, latitude=34.026503,
             categories="煤矿、综合", specialties="火灾救援、危化品处置", status="正常", unit_id=u["许昌市"]),
        dict(name="蓝天救援队", team_type="志愿者", code="RT002", member_count=80, leader="李队长",
             leader_phone="13800138002", base_address="志愿者服务中心", categories="综合、防汛、森林防灭火",
             specialties="水域救援、山地救援", status="正常", unit_id=u["许昌市"]),
    ])
    _add(ShelterRegistry, [
        dict(code="SH001", name="市体育馆应急避难所", shelter_type="洪涝灾害", capacity=2000, status="可用",
             address="体育路88号市体育馆", unit_id=u["西大街街道"], longitude=113.843813, latitude=34.023286,
             keeper="李所长", phone="13700137001", facilities="帐篷区、供水点、医疗点、食品发放点"),
        dict(code="SH002", name="中心小学临时避难点", shelter_type="海啸灾害", capacity=500, status="可用",
             address="教育路15号中心小学", unit_id=u["尚集镇"], keeper="张校长", phone="13700137002",
             facilities="教室、操场、食堂、卫生间"),
    ])
    _add(HeatStationRegistry, [
        dict(code="RLZ001", name="魏都一级热力站", station_type="一级站", area="魏都区", address="魏都区文峰路18号",
             longitude=113.83, latitude=34.02, heating_area=120.5, run_status="运行", keeper="周站长",
             phone="13603740001"),
    ])
    _add(WaterloggingPointRegistry, [
        dict(name="八一路劳动路口东", unit_id=u["魏都区"],
             cameras="41100205052006000011:41100200001310800110",
             street_contacts="李昭鹏15188533368 柴松杰15736807268", drainage_contacts="刘洋18637418655",
             traffic_contacts="刘创业18637460801", urban_contacts="杨焱13513746928",
             emergency_contacts="王艳13837402663", leaders="韩扬17837409989"),
        dict(name="天宝路延安路口", unit_id=u["魏都区"], street_contacts="王宏勋15736811559",
             drainage_contacts="刘洋18637418655", traffic_contacts="田鑫13619885673 付翔涛18037194137",
             urban_contacts="杨焱13513746928", emergency_contacts="王艳13837402663", leaders="殷文龙19103996099"),
    ])
