"""一键上报 → 一键直报 (§三), 部门上报 (§四) and 转应急事件 / 转疑难事件 at sign, through the API
(bearer tokens) and the pages (login form), as the demo accounts."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models.datacenter import EmergencyEvent
from app.models.ticket import Ticket, TimelineEntry
from tests.registries.helpers import logged_in
from tests.workflow.helpers import act, approve, escalate_to_county, new_ticket, report_body, unit


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def _body(app, title, **extra):
    with app.app_context():
        body = report_body(title)
    for key in ("party_name", "party_phone", "urgency"):       # optional here (一键上报: 重大 by default)
        body.pop(key)
    body.update(extra)
    return body


def _unit_id(app, name):
    with app.app_context():
        return unit(name).id


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Ticket)),
                db.session.scalar(select(func.count()).select_from(TimelineEntry)),
                db.session.scalar(select(func.count()).select_from(EmergencyEvent)))


def _events_of(app, ticket_id):
    with app.app_context():
        return db.session.scalars(select(EmergencyEvent).where(EmergencyEvent.ticket_id == ticket_id)).all()


def _messages(html):
    """The flashed messages of a page (FAB puts a close button before the text)."""
    alerts = re.findall(r'class="alert alert-(?:danger|success|warning|info)">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<button.*?</button>|<[^>]+>", "", a, flags=re.S).strip() for a in alerts)


# --- 一键上报 / 一键直报 -------------------------------------------------------------------------------
def test_one_click_report_goes_to_the_county_and_one_click_up_to_the_city(app, api):
    member = api("cs471_member")
    t = _ok(member.post("/api/v1/tickets/one-click", json=_body(app, "一键-天然气管道泄露",
                                                                 occurred_at="2025-10-27 18:30:00")), 201)
    tid, weidu_id, city_id = t["id"], _unit_id(app, "魏都区"), _unit_id(app, "许昌市")
    assert t["source"] == "突发事件" and t["event_level"] == "突发应急" and t["urgency"] == "重大"
    assert t["owner_unit_id"] == weidu_id and t["occurred_at"] == "2025-10-27 18:30:00"
    assert t["timeline"][-1]["action"] == "一键上报" and "魏都区" in t["timeline"][-1]["detail"]
    # the county sees it pending sign in 问题研判-一键直报, not in 工单流转
    county_page = logged_in(app, "weidu_handler")
    tab = county_page.get("/work/board/one_click").get_data(as_text=True)
    assert "一键-天然气管道泄露" in tab and "突发应急" in tab and f"/work/ticket/{tid}/sign" in tab
    assert "一键-天然气管道泄露" not in county_page.get("/work/board/triage").get_data(as_text=True)
    weidu = api("weidu_handler")
    t = _ok(weidu.get(f"/api/v1/tickets/{tid}"))
    assert t["status"] == "pending_sign" and "one-click-up" not in t["allowed_actions"]
    _ok(weidu.post(f"/api/v1/tickets/{tid}/sign", json={}))
    t = _ok(weidu.post(f"/api/v1/tickets/{tid}/one-click-up", json={"reason": "情况重大，直报市级"}))
    assert t["owner_unit_id"] == city_id and t["timeline"][-1]["action"] == "一键直报"
    assert "one-click-up" not in t["allowed_actions"]
    # no review: the city has it pending sign in its own 一键直报 tab at once
    city_page = logged_in(app, "city_handler")
    assert f"/work/ticket/{tid}/sign" in city_page.get("/work/board/one_click").get_data(as_text=True)
    city = api("city_handler")
    t = _ok(city.post(f"/api/v1/tickets/{tid}/sign", json={}))
    assert "ledger" in t["allowed_actions"]
    # its 建立台账 dialog links the political-legal emergency platform (configured address)
    html = city_page.get(f"/work/ticket/{tid}/open_ledger").get_data(as_text=True)
    assert "去政法委应急平台" in html and app.config["EMERGENCY_PLATFORM_URL"] in html and "突发事件" in html
    assert "去政法委应急平台" not in city_page.get(f"/work/ticket/{_patrol_at_city(app)}/open_ledger").get_data(
        as_text=True)


def _patrol_at_city(app):
    """A patrol report the city holds, signed (its ledger dialog has no emergency link)."""
    with app.app_context():
        tid = new_ticket()
        escalate_to_county(tid)
        act("weidu_handler", "escalate", tid, target="upper", reason="需市级协调")
        approve("weidu_head", tid, "escalation")
        act("city_handler", "sign", tid)
        db.session.remove()
    return tid


def test_one_click_report_through_the_pages(app):
    for username in ("xidajie_handler", "jindi_head", "cs471_leader"):
        page = logged_in(app, username)
        form = page.get("/work/new/one_click_report").get_data(as_text=True)
        assert "一键上报" in form and "事发时间" in form and "问题(事项)类型" in form
        with app.app_context():
            body = report_body(f"页面一键上报-{username}")
        data = {"title": body["title"], "category_id": str(body["category_id"]), "urgency": "紧急",
                "occurred_at": "", "address": "文峰路与八一路口", "description": "文峰路与八一路口发生重大交通事故",
                "reporter_phone": "13137438118", "longitude": "", "latitude": ""}
        html = page.post("/work/new/one_click_report", data=data, follow_redirects=True).get_data(as_text=True)
        assert "一键上报成功" in _messages(html), _messages(html)
        with app.app_context():
            t = db.session.scalar(select(Ticket).where(Ticket.title == body["title"]))
            assert t.source == "突发事件" and t.owner_unit.name == "魏都区" and t.periods[0].status == "pending_sign"
            assert t.urgency == "紧急" and t.occurred_at is not None and t.reporter.username == username
    member_menu = logged_in(app, "cs471_member").get("/").get_data(as_text=True)
    assert "一键上报" in member_menu and "部门上报" not in member_menu


def test_one_click_refusals_change_nothing(app, api):
    before = _counts(app)
    # wrong role or unit kind: 403
    for username in ("weidu_handler", "city_handler", "weidu_zjj"):
        resp = api(username).post("/api/v1/tickets/one-click", json=_body(app, "越权一键上报"))
        assert resp.status_code == 403 and resp.json["message"], username
    # bad input: 400 with Chinese field messages
    resp = api("cs471_member").post("/api/v1/tickets/one-click",
                                    json={"title": "", "category_id": 999999, "occurred_at": "昨天", "urgency": "特急"})
    assert resp.status_code == 400
    errors = resp.json["errors"]
    assert {"title", "description", "address", "category_id", "occurred_at", "urgency"} <= set(errors)
    assert "事发时间格式应为" in errors["occurred_at"][0] and "不能为空" in errors["title"][0]
    page = logged_in(app, "cs471_member")
    html = page.post("/work/new/one_click_report", data={"title": "", "address": ""},
                     follow_redirects=True).get_data(as_text=True)
    assert "不能为空" in html
    html = logged_in(app, "weidu_zjj").post("/work/new/one_click_report", data={"title": "x"},
                                             follow_redirects=True).get_data(as_text=True)
    assert "不能执行“一键上报”" in html
    assert page.get("/work/new/nothing").status_code == 404
    assert _counts(app) == before


def test_one_click_up_refusals(app, api):
    member, weidu = api("cs471_member"), api("weidu_handler")
    tid = _ok(member.post("/api/v1/tickets/one-click", json=_body(app, "一键-直报拒绝")), 201)["id"]
    before = _counts(app)
    # not signed yet: the state refuses, in Chinese
    resp = weidu.post(f"/api/v1/tickets/{tid}/one-click-up", json={})
    assert resp.status_code == 409 and "一键直报" in resp.json["message"]
    _ok(weidu.post(f"/api/v1/tickets/{tid}/sign", json={}))
    signed = _counts(app)
    assert api("weidu_head").post(f"/api/v1/tickets/{tid}/one-click-up", json={}).status_code == 403
    assert api("jianan_handler").post(f"/api/v1/tickets/{tid}/one-click-up", json={}).status_code == 404
    resp = weidu.post(f"/api/v1/tickets/{tid}/one-click-up", json={"reason": 12})
    assert resp.status_code == 400 and "直报原因" in resp.json["errors"]["reason"][0]
    assert _counts(app) == signed and signed[0] == before[0]
    # an ordinary ticket at the county is escalated with review, never sent up by 一键直报
    with app.app_context():
        patrol = new_ticket()
        escalate_to_county(patrol)
        db.session.remove()
    resp = weidu.post(f"/api/v1/tickets/{patrol}/one-click-up", json={})
    assert resp.status_code == 409 and "只有一键上报的突发事件" in resp.json["message"]


# --- 部门上报 ---------------------------------------------------------------------------------------
def test_department_report_goes_to_the_upper_unit_pending_sign(app, api):
    t = _ok(api("weidu_zjj").post("/api/v1/tickets/department-report",
                                  json=_body(app, "部门-政策咨询", urgency="一般")), 201)
    assert t["source"] == "部门上报" and t["owner_unit_id"] == _unit_id(app, "魏都区")
    assert t["timeline"][-1]["action"] == "部门上报"
    triage = logged_in(app, "weidu_handler").get("/work/board/triage").get_data(as_text=True)
    assert "部门-政策咨询" in triage and f"/work/ticket/{t['id']}/sign" in triage
    # the city department reports to the city, through the page
    page = logged_in(app, "city_zjj")
    assert "部门上报" in page.get("/").get_data(as_text=True)
    with app.app_context():
        body = report_body("部门-企业落户优惠政策咨询")
    html = page.post("/work/new/department_report", data={
        "title": body["title"], "category_id": str(body["category_id"]), "urgency": "一般",
        "address": "许昌市魏都区", "description": "企业落户的优惠政策咨询", "longitude": "", "latitude": ""},
        follow_redirects=True).get_data(as_text=True)
    assert "部门上报成功" in _messages(html), _messages(html)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.title == body["title"]))
        tid, owner = ticket.id, ticket.owner_unit.name
    assert owner == "许昌市"
    assert f"/work/ticket/{tid}/sign" in logged_in(app, "city_handler").get("/work/board/triage").get_data(as_text=True)
    # a county does not see the city's ticket
    assert api("weidu_handler").get(f"/api/v1/tickets/{tid}").status_code == 404


def test_department_report_refusals_change_nothing(app, api):
    before = _counts(app)
    for username in ("cs471_member", "weidu_handler", "city_head"):
        resp = api(username).post("/api/v1/tickets/department-report", json=_body(app, "越权部门上报"))
        assert resp.status_code == 403 and resp.json["message"], username
    resp = api("weidu_zjj").post("/api/v1/tickets/department-report", json={"title": "x" * 300, "urgency": 1})
    assert resp.status_code == 400 and {"title", "urgency", "description"} <= set(resp.json["errors"])
    resp = api("weidu_zjj").post("/api/v1/tickets/department-report", data="[1]", content_type="application/json")
    assert resp.status_code == 400 and resp.json["message"] == "请求体必须是 JSON 对象"
    assert _counts(app) == before


# --- 转应急事件 / 转疑难事件 ----------------------------------------------------------------------------
def test_sign_as_emergency_creates_exactly_one_linked_event(app, api):
    member, weidu, city = api("cs471_member"), api("weidu_handler"), api("city_handler")
    tid = _ok(member.post("/api/v1/tickets/one-click", json=_body(app, "一键-燃气爆燃", longitude=113.83,
                                                                   latitude=34.02)), 201)["id"]
    t = _ok(weidu.post(f"/api/v1/tickets/{tid}/sign", json={"convert": "emergency"}))
    events = _events_of(app, tid)
    assert len(events) == 1
    event = events[0]
    assert t["converted"] == "emergency" and t["emergency_event"] == {"id": event.id, "code": event.code}
    assert event.title == "一键-燃气爆燃" and event.status == "待处理" and event.level == "重大"
    assert event.location == "延安路与光明路口" and event.longitude == 113.83 and event.code.startswith("EM")
    assert event.reporter == "小彩" and t["timeline"][-1]["action"] == "转应急事件"
    assert event.code in t["timeline"][-1]["detail"]
    # linked both ways on the pages
    detail = logged_in(app, "weidu_handler").get(f"/work/ticket/{tid}").get_data(as_text=True)
    assert "关联应急事件" in detail and event.code in detail
    show = logged_in(app, "weidu_handler").get(f"/emergencyeventregistryview/show/{event.id}").get_data(as_text=True)
    assert f'href="/work/ticket/{tid}"' in show and "关联事件" in show
    # signed again as 转应急事件 at the city: still the one event
    _ok(weidu.post(f"/api/v1/tickets/{tid}/one-click-up", json={}))
    _ok(city.post(f"/api/v1/tickets/{tid}/sign", json={"convert": "emergency"}))
    assert len(_events_of(app, tid)) == 1
    # a refused conversion creates nothing
    before = _counts(app)
    other = _ok(member.post("/api/v1/tickets/one-click", json=_body(app, "一键-转换拒绝")), 201)["id"]
    mid = _counts(app)
    resp = api("jindi_handler").post(f"/api/v1/tickets/{other}/sign", json={"convert": "emergency"})
    assert resp.status_code == 409
    resp = weidu.post(f"/api/v1/tickets/{other}/sign", json={"convert": "fire"})
    assert resp.status_code == 400 and "签收方式" in resp.json["errors"]["convert"][0]
    assert _counts(app) == mid and mid[2] == before[2]


def test_sign_as_emergency_through_the_page(app):
    with app.app_context():
        from app.models.org import AppUser
        from app.workflow import services

        member = db.session.scalar(select(AppUser).where(AppUser.username == "cs471_member"))
        body = report_body("页面-转应急事件")
        body.pop("party_name")
        tid = services.SERVICES["one_click_report"](member, **body).id
        db.session.remove()
    page = logged_in(app, "weidu_handler")
    html = page.post(f"/work/ticket/{tid}/sign", data={"convert": "emergency"}, follow_redirects=True)
    assert "签收成功" in _messages(html.get_data(as_text=True))
    assert len(_events_of(app, tid)) == 1


def test_county_sign_as_difficult_hands_the_ticket_to_the_citys_platform_tab(app, api):
    with app.app_context():
        tid2 = new_ticket("转疑难-县区签收时转")
        escalate_to_county(tid2, sign=False)
        db.session.remove()
    t = _ok(api("weidu_handler").post(f"/api/v1/tickets/{tid2}/sign", json={"convert": "difficult"}))
    assert t["converted"] == "difficult" and t["owner_unit_id"] == _unit_id(app, "许昌市")
    assert t["timeline"][-1]["action"] == "转疑难事件"
    city_page = logged_in(app, "city_handler")
    tab = city_page.get("/work/board/difficult").get_data(as_text=True)
    assert "转疑难-县区签收时转" in tab and f"/work/ticket/{tid2}/sign" in tab
    assert "转疑难-县区签收时转" not in city_page.get("/work/board/triage").get_data(as_text=True)
    t = _ok(api("city_handler").post(f"/api/v1/tickets/{tid2}/sign", json={}))
    assert "ledger" in t["allowed_actions"]
    assert f"/work/ticket/{tid2}/open_ledger" in city_page.get("/work/board/difficult").get_data(as_text=True)
