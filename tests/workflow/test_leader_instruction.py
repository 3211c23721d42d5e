"""领导批示 end to end over HTTP: the city creates and assigns in one step, the work goes down
市 → 魏都区 → 西大街街道 → 金地社区 and the completions come back up to the city's 办结 and 回访;
refusals change nothing.  The 部门事项-领导批示 pages with CSRF on."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models.ticket import Application, Ticket
from tests.conftest import login_page
from tests.workflow.helpers import leaf_id, timeline, unit


def _ids(app):
    with app.app_context():
        ids = {name: unit(name).id for name in ("魏都区", "建安区", "西大街街道", "金地社区", "市城管局")}
        ids["leaf"] = leaf_id()
        db.session.remove()
    return ids


def _body(ids, **over):
    body = {"title": "高风险地区返回人员排查", "description": "请各单位排查近期自高风险地区返回的人员", "address": "魏都区",
            "category_id": ids["leaf"], "urgency": "一般", "party_name": "姜红晓", "party_phone": "18839926611",
            "longitude": 113.83168631768795, "latitude": 34.01945571275765, "days": 5, "unit_type": "jurisdiction",
            "lead_unit_id": ids["魏都区"], "lead_task": "排查辖区内返回人员并登记", "co_unit_ids": [ids["建安区"]]}
    body.update(over)
    return body


def _ticket_count(app):
    with app.app_context():
        count = db.session.scalar(select(func.count(Ticket.id)))
        db.session.remove()
    return count


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def _approve_completion(app, client, tid, applicant):
    with app.app_context():
        app_id = db.session.scalar(select(Application.id).where(
            Application.ticket_id == tid, Application.kind == "completion", Application.status == "pending",
            Application.applicant_unit_id == unit(applicant).id))
        db.session.remove()
    assert app_id, f"no pending completion of {applicant}"
    _ok(client.post(f"/api/v1/applications/{app_id}/review", json={"approve": True, "opinion": "同意"}))


def test_leader_instruction_down_and_back_up(app, api):
    ids = _ids(app)
    city, weidu, xidajie, jindi, jianan = (api(u) for u in ("city_handler", "weidu_handler", "xidajie_handler",
                                                             "jindi_handler", "jianan_handler"))
    url = "/api/v1/tickets/leader-instruction"
    before = _ticket_count(app)
    # refusals: wrong role or unit, bad input (every field's mistake at once) — nothing created
    assert weidu.post(url, json=_body(ids)).status_code == 403
    assert api("city_head").post(url, json=_body(ids)).status_code == 403
    resp = city.post(url, json=_body(ids, title="", days=0, lead_unit_id=ids["西大街街道"], lead_task=""))
    assert resp.status_code == 400 and resp.json["message"]
    errors = resp.json["errors"]
    assert "事件标题不能为空" in errors["title"] and "期限天数不能小于1" in errors["days"]
    assert "请选择本单位下属的行政区划" in errors["lead_unit_id"] and "主办单位任务不能为空" in errors["lead_task"]
    resp = city.post(url, json=_body(ids, co_unit_ids=[ids["魏都区"]]))
    assert resp.status_code == 400 and "不能是主办单位" in resp.json["errors"]["co_unit_ids"][0]
    assert city.post(url, json=_body(ids, unit_type="department")).status_code == 400   # a county is no department
    assert _ticket_count(app) == before

    data = _ok(city.post(url, json=_body(ids)), 201)
    tid = data["id"]
    assert data["source"] == "领导批示" and data["owner_unit"] == "许昌市" and data["state"] == "open"
    assert sorted((t["unit"], t["role"], t["status"]) for t in data["tasks"]) == [
        ("建安区", "co", "pending_sign"), ("魏都区", "lead", "pending_sign")]
    assert [e["action"] for e in data["timeline"]] == ["领导批示"]
    assert "主办单位: 魏都区" in data["timeline"][0]["detail"] and "协办单位: 建安区" in data["timeline"][0]["detail"]
    assert data["status_words"]["任务状态"] == "建立台账已交办"
    assert _ticket_count(app) == before + 1
    assert api("wenfeng_handler").get(f"/api/v1/tickets/{tid}").status_code == 404
    t = f"/api/v1/tickets/{tid}"

    # down: 魏都区 signs and opens a ledger for 西大街街道; the township assigns 金地社区
    _ok(weidu.post(f"{t}/sign", json={}))
    _ok(weidu.post(f"{t}/ledger", json={"days": 3, "unit_type": "jurisdiction", "lead_unit_id": ids["西大街街道"],
                                        "lead_task": "排查街道辖区"}))
    _ok(weidu.post(f"{t}/assign", json={}))
    _ok(xidajie.post(f"{t}/sign", json={}))
    _ok(xidajie.post(f"{t}/assign", json={"unit_id": ids["金地社区"], "task": "逐户排查", "days": 2}))
    _ok(jindi.post(f"{t}/sign", json={}))
    _ok(jindi.post(f"{t}/feedback", json={"content": "已逐户排查，发现2人已登记"}))
    # the county cannot finish while its work is out; the community applies first
    assert weidu.post(f"{t}/apply-completion", json={"content": "x", "result": "y"}).status_code == 409
    _ok(jindi.post(f"{t}/apply-completion", json={"content": "排查完毕", "result": "已登记2人"}))

    # back up: each level approves and then applies itself
    _approve_completion(app, xidajie, tid, "金地社区")
    _ok(xidajie.post(f"{t}/feedback", json={"content": "街道排查完毕"}))
    _ok(xidajie.post(f"{t}/apply-completion", json={"content": "街道排查完毕", "result": "已登记"}))
    _approve_completion(app, weidu, tid, "西大街街道")
    _ok(weidu.post(f"{t}/feedback", json={"content": "区级排查完毕"}))
    _ok(weidu.post(f"{t}/apply-completion", json={"content": "区级排查完毕", "result": "已登记"}))
    assert city.post(f"{t}/finish", json={"content": "x", "result": "y"}).status_code == 409   # 建安区 still open
    _ok(jianan.post(f"{t}/sign", json={}))
    _ok(jianan.post(f"{t}/apply-completion", json={"content": "建安区无返回人员", "result": "已排查"}))
    _approve_completion(app, city, tid, "魏都区")
    _approve_completion(app, city, tid, "建安区")

    data = _ok(city.post(f"{t}/finish", json={"content": "各区县排查完毕", "result": "已办结"}))
    assert data["state"] == "closed" and data["finish_result"] == "已办结"
    data = _ok(city.post(f"{t}/callback", json={"method": "电话", "content": "领导满意", "satisfaction": 5}))
    assert data["callbacks"][0]["satisfaction"] == 5
    with app.app_context():
        actions = [e.action for e in timeline(tid)]
        db.session.remove()
    assert actions[0] == "领导批示" and actions[-2:] == ["办结", "回访"]
    assert actions.count("办结审核-已确认") == 4 and actions.count("签收") == 4


def test_leader_instruction_pages(app, monkeypatch):
    ids = _ids(app)
    city, county = app.test_client(), app.test_client()
    login_page(city, "city_handler")
    login_page(county, "weidu_handler")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    listing = city.get("/work/dept/instructions").get_data(as_text=True)
    assert "添加领导批示" in listing
    assert "添加领导批示" not in county.get("/work/dept/instructions").get_data(as_text=True)
    form = city.get("/work/dept/instructions/new").get_data(as_text=True)
    assert "主办单位任务" in form and "期限天数" in form and "市城管局" in form and "魏都区" in form
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = {"title": "页面-领导批示排查", "category_id": str(ids["leaf"]), "urgency": "一般", "address": "魏都区",
            "description": "请各单位排查", "party_name": "姜红晓", "party_phone": "18839926611", "days": "4",
            "unit_type": "department", "lead_unit_id": str(ids["市城管局"]), "lead_task": "排查城管辖区"}
    before = _ticket_count(app)
    assert city.post("/work/dept/instructions/new", data=data).status_code == 400          # no CSRF token
    html = city.post("/work/dept/instructions/new", data=dict(data, days="0", csrf_token=token),
                     follow_redirects=True).get_data(as_text=True)
    assert "期限天数不能小于1" in html and _ticket_count(app) == before
    resp = city.post("/work/dept/instructions/new", data=dict(data, csrf_token=token))
    assert resp.status_code == 302 and "/work/ticket/" in resp.headers["Location"]
    listing = city.get("/work/dept/instructions").get_data(as_text=True)
    assert "页面-领导批示排查" in listing and "市城管局" in listing and "建立台账已交办" in listing
    # the department receives it pending sign
    dept = app.test_client()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    login_page(dept, "city_cgj")
    assert "页面-领导批示排查" in dept.get("/work/board/pending").get_data(as_text=True)
