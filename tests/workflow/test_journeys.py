"""The manual's journeys through the services."""
import datetime as dt

import pytest

from app.workflow import services
from app.workflow.errors import Conflict, Forbidden, Invalid, NotFound
from app.services.deadlines import add_working_days
from app.workflow.status import status_words
from tests.workflow.helpers import (act, approve, escalate_to_county, new_ticket, reject, tasks, ticket, timeline,
                                    unit, user)

pytestmark = pytest.mark.usefixtures("ctx")


def test_road_collapse_up_to_county_ledger_finish_ack_callback():
    tid = new_ticket()
    t = ticket(tid)
    assert t.state == "open" and t.owner_unit_id == unit("CS-471").id
    assert status_words(t)["数据状态"] == "处理中"
    escalate_to_county(tid)
    t = ticket(tid)
    assert t.owner_unit_id == unit("魏都区").id
    act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="尽快修复路面", co_unit_ids=[])
    assert status_words(ticket(tid), unit("魏都区").id)["任务状态"] == "建立台账未交办"
    act("weidu_handler", "assign", tid)
    assert status_words(ticket(tid), unit("魏都区").id)["任务状态"] == "建立台账已交办"
    act("weidu_zjj", "sign", tid)
    act("weidu_zjj", "feedback", tid, content="已安排施工队围挡")
    act("weidu_zjj", "apply_completion", tid, content="已修复", result="道路恢复通行")
    approve("weidu_handler", tid, "completion")
    assert tasks(tid, "魏都区住房和城乡建设局")[0].status == "completed"
    act("weidu_handler", "finish", tid, result="已修复", content="路面已恢复")
    t = ticket(tid)
    assert t.state == "awaiting_ack" and t.ack_unit_id == unit("CS-471").id
    assert status_words(t)["事件状态"] == "办结结果签收中"
    act("cs471_member", "acknowledge", tid)
    act("weidu_handler", "callback", tid, method="电话", content="群众满意", satisfaction=5)
    t = ticket(tid)
    assert t.state == "closed"
    lines = [e.text for e in timeline(tid)]
    assert any("【县区-魏都区-孟华宇】建立台账 派发主办单位: 魏都区住房和城乡建设局" in x for x in lines)
    assert any("【网格-CS-471网格-小彩】新增" in x for x in lines)
    assert any("【村镇/社区-金地社区-小宋】上报审核-通过" in x for x in lines)
    assert lines[-1].endswith("满意度: 非常满意")
    with pytest.raises(Conflict):
        act("weidu_handler", "callback", tid, method="电话", content="再次回访", satisfaction=4)


def test_demo_tickets_exist_in_several_states():
    from sqlalchemy import select
    from app.extensions import db
    from app.models.ticket import Ticket
    rows = {t.title: t for t in db.session.scalars(select(Ticket).where(Ticket.reporter_id == user("cs471_member").id))}
    assert rows["延安路与光明路口发生道路塌陷"].owner_unit_id == unit("金地社区").id
    assert rows["魏都区重点学校周边道路安全隐患排查及整治"].state == "closed"
    assert rows["燃气管道泄露"].owner_unit_id == unit("魏都区").id


def test_escalated_on_to_city_with_each_review_rejected_once():
    tid = new_ticket()
    act("cs471_member", "escalate", tid, target="upper", reason="网格无法处理")
    reject("cs471_leader", tid, "escalation")
    t = ticket(tid)
    assert t.owner_unit_id == unit("CS-471").id and timeline(tid)[-1].action == "上报审核-驳回"
    assert "材料不全" in timeline(tid)[-1].detail
    act("cs471_member", "escalate", tid, target="upper", reason="再次上报")
    approve("cs471_leader", tid, "escalation")
    act("jindi_handler", "sign", tid)
    act("jindi_handler", "escalate", tid, target="upper", reason="超过自身管理请求上级处理")
    approve("jindi_head", tid, "escalation")
    act("xidajie_handler", "sign", tid)
    act("xidajie_handler", "escalate", tid, target="upper", reason="需专业力量处置")
    approve("xidajie_head", tid, "escalation")
    act("weidu_handler", "sign", tid)
    # the county escalates on to the city; a handler may not review it, the head rejects once then approves
    act("weidu_handler", "escalate", tid, target="upper", reason="超出县区处置能力")
    with pytest.raises(Forbidden):
        approve("weidu_handler", tid, "escalation")
    reject("weidu_head", tid, "escalation")
    act("weidu_handler", "escalate", tid, target="upper", reason="超出县区处置能力，再次上报")
    approve("weidu_head", tid, "escalation")
    assert ticket(tid).owner_unit_id == unit("许昌市").id
    act("city_handler", "sign", tid)
    act("city_handler", "open_ledger", tid, days=3, unit_type="department", lead_unit_id=unit("市住房和城乡建设局").id,
        lead_task="组织抢修", co_unit_ids=[unit("市城管局").id])
    act("city_handler", "assign", tid)
    assert {t.unit.name: t.role for t in tasks(tid)} == {"市住房和城乡建设局": "lead", "市城管局": "co"}
    act("city_zjj", "sign", tid)
    act("city_cgj", "sign", tid)
    act("city_zjj", "feedback", tid, content="已到场处置")
    act("city_zjj", "apply_completion", tid, content="已修复", result="道路恢复通行")
    reject("city_handler", tid, "completion", opinion="请附现场照片")
    assert tasks(tid, "市住房和城乡建设局")[0].status == "open"
    act("city_zjj", "apply_completion", tid, content="已修复，附照片", result="道路恢复通行")
    approve("city_head", tid, "completion")
    with pytest.raises(Conflict):      # the co-unit is still open
        act("city_handler", "finish", tid, result="已修复", content="完成")
    act("city_cgj", "apply_completion", tid, content="配合完成", result="完成")
    approve("city_handler", tid, "completion")
    act("city_handler", "finish", tid, result="已修复", content="道路恢复通行")
    act("cs471_member", "acknowledge", tid)
    act("city_handler", "callback", tid, method="上门", content="回访满意", satisfaction=4)
    assert ticket(tid).state == "closed"
    assert any("办结审核-驳回" == e.action for e in timeline(tid))


def test_extension_approved_and_rejected_moves_deadline():
    tid = new_ticket()
    escalate_to_county(tid)
    act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")
    act("weidu_handler", "assign", tid)
    act("weidu_zjj", "sign", tid)
    before = tasks(tid, "魏都区住房和城乡建设局")[0].deadline
    act("weidu_zjj", "apply_extension", tid, days=3, reason="材料未到")
    assert status_words(ticket(tid), unit("魏都区住房和城乡建设局").id)["是否延期"] == "申请中"
    with pytest.raises(Conflict):
        act("weidu_zjj", "apply_extension", tid, days=2, reason="重复申请")
    approve("weidu_handler", tid, "extension")
    after = tasks(tid, "魏都区住房和城乡建设局")[0].deadline
    assert after == add_working_days(before, 3)     # 延期天数 are working days (issue #9)
    assert after - before >= dt.timedelta(days=3)
    assert status_words(ticket(tid), unit("魏都区住房和城乡建设局").id)["是否延期"] == "是"
    assert "延期后截止日期" in timeline(tid)[-1].detail
    act("weidu_zjj", "apply_extension", tid, days=7, reason="仍需时间")
    reject("weidu_handler", tid, "extension", opinion="期限已足够")
    assert tasks(tid, "魏都区住房和城乡建设局")[0].deadline == after
    assert timeline(tid)[-1].action == "延期审核-驳回延期申请"


def test_return_approved_then_reassigned_down_the_chain():
    tid = new_ticket()
    escalate_to_county(tid)
    act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")
    act("weidu_handler", "assign", tid)
    act("weidu_zjj", "sign", tid)
    act("weidu_zjj", "apply_return", tid, reason="不属于本部门职责")
    reject("weidu_handler", tid, "return", opinion="属于你部门职责")
    assert tasks(tid, "魏都区住房和城乡建设局")[0].status == "open"
    act("weidu_zjj", "apply_return", tid, reason="确属街道职责")
    approve("weidu_handler", tid, "return")
    assert tasks(tid, "魏都区住房和城乡建设局")[0].status == "returned"
    # the county holds the work again and assigns it to the township
    act("weidu_handler", "open_ledger", tid, days=4, unit_type="jurisdiction", lead_unit_id=unit("西大街街道").id,
        lead_task="组织修复")
    act("weidu_handler", "assign", tid)
    act("xidajie_handler", "sign", tid)
    with pytest.raises(Invalid) as err:
        act("xidajie_handler", "assign", tid, unit_id=unit("文峰社区").id, task="现场处置", days=2)
    assert "unit_id" in err.value.errors
    act("xidajie_handler", "assign", tid, unit_id=unit("金地社区").id, task="现场处置", days=2)
    act("jindi_handler", "sign", tid)
    act("jindi_handler", "assign", tid, unit_id=unit("CS-471").id, task="现场看护", days=1)
    act("cs471_member", "sign", tid)
    act("cs471_member", "apply_completion", tid, content="已看护", result="完成")
    with pytest.raises(Conflict):           # something it assigned is still open
        act("jindi_handler", "apply_completion", tid, content="已处置", result="完成")
    approve("jindi_handler", tid, "completion")
    act("jindi_handler", "apply_completion", tid, content="已处置", result="完成")
    approve("xidajie_handler", tid, "completion")
    act("xidajie_handler", "apply_completion", tid, content="已修复", result="完成")
    approve("weidu_handler", tid, "completion")
    assert status_words(ticket(tid), unit("魏都区").id)["任务状态"] == "交办部门已办结"
    act("weidu_handler", "finish", tid, result="已修复", content="完成")
    assert ticket(tid).state == "awaiting_ack"


def test_supervision_signed_and_answered():
    tid = new_ticket()
    escalate_to_county(tid)
    with pytest.raises(Conflict):
        act("weidu_handler", "supervise", tid, reason="尽快处理", requirement="三日内完成", days=3)
    act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")
    act("weidu_handler", "assign", tid)
    act("weidu_handler", "supervise", tid, reason="尽快处理", requirement="三日内完成", days=3)
    t = ticket(tid)
    sup = t.supervisions[0]
    assert sup.target_unit_id == unit("魏都区住房和城乡建设局").id and sup.status == "待签收"
    assert status_words(t)["是否督办"] == "是"
    with pytest.raises(Conflict):
        act("weidu_zjj", "supervision_feedback", tid, content="还没签收")
    act("weidu_zjj", "supervision_sign", tid)
    with pytest.raises(Conflict):
        act("weidu_zjj", "supervision_sign", tid)
    act("weidu_zjj", "supervision_feedback", tid, content="已组织施工")
    assert ticket(tid).supervisions[0].status == "已反馈"
    # the supervisor adds an opinion; the supervised unit may not
    with pytest.raises(Forbidden):
        act("weidu_zjj", "supervision_opinion", tid, opinion="自评")
    with pytest.raises(Invalid):
        act("weidu_handler", "supervision_opinion", tid, opinion="")
    act("weidu_handler", "supervision_opinion", tid, opinion="反馈及时，继续跟进")
    assert ticket(tid).supervisions[0].opinion == "反馈及时，继续跟进"
    assert timeline(tid)[-1].action == "督办意见"


def test_peer_transfer_jindi_to_fuhou():
    tid = new_ticket()
    act("cs471_member", "escalate", tid, target="upper", reason="网格无法处理")
    approve("cs471_leader", tid, "escalation")
    act("jindi_handler", "sign", tid)
    with pytest.raises(Invalid):
        act("jindi_handler", "transfer", tid, unit_id=unit("文峰社区").id)
    act("jindi_handler", "transfer", tid, unit_id=unit("府后社区").id, reason="位于府后社区辖区")
    t = ticket(tid)
    assert t.owner_unit_id == unit("府后社区").id
    assert status_words(t, unit("金地社区").id)["转办状态"] == "已转办"
    assert t.periods[-1].deadline == t.periods[-2].deadline
    with pytest.raises(Conflict):
        act("jindi_handler", "finish", tid, result="x", content="y")
    act("fuhou_handler", "sign", tid)
    act("fuhou_handler", "finish", tid, result="已修复", content="完成")
    act("cs471_member", "acknowledge", tid)
    assert ticket(tid).state == "closed"


def test_concurrent_style_second_sign_is_refused_with_signer_name():
    tid = new_ticket()
    act("cs471_member", "escalate", tid, target="upper", reason="网格无法处理")
    approve("cs471_leader", tid, "escalation")
    act("jindi_handler", "sign", tid)
    with pytest.raises(Conflict) as err:
        act("jindi_handler", "sign", tid)
    assert "该事件已被【金地社区-张昊】签收" == err.value.message


def test_department_escalation_and_12345_push():
    tid = new_ticket()
    with pytest.raises(Invalid) as err:
        act("cs471_member", "escalate", tid, target="department", reason="需部门处置", unit_id=unit("建安区住房和城乡建设局").id)
    assert set(err.value.errors) == {"unit_id", "task"}
    act("cs471_member", "escalate", tid, target="department", reason="需部门处置",
        unit_id=unit("魏都区住房和城乡建设局").id, task="修复路面")
    approve("cs471_leader", tid, "escalation")
    t = ticket(tid)
    assert t.owner_unit_id == unit("魏都区").id
    assert [(x.unit.name, x.status, x.text) for x in t.tasks] == [("魏都区住房和城乡建设局", "pending_sign", "修复路面")]
    act("weidu_zjj", "sign", tid)
    act("weidu_zjj", "apply_completion", tid, content="已修复", result="完成")
    approve("weidu_handler", tid, "completion")
    act("weidu_handler", "finish", tid, result="已修复", content="完成")
    assert ticket(tid).ack_unit_id == unit("CS-471").id

    from sqlalchemy import select
    from app.extensions import db
    from app.models.ticket import OutboundMessage
    pid = new_ticket()
    act("cs471_member", "escalate", pid, target="12345", reason="属于热线受理范围")
    t = ticket(pid)
    assert t.state == "pushed" and t.pushed_12345
    msg = db.session.scalar(select(OutboundMessage).where(OutboundMessage.ticket_id == pid))
    assert msg.status == "待发送" and "延安路" in msg.payload
    with pytest.raises(Conflict):
        act("cs471_member", "finish", pid, result="x", content="y")
    with pytest.raises(Conflict):
        act("cs471_member", "edit", pid, title="新标题")


def test_edit_and_delete_only_by_reporter_before_escalation():
    tid = new_ticket()
    act("cs471_member", "edit", tid, title="延安路塌陷（修改）", urgency="紧急")
    t = ticket(tid)
    assert t.title == "延安路塌陷（修改）" and t.urgency == "紧急"
    with pytest.raises(Invalid) as err:
        act("cs471_member", "edit", tid, urgency="特急", category_id="abc")
    assert set(err.value.errors) == {"urgency", "category_id"}
    with pytest.raises(Conflict):
        act("cs471_member", "edit", tid, title="x", version=t.version - 1)
    with pytest.raises(Forbidden):
        act("cs471_leader", "delete", tid)
    act("cs471_member", "delete", tid)
    with pytest.raises(NotFound):
        act("cs471_member", "edit", tid, title="x")


def test_out_of_scope_is_not_found_and_logged():
    tid = new_ticket()
    with pytest.raises(NotFound):
        act("jianan_handler", "sign", tid)
    with pytest.raises(NotFound):
        services.load_ticket(user("jianan_handler"), tid, lock=False)


def test_invalid_input_is_per_field_and_changes_nothing():
    tid = new_ticket()
    escalate_to_county(tid)
    from tests.workflow.helpers import timeline_count
    before = (ticket(tid).version, timeline_count(tid))
    with pytest.raises(Invalid) as err:
        act("weidu_handler", "open_ledger", tid, days=0, unit_type="x", lead_unit_id=unit("西大街街道").id)
    assert {"days", "unit_type", "lead_unit_id"} <= set(err.value.errors)
    assert (ticket(tid).version, timeline_count(tid)) == before
    with pytest.raises(Forbidden):
        act("jindi_head", "sign", tid)


def test_every_action_moves_the_version_and_adds_one_timeline_entry():
    from tests.workflow.helpers import timeline_count
    tid = new_ticket()
    v0, n0 = ticket(tid).version, timeline_count(tid)
    act("cs471_member", "escalate", tid, target="upper", reason="上报")
    approve("cs471_leader", tid, "escalation")
    act("jindi_handler", "sign", tid)
    assert ticket(tid).version == v0 + 3 and timeline_count(tid) == n0 + 3
    with pytest.raises(Conflict) as err:
        act("jindi_handler", "finish", tid, result="x", content="y", version=v0)
    assert err.value.message == "数据已被他人修改，请刷新后重试"
    act("jindi_handler", "finish", tid, result="x", content="y", version=v0 + 3)


def test_county_escalates_unsigned_ticket_to_city():
    tid = new_ticket()
    escalate_to_county(tid)   # signed by 魏都区 at the end; use a fresh one that stays unsigned
    uid = new_ticket()
    act("cs471_member", "escalate", uid, target="upper", reason="上报")
    approve("cs471_leader", uid, "escalation")
    act("jindi_handler", "sign", uid)
    act("jindi_handler", "escalate", uid, target="upper", reason="上报")
    approve("jindi_head", uid, "escalation")
    act("xidajie_handler", "sign", uid)
    act("xidajie_handler", "escalate", uid, target="upper", reason="上报")
    approve("xidajie_head", uid, "escalation")
    with pytest.raises(Conflict):       # a township must sign first; a county may escalate unsigned
        act("jindi_handler", "escalate", uid, target="upper", reason="x")
    act("weidu_handler", "escalate", uid, target="upper", reason="问题研判：直接上报市级")
    approve("weidu_head", uid, "escalation")
    assert ticket(uid).owner_unit_id == unit("许昌市").id
    act("city_handler", "sign", uid, convert="emergency")
    assert ticket(uid).converted == "emergency" and timeline(uid)[-1].action == "转应急事件"
    act("weidu_handler", "open_ledger", tid, days=2, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id)
    act("weidu_handler", "assign", tid)
    with pytest.raises(Invalid) as err:          # only an owner county or city converts when signing
        act("weidu_zjj", "sign", tid, convert="difficult")
    assert "convert" in err.value.errors
