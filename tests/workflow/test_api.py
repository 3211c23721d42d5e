"""The same journeys through HTTP (``/api/v1/tickets``, ``/applications``, ``/supervisions``)."""
import pytest

from tests.workflow.helpers import report_body


def _unit_id(api, name):
    resp = api.get(f"/api/v1/units/?q=(filters:!((col:name,opr:eq,value:'{name}')))")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json["result"][0]["id"]


def _pending_app(client, ticket_id, kind):
    resp = client.get(f"/api/v1/applications/?q=(mine_to_review:!t,kind:{kind},status:pending,ticket_id:{ticket_id})")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["count"] >= 1
    return resp.json["result"][0]["id"]


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def _review(client, ticket_id, kind, approve=True, opinion="同意"):
    app_id = _pending_app(client, ticket_id, kind)
    return _ok(client.post(f"/api/v1/applications/{app_id}/review", json={"approve": approve, "opinion": opinion}))


@pytest.fixture()
def body(app):
    with app.app_context():
        return report_body()


def test_http_journey_grid_to_county_and_back(api, body):
    member, leader = api("cs471_member"), api("cs471_leader")
    t = _ok(member.post("/api/v1/tickets/", json=body), 201)
    tid = t["id"]
    assert t["status_words"]["数据状态"] == "处理中" and "escalate" in t["allowed_actions"]
    assert t["timeline"][0]["action"] == "新增" and t["timeline"][0]["detail"] == "—"
    _ok(member.post(f"/api/v1/tickets/{tid}/escalate", json={"target": "upper", "reason": "网格无法处理"}))
    _review(leader, tid, "escalation")
    jindi, jindi_head = api("jindi_handler"), api("jindi_head")
    t = _ok(jindi.get(f"/api/v1/tickets/{tid}"))
    assert "sign" in t["allowed_actions"] and t["status"] == "pending_sign"
    _ok(jindi.post(f"/api/v1/tickets/{tid}/sign", json={"convert": None}))
    _ok(jindi.post(f"/api/v1/tickets/{tid}/escalate", json={"target": "upper", "reason": "上报街道"}))
    _review(jindi_head, tid, "escalation")
    xidajie = api("xidajie_handler")
    _ok(xidajie.post(f"/api/v1/tickets/{tid}/sign", json={}))
    _ok(xidajie.post(f"/api/v1/tickets/{tid}/escalate", json={"target": "upper", "reason": "上报区"}))
    _review(api("xidajie_head"), tid, "escalation")
    weidu = api("weidu_handler")
    _ok(weidu.post(f"/api/v1/tickets/{tid}/sign", json={}))
    zjj_id = _unit_id(weidu, "魏都区住房和城乡建设局")
    t = _ok(weidu.post(f"/api/v1/tickets/{tid}/ledger", json={"days": 5, "unit_type": "department",
                                                             "lead_unit_id": zjj_id, "lead_task": "修复路面",
                                                             "co_unit_ids": []}))
    assert t["timeline"][-1]["action"] == "建立台账" and "assign" in t["allowed_actions"]
    t = _ok(weidu.post(f"/api/v1/tickets/{tid}/assign", json={}))
    assert t["tasks"][0]["unit_id"] == zjj_id and t["tasks"][0]["role"] == "lead"
    _ok(weidu.post(f"/api/v1/tickets/{tid}/supervise", json={"reason": "尽快", "requirement": "三日内", "days": 3}))
    zjj = api("weidu_zjj")
    _ok(zjj.post(f"/api/v1/tickets/{tid}/sign", json={}))
    sups = _ok(zjj.get("/api/v1/supervisions/?q=(mine:supervising_me,status:待签收)"))
    sup_id = [s for s in sups["result"] if s["ticket_id"] == tid][0]["id"]
    assert _ok(zjj.post(f"/api/v1/supervisions/{sup_id}/sign", json={}))["status"] == "已签收"
    assert _ok(zjj.post(f"/api/v1/supervisions/{sup_id}/feedback", json={"content": "已施工"}))["status"] == "已反馈"
    _ok(zjj.post(f"/api/v1/tickets/{tid}/feedback", json={"content": "已围挡"}))
    _ok(zjj.post(f"/api/v1/tickets/{tid}/apply-completion", json={"content": "已修复", "result": "恢复通行"}))
    _review(weidu, tid, "completion", approve=False, opinion="请补充照片")
    _ok(zjj.post(f"/api/v1/tickets/{tid}/apply-completion", json={"content": "已修复", "result": "恢复通行"}))
    _review(weidu, tid, "completion")
    t = _ok(weidu.post(f"/api/v1/tickets/{tid}/finish", json={"result": "已修复", "content": "恢复通行"}))
    assert t["state"] == "awaiting_ack" and "callback" in t["allowed_actions"]
    t = _ok(member.post(f"/api/v1/tickets/{tid}/acknowledge", json={}))
    assert t["state"] == "closed" and t["status_words"]["是否办结"] == "是"
    t = _ok(weidu.post(f"/api/v1/tickets/{tid}/callback", json={"method": "电话", "content": "满意", "satisfaction": 5}))
    assert t["timeline"][-1]["action"] == "回访"
    resp = weidu.post(f"/api/v1/tickets/{tid}/sign", json={})
    assert resp.status_code == 409 and resp.json["message"]
    listed = _ok(weidu.get(f"/api/v1/tickets/?q=(filters:!((col:id,opr:eq,value:{tid})))"))
    assert listed["count"] == 1


def test_http_scope_404_for_other_county(api, body):
    tid = _ok(api("cs471_member").post("/api/v1/tickets/", json=body), 201)["id"]
    jianan = api("jianan_handler")
    resp = jianan.get(f"/api/v1/tickets/{tid}")
    assert resp.status_code == 404 and resp.json["message"]
    assert jianan.post(f"/api/v1/tickets/{tid}/sign", json={}).status_code == 404
    listed = _ok(jianan.get(f"/api/v1/tickets/?q=(filters:!((col:id,opr:eq,value:{tid})))"))
    assert listed["count"] == 0


def test_http_bad_input_answers_400_403_404_409(api, body):
    member = api("cs471_member")
    resp = member.client.post("/api/v1/tickets/", data="{not json", headers=dict(member.headers, **{
        "Content-Type": "application/json"}))
    assert resp.status_code == 400 and "JSON" in resp.json["message"]
    resp = member.post("/api/v1/tickets/", json=[1, 2])
    assert resp.status_code == 400
    resp = member.post("/api/v1/tickets/", json=dict(body, category_id="abc", urgency=5, longitude="east"))
    assert resp.status_code == 400 and {"category_id", "urgency", "longitude"} <= set(resp.json["errors"])
    resp = member.post("/api/v1/tickets/", json=dict(body, title="x" * 10000))
    assert resp.status_code == 400 and "title" in resp.json["errors"]
    tid = _ok(member.post("/api/v1/tickets/", json=body), 201)["id"]
    assert member.post(f"/api/v1/tickets/{tid}/whatever", json={}).status_code == 404
    resp = api("weidu_zjj").post("/api/v1/tickets/", json=body)
    assert resp.status_code == 403
    resp = api("cs471_leader").post(f"/api/v1/tickets/{tid}/finish", json={"result": "x", "content": "y"})
    assert resp.status_code == 403 and resp.json["message"]
    resp = member.post(f"/api/v1/tickets/{tid}/acknowledge", json={})
    assert resp.status_code == 409
    resp = member.post(f"/api/v1/tickets/{tid}/escalate", json={"target": "upper", "reason": 12})
    assert resp.status_code == 400 and "reason" in resp.json["errors"]
    resp = member.put(f"/api/v1/tickets/{tid}", json={"title": "改标题", "version": 999})
    assert resp.status_code == 409 and resp.json["message"] == "数据已被他人修改，请刷新后重试"
    version = _ok(member.get(f"/api/v1/tickets/{tid}"))["version"]
    assert _ok(member.put(f"/api/v1/tickets/{tid}", json={"title": "改标题", "version": version}))["title"] == "改标题"
    assert api("cs471_member").get("/api/v1/applications/?q=(kind:nope)").status_code == 400
    assert member.post("/api/v1/applications/999999/review", json={"approve": True}).status_code == 404
    assert member.post("/api/v1/supervisions/999999/sign", json={}).status_code == 404
    assert _ok(member.delete(f"/api/v1/tickets/{tid}"))["message"]
    assert member.get(f"/api/v1/tickets/{tid}").status_code == 404


def test_cookie_session_actions_need_the_csrf_token(app, body, monkeypatch):
    from tests.conftest import login_page
    client = app.test_client()
    login_page(client, "cs471_member")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resp = client.post("/api/v1/tickets/", json=body)
    assert resp.status_code == 400 and "CSRF" in resp.json["message"]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert client.post("/api/v1/tickets/", json=body).status_code == 201
