"""党建引领 registries (manual §七), each a declaration on the generic machinery."""
import datetime as dt
from decimal import Decimal, InvalidOperation

from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.widgets import FormWidget
from sqlalchemy import select

from app.demo import register_demo_seeder
from app.extensions import db
from app.models.org import Unit, UnitKind
from app.models.party import (EVAL_DIMENSIONS, DualActivity, DualRegistration, EvalIndicator, EvalResult, PartyMember,
                              PartyOrg, years_before)
from app.registries.base import Registry, RegistryError, unit_choices
from app.registries.fields import Field, check_idcard, check_phone
from app.security.scope import current_scope
from app.services.dictionaries import choices as dict_choices, register_dictionary

PARTY = "党建引领"


class PartyOrgRegistry(Registry):
    """党组织管理 (§7.1)."""

    name = "party_orgs"
    title = "党组织管理"
    category = PARTY
    icon = "fa-flag"
    model = PartyOrg
    business_key = ("code",)
    unit_field = "unit"
    fields = [
        Field("code", "党组织编码", required=True, max_length=50, search="like"),
        Field("name", "党组织名称", required=True, max_length=200, search="like"),
        Field("org_type", "组织类型", required=True, dict_type="party_org_type", search="eq"),
        Field("org_level", "组织层级", required=True, dict_type="party_org_level", search="eq"),
        Field("parent", "上级党组织", "ref", ref=(PartyOrg, "code", "name"), in_list=False),
        Field("path_names", "组织路径", derived=True, in_list=False),
        Field("unit", "行政区划", "unit", required=True, search="eq"),
        Field("founded_on", "成立时间", "date", search="range"),
        Field("approved_by", "批准成立单位", max_length=200, search="like"),
        Field("center_address", "党员活动中心地址", max_length=300, in_list=False),
        Field("member_count", "党员人数", "int", min_value=0),
        Field("leader_name", "负责人姓名", max_length=50, search="like"),
        Field("leader_phone", "负责人电话", sensitive="phone", search="eq", validator=check_phone),
        Field("status", "状态", required=True, dict_type="party_status", search="eq"),
    ]

    def derive(self, values):
        parent_id = values.get("parent_id")
        names = []
        seen = set()
        while parent_id and parent_id not in seen:
            seen.add(parent_id)
            row = db.session.execute(select(PartyOrg.name, PartyOrg.parent_id).where(PartyOrg.id == parent_id)).first()
            if row is None:
                break
            names.append(row.name)
            parent_id = row.parent_id
        if "name" in values:
            values["path_names"] = " / ".join(list(reversed(names)) + [values["name"]])

    def check(self, values):
        own = values.get("id")
        if own and values.get("parent_id") == own:
            return [("parent", "上级党组织不能是它自己")]
        return []




register_dictionary("party_org_type", "组织类型", ["机关事业单位", "企业", "农村", "社区", "其他"])
register_dictionary("party_org_level", "组织层级", ["党委", "党总支", "党支部"])
register_dictionary("party_status", "党组织状态", ["正常", "停用"])


@register_demo_seeder
def _demo_party_orgs(units, users):
    import datetime as dt

    rows = [
        ("DZZ001", "中共许昌市魏都区委员会", "机关事业单位", "党委", None, "魏都区", "1986-03-01", "中共许昌市委", 1260,
         "孟华宇", "13903743068"),
        ("DZZ002", "中共西大街街道工作委员会", "机关事业单位", "党委", "DZZ001", "西大街街道", "1998-07-01",
         "中共许昌市魏都区委员会", 320, "赵红霞", "13703741234"),
        ("DZZ003", "中共金地社区支部委员会", "社区", "党支部", "DZZ002", "金地社区", "2008-05-12",
         "中共西大街街道工作委员会", 46, "张昊", "13803745678"),
        ("DZZ004", "中共尚集镇委员会", "农村", "党委", None, "尚集镇", "1992-10-01", "中共许昌市建安区委员会",
         410, "陈平", "13603749876"),
    ]
    by_code = {}
    reg = PartyOrgRegistry()
    for code, name, kind, level, parent, unit, founded, approved, count, leader, phone in rows:
        org = PartyOrg(code=code, name=name, org_type=kind, org_level=level,
                       parent_id=by_code[parent].id if parent else None, unit_id=units[unit].id,
                       founded_on=dt.date.fromisoformat(founded), approved_by=approved, member_count=count,
                       leader_name=leader, leader_phone=phone, status="正常", center_address=f"{unit}党群服务中心")
        values = {"name": name, "parent_id": org.parent_id, "leader_phone": phone}
        reg.finish_values(values)
        org.path_names, org.leader_phone_hash = values["path_names"], values["leader_phone_hash"]
        db.session.add(org)
        db.session.flush()
        by_code[code] = org


# ---------------------------------------------------------------------- 党员队伍管理 (§7.2)
class _AgeNotAColumnView:
    """FAB's own (unused) search form must not treat the computed 年龄 as a column."""

    search_exclude_columns = ["age"]


class _AgeNotAColumnApi:
    """The REST filters take 出生日期 ranges; 年龄 is computed, so it is not a filter column."""

    def __init__(self):
        self.search_columns = [c for c in self.search_columns if c != "age"]
        super().__init__()


class PartyMemberRegistry(Registry):
    """党员队伍管理 (§7.2).  年龄 is derived from 出生日期 as of today (never stored, see
    ``PartyMember.age``); searching 年龄 = N selects the 出生日期 range of people aged N today.
    A blank 出生日期 is taken from the 身份证号码; both given must agree."""

    name = "party_members"
    title = "党员队伍管理"
    category = PARTY
    icon = "fa-users"
    model = PartyMember
    business_key = ("code",)
    unit_field = "unit"
    view_mixins = (_AgeNotAColumnView,)
    api_mixins = (_AgeNotAColumnApi,)
    fields = [
        Field("code", "党员编号", required=True, max_length=50, search="like"),
        Field("name", "姓名", required=True, max_length=50, search="like"),
        Field("id_card", "身份证号码", sensitive="idcard", search="eq"),
        Field("gender", "性别", dict_type="gender", search="eq"),
        Field("ethnicity", "民族", dict_type="ethnicity", search="eq"),
        Field("birth_date", "出生日期", "date", search="range"),
        Field("age", "年龄", "int", derived=True, search="eq"),
        Field("education", "学历", dict_type="party_education", search="eq"),
        Field("political_status", "政治面貌", dict_type="political_status", search="eq"),
        Field("joined_on", "入党时间", "date", search="range"),
        Field("status", "状态", required=True, dict_type="party_member_status", search="eq"),
        Field("org", "所属党组织", "ref", ref=(PartyOrg, "code", "name"), search="like"),
        Field("unit", "行政区划", "unit", required=True, in_list=False),
        Field("activity_count", "参与治理活动次数", "int", min_value=0),
        Field("last_activity_on", "最近参与治理时间", "date"),
        Field("phone", "联系电话", sensitive="phone", search="eq"),
        Field("address", "常住地址", sensitive="address", max_length=300),
    ]

    def search_conditions(self, args):
        text = str(args.get("s_age") or "").strip()
        conds = super().search_conditions({k: v for k, v in args.items() if k != "s_age"})
        if text:
            try:
                age = int(text)
            except ValueError:
                raise RegistryError("年龄必须是整数")
            if not 0 <= age <= 150:
                raise RegistryError("年龄应在 0 到 150 之间")
            today = dt.date.today()
            born_after = years_before(today, age + 1)       # exclusive
            conds.append(PartyMember.birth_date > born_after)
            conds.append(PartyMember.birth_date <= years_before(today, age))
        return conds

    def derive(self, values):
        card = values.get("id_card")
        if values.get("birth_date") is None and card and check_idcard(card) is None:
            text = str(card)
            values["birth_date"] = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))

    def check(self, values):
        errors = []
        birth, card = values.get("birth_date"), values.get("id_card")
        if birth and birth > dt.date.today():
            errors.append(("birth_date", "出生日期不能晚于今天"))
        if birth and card and check_idcard(card) is None and str(card)[6:14] != birth.strftime("%Y%m%d"):
            errors.append(("birth_date", "出生日期与身份证号码不一致"))
        joined = values.get("joined_on")
        if joined and birth and joined <= birth:
            errors.append(("joined_on", "入党时间应晚于出生日期"))
        if joined and joined > dt.date.today():
            errors.append(("joined_on", "入党时间不能晚于今天"))
        return errors


# ---------------------------------------------------------------------- 双报到管理 (§7.3)
class _CommunityChoicesView:
    """The form's 结对社区 dropdown offers the user's 村/社区 only (the save checks it too)."""

    def _init_forms(self):
        def community_ids():
            return [uid for uid, _ in unit_choices(current_scope(), kinds=[UnitKind.COMMUNITY.value])]
        rel = {"community": [["id", FilterInFunction, community_ids]]}
        self.add_form_query_rel_fields = self.edit_form_query_rel_fields = rel
        super()._init_forms()


class DualRegistrationRegistry(Registry):
    """双报到管理 (§7.3; fields inferred, see ``DualRegistration``).  结对社区 must be a 村/社区;
    ``title`` ("报到党组织 – 结对社区") is derived for the activity records that refer to it."""

    name = "dual_registrations"
    title = "双报到管理"
    category = PARTY
    icon = "fa-handshake-o"
    model = DualRegistration
    business_key = ("org", "community", "reported_on")
    unit_field = "community"
    order_by = ("reported_on", "desc")
    view_mixins = (_CommunityChoicesView,)
    fields = [
        Field("org", "报到党组织", "ref", required=True, ref=(PartyOrg, "code", "name"), search="like"),
        Field("community", "结对社区", "unit", required=True, search="eq"),
        Field("reg_type", "报到类型", required=True, dict_type="party_dual_type", search="eq"),
        Field("reported_on", "报到时间", "date", required=True, search="range"),
        Field("claimed_project", "认领项目", max_length=200),
        Field("claimer_name", "认领人姓名", max_length=50),
        Field("status", "关系状态", required=True, dict_type="party_dual_status", search="eq"),
        Field("remark", "备注", "text", in_list=False),
    ]

    def derive(self, values):
        org = db.session.get(PartyOrg, values["org_id"]) if values.get("org_id") else None
        unit = db.session.get(Unit, values["community_id"]) if values.get("community_id") else None
        if org is not None and unit is not None:
            values["title"] = f"{org.name} – {unit.name}"

    def check(self, values):
        unit = db.session.get(Unit, values["community_id"]) if values.get("community_id") else None
        if unit is not None and unit.kind != UnitKind.COMMUNITY.value:
            return [("community", "结对社区必须是村/社区")]
        if "id" in values:
            # page and API saves (the import reports duplicates itself, or updates them)
            with db.session.no_autoflush:
                dup = db.session.scalar(select(DualRegistration.id).where(
                    DualRegistration.org_id == values.get("org_id"),
                    DualRegistration.community_id == values.get("community_id"),
                    DualRegistration.reported_on == values.get("reported_on"),
                    DualRegistration.id != (values["id"] or 0)))
            if dup is not None:
                return [("org", "该党组织在同一报到时间已向该社区报到")]
        return []


# ---------------------------------------------------------------------- 双报到活动记录 (§7.4)
class DualActivityRegistry(Registry):
    """双报到活动记录 (§7.4).  关联报到关系 shows (and is imported/exported as) the
    registration's "党组织 – 社区"; the record's 辖区 is that registration's community."""

    name = "dual_activities"
    title = "双报到活动记录"
    category = PARTY
    icon = "fa-calendar-check-o"
    model = DualActivity
    business_key = ("code",)
    fields = [
        Field("code", "活动编号", required=True, max_length=50, search="like"),
        Field("registration", "关联报到关系", "ref", required=True, ref=(DualRegistration, "title", "title")),
        Field("name", "活动名称", required=True, max_length=200, search="like"),
        Field("act_type", "活动类型", required=True, dict_type="party_activity_type", search="eq"),
        Field("description", "活动内容描述", "text"),
        Field("act_on", "活动时间", "date", required=True),
        Field("hours", "服务时长(小时)", "float", min_value=0, max_value=1000),
        Field("participants", "参与人数", "int", min_value=0, search="eq"),
        Field("rating", "社区评价", dict_type="party_community_rating", search="eq"),
    ]

    def derive(self, values):
        if values.get("registration_id"):
            values["unit_id"] = db.session.scalar(select(DualRegistration.community_id).where(
                DualRegistration.id == values["registration_id"]))

    def check(self, values):
        if values.get("act_on") and values["act_on"] > dt.date.today() + dt.timedelta(days=366):
            return [("act_on", "活动时间不正确")]
        return []


# ---------------------------------------------------------------------- 评价指标配置 (§7.5)
def check_two_decimals(value):
    try:
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
    except (InvalidOperation, ValueError):
        return "必须是数字"
    if isinstance(exponent, int) and exponent < -2:
        return "最多保留两位小数"


class EvalIndicatorRegistry(Registry):
    """评价指标配置 (§7.5).  配置单位 (not in the manual's form) scopes who may edit an
    indicator: the city's belong to 许昌市, a county may add its own."""

    name = "eval_indicators"
    title = "评价指标配置"
    category = PARTY
    icon = "fa-sliders"
    model = EvalIndicator
    business_key = ("code",)
    unit_field = "unit"
    order_by = ("code", "asc")
    fields = [
        Field("code", "指标编码", required=True, max_length=50, search="like"),
        Field("name", "指标名称", required=True, max_length=200, search="like"),
        Field("dimension", "维度分类", required=True, dict_type="party_eval_dimension", search="eq"),
        Field("weight", "权重值", "decimal", required=True, min_value=0, max_value=100,
              validator=check_two_decimals, help="0–100，最多两位小数"),
        Field("ind_type", "指标类型", required=True, dict_type="party_indicator_type", search="eq"),
        Field("target", "适用对象", required=True, dict_type="party_eval_object", search="eq"),
        Field("level", "适用层级", required=True, dict_type="party_indicator_level", search="eq"),
        Field("data_source", "数据来源说明", max_length=500, in_list=False),
        Field("definition", "指标定义说明", "text", in_list=False),
        Field("criteria", "评分标准", "text", in_list=False),
        Field("status", "状态", required=True, dict_type="party_status", search="eq"),
        Field("unit", "配置单位", "unit", required=True, in_list=False),
    ]


# ---------------------------------------------------------------------- 党建评价结果 (§7.6)
DEFAULT_FULL_SCORE = 20
DEFAULT_BANDS = [("90", "优秀"), ("80", "良好"), ("70", "合格"), ("60", "基本合格"), ("0", "不合格")]


def eval_bands():
    """[(minimum 总分, 评价等级, stars)] from the dictionary 党建评价等级分档 (字典值 = the band's
    minimum 总分, 字典标签 = 评价等级), highest first; the highest band has five stars, each
    lower one a star less (at least one).  Administrators edit it under 字典管理."""
    rows = []
    for value, label in dict_choices("party_eval_band") or DEFAULT_BANDS:
        try:
            rows.append((float(value), label))
        except (TypeError, ValueError):
            continue
    rows = sorted(rows or [(float(v), g) for v, g in DEFAULT_BANDS], reverse=True)
    return [(low, grade, max(1, 5 - i)) for i, (low, grade) in enumerate(rows)]


def grade_for(total, bands=None):
    """(评价等级, 星级评定) of a 总分; below every band: the lowest band, one star."""
    bands = bands or eval_bands()
    for low, grade, stars in bands:
        if total >= low:
            return grade, "★" * stars + "☆" * (5 - stars)
    low, grade, stars = bands[-1]
    return grade, "★" * stars + "☆" * (5 - stars)


class _GradeField(Field):
    """评价等级: an enumeration whose values are the current bands' grades."""

    def choices(self):
        return [(grade, grade) for _, grade, _ in eval_bands()]


def _dimension_fields():
    out = []
    for key, label in EVAL_DIMENSIONS:
        out += [Field(f"{key}_full", f"{label}-满分", "decimal", min_value=0, max_value=1000, in_list=False,
                      help=f"留空按 {DEFAULT_FULL_SCORE} 分"),
                Field(f"{key}_score", f"{label}-得分", "decimal", required=True, min_value=0, in_list=False),
                Field(f"{key}_rate", f"{label}-得分率(%)", "float", derived=True, in_list=False),
                Field(f"{key}_remark", f"{label}-备注", max_length=200, in_list=False)]
    return out


class EvalResultFormWidget(FormWidget):
    """The add/edit form with 各维度得分 as a sub-table (one row per dimension)."""

    template = "registry/party/eval_result_form.html"

    def __call__(self, **kwargs):
        dim_cols = [f"{key}_{part}" for key, _ in EVAL_DIMENSIONS for part in ("full", "score", "remark")]
        return super().__call__(dimensions=EVAL_DIMENSIONS, dim_cols=dim_cols, **kwargs)


class EvalResultView:
    """Page additions for 党建评价结果: the sub-table in the form and in the detail."""

    show_template = "registry/party/eval_result_show.html"
    add_widget = edit_widget = EvalResultFormWidget

    def render_template(self, template, **kwargs):
        dim_keys = [f"{key}_{part}" for key, _ in EVAL_DIMENSIONS for part in ("full", "score", "rate", "remark")]
        return super().render_template(template, dimensions=EVAL_DIMENSIONS, dim_keys=dim_keys, **kwargs)


class EvalResultRegistry(Registry):
    """党建评价结果 (§7.6).  各维度得分 is five fixed rows (the 五星 dimensions), stored and
    imported/exported as column groups "政治过硬星-满分/得分/得分率(%)/备注"; 得分率, 总分 (sum of
    the 得分), 评价等级 and 星级评定 (by ``eval_bands``) are derived on every save and import.
    A result keeps the grade of the bands in force when it was last saved."""

    name = "eval_results"
    title = "党建评价结果"
    category = PARTY
    icon = "fa-star"
    model = EvalResult
    business_key = ("code",)
    unit_field = "unit"
    view_mixins = (EvalResultView,)
    fields = [
        Field("code", "评价结果编号", required=True, max_length=50, search="like"),
        Field("object_name", "评价对象名称", required=True, max_length=200, search="like"),
        Field("object_type", "评价对象类型", required=True, dict_type="party_eval_object", search="eq"),
        Field("cycle", "评价周期", required=True, dict_type="party_eval_cycle", search="eq"),
        Field("evaluated_on", "评价时间", "date", required=True),
        Field("batch", "评价批次", max_length=100, search="like"),
        Field("unit", "行政区划", "unit", required=True, in_list=False),
        *_dimension_fields(),
        Field("total", "总分", "float", derived=True),
        _GradeField("grade", "评价等级", dict_type="party_eval_band", derived=True, search="eq"),
        Field("stars", "星级评定", derived=True),
        Field("evaluator", "评价人姓名", max_length=100),
        Field("review_status", "审核状态", required=True, dict_type="party_review_status", search="eq"),
        Field("reviewed_on", "审核时间", "date"),
        Field("remark", "评价说明", "text", in_list=False),
    ]

    def derive(self, values):
        total = 0.0
        for key, _ in EVAL_DIMENSIONS:
            full = values.get(f"{key}_full")
            if full is None:
                full = values[f"{key}_full"] = DEFAULT_FULL_SCORE
            score = values.get(f"{key}_score")
            values[f"{key}_rate"] = round(float(score) * 100 / float(full), 2) \
                if score is not None and float(full) > 0 else None
            total += float(score or 0)
        values["total"] = round(total, 2)
        values["grade"], values["stars"] = grade_for(values["total"])

    def check(self, values):
        errors = []
        for key, _ in EVAL_DIMENSIONS:
            full, score = values.get(f"{key}_full"), values.get(f"{key}_score")
            if full is not None and score is not None and float(score) > float(full):
                errors.append((f"{key}_score", f"得分不能大于满分 {float(full):g}"))
        reviewed, evaluated = values.get("reviewed_on"), values.get("evaluated_on")
        if reviewed and evaluated and reviewed < evaluated:
            errors.append(("reviewed_on", "审核时间不能早于评价时间"))
        return errors


PARTY_REGISTRIES = [PartyOrgRegistry, PartyMemberRegistry, DualRegistrationRegistry, DualActivityRegistry,
                    EvalIndicatorRegistry, EvalResultRegistry]


register_dictionary("ethnicity", "民族", [
    "汉族", "回族", "满族", "蒙古族", "壮族", "藏族", "维吾尔族", "苗族", "彝族", "土家族", "布依族", "侗族", "瑶族",
    "朝鲜族", "白族", "哈尼族", "哈萨克族", "黎族", "傣族", "畲族", "傈僳族", "仡佬族", "东乡族", "高山族", "拉祜族",
    "水族", "佤族", "纳西族", "羌族", "土族", "仫佬族", "锡伯族", "柯尔克孜族", "达斡尔族", "景颇族", "毛南族",
    "撒拉族", "布朗族", "塔吉克族", "阿昌族", "普米族", "鄂温克族", "怒族", "京族", "基诺族", "德昂族", "保安族",
    "俄罗斯族", "裕固族", "乌孜别克族", "门巴族", "鄂伦春族", "独龙族", "塔塔尔族", "赫哲族", "珞巴族", "其他"])
register_dictionary("party_education", "学历", ["研究生及以上", "本科", "大专", "高中/中专", "初中及以下"])
register_dictionary("political_status", "政治面貌", ["中共党员", "中共预备党员"])
register_dictionary("party_member_status", "党员状态", ["在职", "离退休", "其他"])
register_dictionary("party_dual_type", "报到类型", ["组织报到", "个人报到"])
register_dictionary("party_dual_status", "双报到关系状态", ["有效", "已解除"])
register_dictionary("party_activity_type", "双报到活动类型", ["志愿服务", "矛盾调解", "政策宣讲", "其他"])
register_dictionary("party_community_rating", "社区评价", ["好", "较好", "一般", "差"])
register_dictionary("party_eval_dimension", "评价维度", [label for _, label in EVAL_DIMENSIONS])
register_dictionary("party_indicator_type", "指标类型", ["必选指标", "可选指标"])
register_dictionary("party_eval_object", "评价对象类型", ["党员", "党支部"])
register_dictionary("party_indicator_level", "适用层级", ["全级别", "市级", "县级", "乡镇级", "村社区级"])
register_dictionary("party_eval_cycle", "评价周期", ["月度", "季度", "年度"])
register_dictionary("party_review_status", "审核状态", ["待审核", "已审核", "已公示"])
# 字典值 = the band's minimum 总分, 字典标签 = 评价等级 (see eval_bands)
register_dictionary("party_eval_band", "党建评价等级分档", DEFAULT_BANDS)


def _seed(registry, rows):
    """Add demo rows through the registry's own derivation and checks."""
    reg = registry()
    for values in rows:
        errors = reg.finish_values(values)
        assert not errors, (registry.__name__, values, errors)
        db.session.add(registry.model(**values))
    db.session.flush()


def _day(text):
    return dt.date.fromisoformat(text) if text else None


@register_demo_seeder
def _demo_party_registries(units, users):
    """The rows the manual's screenshots show (§7.2–7.6), placed in the demo unit tree."""
    org = {code: oid for code, oid in db.session.execute(select(PartyOrg.code, PartyOrg.id))}
    # §7.2: 张小明 … (the manual's 联系电话 column shows ciphertext "ENC_139…": a bug not copied)
    _seed(PartyMemberRegistry, [dict(
        code=code, name=name, id_card=card, gender=gender, ethnicity="汉族", birth_date=_day(birth),
        education=edu, political_status="中共党员", joined_on=_day(joined), status="在职", org_id=org[org_code],
        unit_id=units[unit].id, activity_count=count, last_activity_on=_day(last), phone=phone, address=address)
        for code, name, card, gender, birth, edu, joined, org_code, unit, count, last, phone, address in [
            ("M000001", "张小明", "411002199503151232", "男", "1995-03-15", "本科", "2018-07-01", "DZZ003", "金地社区",
             15, "2024-09-06", "13900000001", "许昌市魏都区建设路123号"),
            ("M000002", "李小红", "411002199208201241", "女", "1992-08-20", "研究生及以上", "2015-06-01", "DZZ003",
             "金地社区", 18, "2024-09-06", "13900000002", "许昌市魏都区建设路125号"),
            ("M000003", "王小强", "41100219980110125X", "男", "1998-01-10", "大专", "2020-12-01", "DZZ002",
             "府后社区", 12, "2024-09-05", "13900000003", "许昌市魏都区解放路88号"),
            ("M000004", "赵小芳", "411023199607221268", "女", "1996-07-22", "本科", "2019-06-01", "DZZ004", "吕桥村",
             20, "2024-09-06", "13900000004", "许昌市建安区八一路66号"),
        ]])
    # §7.3: 组织报到 on 2024-01-15, 2024-01-20, 2024-02-01, all 有效
    _seed(DualRegistrationRegistry, [dict(
        org_id=org[org_code], community_id=units[unit].id, reg_type="组织报到", reported_on=_day(day),
        claimed_project=project, claimer_name=claimer, status="有效")
        for org_code, unit, day, project, claimer in [
            ("DZZ001", "金地社区", "2024-01-15", "老旧小区环境整治", "李建国"),
            ("DZZ002", "府后社区", "2024-01-20", "邻里纠纷调解", "张秀芳"),
            ("DZZ004", "吕桥村", "2024-02-01", "农村人居环境提升", "王卫国"),
        ]])
    reg = {title: rid for title, rid in db.session.execute(select(DualRegistration.title, DualRegistration.id))}
    jindi = reg["中共许昌市魏都区委员会 – 金地社区"]
    fuhou = reg["中共西大街街道工作委员会 – 府后社区"]
    # §7.4: ACT001–ACT003 (the manual shows "undefined - undefined" for the registration: not copied)
    _seed(DualActivityRegistry, [dict(
        code=code, registration_id=rid, name=name, act_type=kind, description=text, act_on=_day(day), hours=hours,
        participants=people, rating=rating)
        for code, rid, name, kind, text, day, hours, people, rating in [
            ("ACT001", jindi, "社区环境整治志愿服务", "志愿服务", "组织党员清理社区垃圾、美化环境", "2024-03-15", 4, 25, "好"),
            ("ACT002", jindi, "健康义诊进社区", "志愿服务", "组织医务人员为社区居民免费体检", "2024-03-20", 6, 12, "好"),
            ("ACT003", fuhou, "矛盾纠纷调解", "矛盾调解", "调解邻里纠纷，维护社区和谐", "2024-03-25", 3, 5, "较好"),
        ]])
    # §7.5: M001–M009 (党员, 全级别) and B001–B004 (党支部, 市级)
    _seed(EvalIndicatorRegistry, [dict(
        code=code, name=name, dimension=dim, weight=weight, ind_type=kind, target=target, level=level,
        status="正常", unit_id=units["许昌市"].id,
        data_source="政治理论学习记录" if code == "M001" else None,
        definition="党员政治立场是否坚定，理想信念是否牢固" if code == "M001" else None,
        criteria="政治立场坚定、理想信念牢固得满分20分，基本坚定得15分，存在问题得10分" if code == "M001" else None)
        for code, name, dim, weight, kind, target, level in [
            ("M001", "政治立场坚定性", "政治过硬星", 20, "必选指标", "党员", "全级别"),
            ("M002", "理论学习完成度", "政治过硬星", 15, "必选指标", "党员", "全级别"),
            ("M003", "组织生活参与度", "政治过硬星", 15, "必选指标", "党员", "全级别"),
            ("M004", "履职尽责能力", "业务突出星", 20, "必选指标", "党员", "全级别"),
            ("M005", "业务水平专业性", "业务突出星", 15, "必选指标", "党员", "全级别"),
            ("M006", "工作质量效果", "业务突出星", 15, "必选指标", "党员", "全级别"),
            ("M007", "创新意识表现", "开拓创新星", 15, "必选指标", "党员", "全级别"),
            ("M008", "创新成果贡献", "开拓创新星", 20, "可选指标", "党员", "全级别"),
            ("M009", "改革创新参与", "开拓创新星", 15, "必选指标", "党员", "全级别"),
            ("B001", "重大决策贯彻落实", "业务突出星", 25, "必选指标", "党支部", "市级"),
            ("B002", "业务工作排名声誉", "业务突出星", 20, "必选指标", "党支部", "市级"),
            ("B003", "岗位练兵活动开展", "业务突出星", 15, "必选指标", "党支部", "市级"),
            ("B004", "党员业务钻研提升", "业务突出星", 15, "必选指标", "党支部", "市级"),
        ]])
    # §7.6: BR202409001–006; the manual rates 总分 4 as 优秀 — here every 总分 is the sum of the
    # dimension scores and the grade follows from it
    results = []
    for code, name, unit, scores, evaluator in [
            ("BR202409001", "建设路社区党支部", "金地社区", (20, 19, 19, 19, 19), "区委组织部"),
            ("BR202409002", "解放路社区党支部", "府后社区", (20, 20, 20, 20, 20), "区委组织部"),
            ("BR202409003", "八一路社区党支部", "文峰社区", (19.5, 19, 18.7, 18.5, 18.5), "区委组织部"),
            ("BR202409004", "东关社区党支部", "七里店社区", (18, 18, 17, 17.5, 17.5), "区委组织部"),
            ("BR202409005", "新东社区党支部", "吕桥村", (18, 17.5, 17, 17, 17), "区委组织部"),
            ("BR202409006", "许昌市教育局党委", "许昌市", (16, 16, 15.5, 15.5, 15.5), "市委组织部")]:
        row = dict(code=code, object_name=name, object_type="党支部", cycle="季度", evaluated_on=_day("2024-09-30"),
                   batch="2024年第三季度", unit_id=units[unit].id, evaluator=evaluator, review_status="已审核",
                   reviewed_on=_day("2024-10-10"))
        for (key, _), score in zip(EVAL_DIMENSIONS, scores):
            row[f"{key}_full"], row[f"{key}_score"] = DEFAULT_FULL_SCORE, score
        results.append(row)
    _seed(EvalResultRegistry, results)
