"""党建引领 registries (manual §七), each a declaration on the generic machinery."""
from sqlalchemy import select

from app.demo import register_demo_seeder
from app.extensions import db
from app.models.party import PartyOrg
from app.registries.base import Registry
from app.registries.fields import Field, check_phone
from app.services.dictionaries import register_dictionary

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


PARTY_REGISTRIES = [PartyOrgRegistry]


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
