"""Demo tickets in different states, taken from the manual (development data only)."""
from sqlalchemy import select

from app.demo import register_demo_seeder
from app.extensions import db
from app.models.dictionary import EventCategory


def _category(full_name):
    return db.session.scalar(select(EventCategory.id).where(EventCategory.full_name == full_name))


def _body(title, description, address, category, urgency="一般", party=("小彩", "13937453068")):
    return {"title": title, "description": description, "address": address, "category_id": _category(category),
            "urgency": urgency, "party_name": party[0], "party_phone": party[1]}


@register_demo_seeder
def seed_demo_tickets(units, users):
    """Road collapse signed by 金地社区; charging piles awaiting the grid leader; a finished school-road
    check; a gas leak at 魏都区 assigned to its 住建局."""
    from app.workflow import services as s

    db.session.flush()
    member = users["cs471_member"]
    member.phone = member.phone or "13937453068"
    road = s.report(member, **_body("延安路与光明路口发生道路塌陷", "延安路与光明路口发生道路塌陷", "延安路与光明路口",
                                    "服务类 / 民生诉求类 / 城乡建设类"))
    s.escalate(users["cs471_member"], road.id, target="upper", reason="网格无法处置，请求上级处理")
    app_id = road.applications[0].id
    s.review_escalation(users["cs471_leader"], road.id, application_id=app_id, approve=True, opinion="同意上报")
    s.sign(users["jindi_handler"], road.id)

    piles = s.report(member, **_body("小区内充电桩不足", "豫中碧桂园小区内充电桩不足，请求新建一些。", "豫中碧桂园小区内",
                                     "服务类 / 民生诉求类 / 城乡建设类", party=("李文龙", "13137438118")))
    s.escalate(member, piles.id, target="upper", reason="超过自身管理请求上级处理")

    school = s.report(member, **_body("魏都区重点学校周边道路安全隐患排查及整治",
                                      "金明路小学周边道路标线不清晰，部分斑马线磨损严重；校门口机动车随意停放。",
                                      "魏都区文峰街道金明路小学周边道路", "管理类 / 风险隐患类 / 安全生产类",
                                      party=("王雨", "19589342561")))
    s.finish(member, school.id, result="已处置", content="已联系交警部门重新施划标线并劝离违停车辆")

    gas = s.report(member, **_body("燃气管道泄露", "天宝路口发生燃气管道泄露", "天宝路口",
                                   "应急类 / 重大公共安全事件 / 事故灾难类", urgency="重大"))
    chain = [("cs471_member", "cs471_leader", "jindi_handler"), ("jindi_handler", "jindi_head", "xidajie_handler"),
             ("xidajie_handler", "xidajie_head", "weidu_handler")]
    for applicant, reviewer, signer in chain:
        s.escalate(users[applicant], gas.id, target="upper", reason="情况紧急，请求上级处置")
        pending = [a for a in gas.applications if a.status == "pending"][0]
        s.review_escalation(users[reviewer], gas.id, application_id=pending.id, approve=True, opinion="同意")
        s.sign(users[signer], gas.id)
    s.open_ledger(users["weidu_handler"], gas.id, days=3, unit_type="department",
                  lead_unit_id=units["魏都区住房和城乡建设局"].id, lead_task="立即关闭阀门并抢修", co_unit_ids=[])
    s.assign(users["weidu_handler"], gas.id)


@register_demo_seeder
def seed_demo_whistle(units, users):
    """街乡吹哨 and 领导批示 to click through: a street-light fault held by 西大街街道 (signed, open)
    that has called 金地社区 (checked in) and the district's 住建局 (not yet); a city instruction
    assigned to 魏都区."""
    from app.workflow import services as s

    lights = s.report(users["cs471_member"], **_body(
        "东篱路北侧路灯不亮", "东篱路（兴业路至文峰西路段）北侧约4盏路灯连续两晚不亮，存在安全隐患。", "东篱路北侧",
        "服务类 / 民生诉求类 / 城乡建设类"))
    for applicant, reviewer, signer in (("cs471_member", "cs471_leader", "jindi_handler"),
                                        ("jindi_handler", "jindi_head", "xidajie_handler")):
        s.escalate(users[applicant], lights.id, target="upper", reason="超过自身管理请求上级处理")
        pending = [a for a in lights.applications if a.status == "pending"][0]
        s.review_escalation(users[reviewer], lights.id, application_id=pending.id, approve=True, opinion="同意")
        s.sign(users[signer], lights.id)
    s.whistle(users["xidajie_handler"], lights.id, title=lights.title, description=lights.description,
              address=lights.address, urgency="一般", multi_dept=True, response_hours=24,
              unit_ids=[units["金地社区"].id, units["魏都区住房和城乡建设局"].id])
    s.whistle_checkin(users["jindi_handler"], lights.id)
    s.leader_instruction(users["city_handler"], **_body(
        "高风险地区返回人员排查", "请各单位排查近期自高风险地区返回的人员", "魏都区", "管理类 / 风险隐患类 / 安全生产类",
        party=("姜红晓", "18839926611")), days=4, unit_type="jurisdiction", lead_unit_id=units["魏都区"].id,
        lead_task="排查辖区内返回人员并登记", co_unit_ids=[])
