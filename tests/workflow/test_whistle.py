"""街乡吹哨 end to end over HTTP: the township whistles, the called community and department check
in (one of them late), feed back with a file, the township ends the whistle and applies for
completion; refusals leave everything unchanged.  Then the same through the pages with CSRF on."""
import datetime as dt
import io
import re

from sqlalchemy import select

from app.extensions import db
from app.models.ticket import Ticket
from app.models.whistle import Whistle
from tests.conftest import login_page
from tests.workflow.helpers import act, approve, escalate_to_county, new_ticket, pending, timeline, unit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _township_task(app):
    """A ticket at 魏都区 assigned to 西大街街道 (lead task), signed by the township."""
    with app.app_context():
        tid = new_ticket()
        escalate_to_county(tid)
        act("weidu_handler", "open_ledger", tid, days=5, unit_type="jurisdiction", lead_unit_id=unit("西大街街道").id,
            lead_task="组织社区和住建局现场处置")
        act("weidu_handler", "assign", tid)
        act("xidajie_handler", "sign", tid)
        ids = {"jindi": unit("金地社区").id, "zjj": unit("魏都区住房和城乡建设局").id, "fuhou": unit("府后社区").id,
               "wenfeng": unit("文峰社区").id}
        db.session.remove()
    return tid, ids


def _body(ids, **over):
    body = {"title": "延安路塌陷现场处置", "description": "请金地社区和区住建局到场", "address": "延安路与光明路口",
            "longitude": 113.83, "latitude": 34.02, "urgency": "紧急", "unit_ids": [ids["jindi"], ids["zjj"]],
            "multi_dept": True, "response_hours": 2}
    body.update(over)
    return body


def _state(app, tid):
    """(version, timeline length) — what a refused request must not move."""
    with app.app_context():
        db.session.expire_all()
        state = (db.session.get(Ticket, tid).version, len(timeline(tid)))
        db.session.remove()
    return state


def _refused(app, client, tid, url, body, status, words):
    before = _state(app, tid)
    resp = client.post(url, json=body)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert words in resp.json["message"], resp.json
    assert _state(app, tid) == before
    return resp


def test_whistle_check_in_late_feedback_close_and_apply_completion(app, api):
    tid, ids = _township_task(app)
    url = f"/api/v1/tickets/{tid}"
    xidajie, jindi, zjj = api("xidajie_handler"), api("jindi_handler"), api("weidu_zjj")
    assert "whistle" in xidajie.get(url).json["allowed_actions"]

    # bad input: a clear Chinese message per field, nothing changed
    resp = _refused(app, xidajie, tid, f"{url}/whistle", _body(ids, unit_ids=[], response_hours=0), 400, "")
    assert "请选择期望报到部门" in resp.json["errors"]["unit_ids"]
    assert "响应时限(小时)不能小于1" in resp.json["errors"]["response_hours"]
    _refused(app, xidajie, tid, f"{url}/whistle", _body(ids, multi_dept=False), 400, "只能选择一个期望报到部门")
    _refused(app, xidajie, tid, f"{url}/whistle", _body(ids, unit_ids=[ids["wenfeng"]]), 400, "本街道")
    _refused(app, xidajie, tid, f"{url}/whistle", _body(ids, multi_dept="是"), 400, "是否多部门协同")
    # wrong role / unit kind, and out of scope
    _refused(app, jindi, tid, f"{url}/whistle", _body(ids), 403, "街乡吹哨")
    _refused(app, api("jianan_handler"), tid, f"{url}/whistle", _body(ids), 404, "不存在")
    # the called units cannot see the ticket or check in before the whistle (out of scope / nothing to do)
    assert zjj.get(url).status_code == 404

    resp = xidajie.post(f"{url}/whistle", json=_body(ids))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    whistle = resp.json["whistles"][0]
    assert whistle["status"] == "open" and whistle["response_hours"] == 2 and whistle["multi_dept"] is True
    assert [(c["unit"], c["status"]) for c in whistle["checkins"]] == [("金地社区", "待报到"),
                                                                      ("魏都区住房和城乡建设局", "待报到")]
    assert resp.json["timeline"][-1]["action"] == "街乡吹哨"
    assert "期望报到部门: 金地社区、魏都区住房和城乡建设局" in resp.json["timeline"][-1]["detail"]
    assert "close-whistle" in resp.json["allowed_actions"] and "whistle" not in resp.json["allowed_actions"]
    # one open whistle at a time; no completion while it is open
    _refused(app, xidajie, tid, f"{url}/whistle", _body(ids), 409, "请先吹哨办结")
    _refused(app, xidajie, tid, f"{url}/apply-completion", {"content": "已处置", "result": "完成"}, 409, "吹哨办结")
    # the township cannot check in for the community; a community not called sees nothing
    _refused(app, xidajie, tid, f"{url}/checkin", {}, 403, "报到")
    _refused(app, api("fuhou_handler"), tid, f"{url}/checkin", {}, 404, "不存在")

    # 金地社区 checks in in time; checking in twice is refused
    assert "checkin" in jindi.get(url).json["allowed_actions"]
    resp = jindi.post(f"{url}/checkin", json={})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    mine = resp.json["whistles"][0]["checkins"][0]
    assert mine["status"] == "已报到" and mine["late"] is False and mine["checked_in_at"]
    assert "是否超时: 否" in resp.json["timeline"][-1]["detail"]
    _refused(app, jindi, tid, f"{url}/checkin", {}, 409, "不能报到")

    # the department checks in after the response time: flagged late
    with app.app_context():
        call = db.session.scalar(select(Whistle).where(Whistle.ticket_id == tid))
        call.created_at -= dt.timedelta(hours=3)
        db.session.commit()
        db.session.remove()
    assert zjj.get(url).status_code == 200          # a called unit sees the ticket
    resp = zjj.post(f"{url}/checkin", json={})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    dept = resp.json["whistles"][0]["checkins"][1]
    assert dept["status"] == "已报到" and dept["late"] is True
    assert resp.json["timeline"][-1]["action"] == "报到" and "是否超时: 是" in resp.json["timeline"][-1]["detail"]

    # 反馈 with an uploaded file; an empty one is refused
    _refused(app, jindi, tid, f"{url}/whistle-feedback", {"content": " "}, 400, "反馈内容不能为空")
    up = jindi.post("/api/v1/attachments/", data={"file": (io.BytesIO(PNG), "现场.png")},
                    content_type="multipart/form-data")
    assert up.status_code == 201, up.get_data(as_text=True)
    resp = jindi.post(f"{url}/whistle-feedback", json={"content": "已设置围挡并疏导交通", "attachment_ids": [up.json["id"]]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    mine = resp.json["whistles"][0]["checkins"][0]
    assert mine["status"] == "已反馈" and mine["feedbacks"][0]["content"] == "已设置围挡并疏导交通"
    assert mine["feedbacks"][0]["attachment_ids"] == [up.json["id"]]
    assert up.json["id"] in [a["id"] for a in resp.json["attachments"]]
    assert xidajie.get(f"/api/v1/attachments/{up.json['id']}").status_code == 200
    # someone else's upload cannot be attached
    other = xidajie.post("/api/v1/attachments/", data={"file": (io.BytesIO(PNG), "x.png")},
                         content_type="multipart/form-data").json["id"]
    _refused(app, zjj, tid, f"{url}/whistle-feedback", {"content": "到场", "attachment_ids": [other]}, 400, "附件")

    # 吹哨办结: only the whistling township
    _refused(app, jindi, tid, f"{url}/close-whistle", {}, 403, "吹哨办结")
    resp = xidajie.post(f"{url}/close-whistle", json={})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["whistles"][0]["status"] == "closed"
    assert resp.json["timeline"][-1]["action"] == "吹哨办结"
    assert resp.json["timeline"][-1]["detail"].endswith("超时或未报到单位: 魏都区住房和城乡建设局")
    _refused(app, xidajie, tid, f"{url}/close-whistle", {}, 409, "已办结")
    _refused(app, jindi, tid, f"{url}/whistle-feedback", {"content": "补充"}, 409, "已办结")

    # then the township applies for completion as usual, and 魏都区 confirms
    resp = xidajie.post(f"{url}/apply-completion", json={"content": "社区和住建局已处置", "result": "已修复"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    with app.app_context():
        assert pending(tid, "completion").applicant_unit.name == "西大街街道"
        approve("weidu_handler", tid, "completion")
        actions = [e.action for e in timeline(tid)]
        db.session.remove()
    assert actions[-6:] == ["报到", "报到", "街乡吹哨反馈", "吹哨办结", "办结申请", "办结审核-已确认"]


def _csrf(html):
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, html[:500]
    return token.group(1)


def test_whistle_through_the_pages_with_csrf(app, monkeypatch):
    tid, ids = _township_task(app)
    township, community, dept = app.test_client(), app.test_client(), app.test_client()
    for client, username in ((township, "xidajie_handler"), (community, "jindi_handler"), (dept, "weidu_zjj")):
        login_page(client, username)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    todo = township.get("/work/board/todo").get_data(as_text=True)
    assert f"/work/ticket/{tid}/whistle" in todo
    form = township.get(f"/work/ticket/{tid}/whistle").get_data(as_text=True)
    assert "期望报到部门" in form and "响应时限（小时）" in form and "金地社区" in form
    assert "魏都区住房和城乡建设局" in form and "文峰社区" not in form
    with app.app_context():
        title = db.session.get(Ticket, tid).title
    assert f'value="{title}"' in form            # prefilled from the ticket
    data = {"title": "页面吹哨", "description": "请社区报到", "address": "延安路", "urgency": "一般",
            "unit_ids": [str(ids["jindi"])], "multi_dept": "0", "response_hours": "4"}
    # without the token nothing happens
    assert township.post(f"/work/ticket/{tid}/whistle", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Whistle).where(Whistle.ticket_id == tid)) is None
    # bad input: the form again with the Chinese message, nothing stored
    html = township.post(f"/work/ticket/{tid}/whistle", data=dict(data, response_hours="", csrf_token=_csrf(form)),
                         follow_redirects=True).get_data(as_text=True)
    assert "响应时限(小时)不能为空" in html
    resp = township.post(f"/work/ticket/{tid}/whistle", data=dict(data, csrf_token=_csrf(form)))
    assert resp.status_code == 302, resp.get_data(as_text=True)

    listing = community.get("/work/dept/checkins").get_data(as_text=True)
    assert "页面吹哨" in listing and "待报到" in listing and "报到</button>" in listing
    community.post(f"/work/ticket/{tid}/whistle_checkin", data={"csrf_token": _csrf(listing)})
    listing = community.get("/work/dept/checkins").get_data(as_text=True)
    assert "已报到" in listing and f"/work/ticket/{tid}/whistle_feedback" in listing
    form = community.get(f"/work/ticket/{tid}/whistle_feedback").get_data(as_text=True)
    resp = community.post(f"/work/ticket/{tid}/whistle_feedback", content_type="multipart/form-data",
                          data={"csrf_token": _csrf(form), "content": "社区已到场",
                                "attachments": (io.BytesIO(PNG), "现场照片.png")})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    # the department was not called: its list is empty and the ticket invisible
    assert "页面吹哨" not in dept.get("/work/dept/checkins").get_data(as_text=True)

    detail = township.get(f"/work/ticket/{tid}").get_data(as_text=True)
    assert "街乡吹哨 — 西大街街道（吹哨中）" in detail and "社区已到场" in detail and "现场照片.png" in detail
    assert f"/work/ticket/{tid}/close_whistle" in detail
    township.post(f"/work/ticket/{tid}/close_whistle", data={"csrf_token": _csrf(detail)})
    detail = township.get(f"/work/ticket/{tid}").get_data(as_text=True)
    assert "（已办结）" in detail and f"/work/ticket/{tid}/apply_completion" in detail
    with app.app_context():
        assert [e.action for e in timeline(tid)][-4:] == ["街乡吹哨", "报到", "街乡吹哨反馈", "吹哨办结"]


def test_demo_whistle_can_be_clicked_through(app):
    dept = app.test_client()
    login_page(dept, "weidu_zjj")
    listing = dept.get("/work/dept/checkins").get_data(as_text=True)
    assert "东篱路北侧路灯不亮" in listing and "报到</button>" in listing
    township = app.test_client()
    login_page(township, "xidajie_handler")
    with app.app_context():
        tid = db.session.scalar(select(Ticket.id).where(Ticket.title == "东篱路北侧路灯不亮"))
    detail = township.get(f"/work/ticket/{tid}").get_data(as_text=True)
    assert "街乡吹哨 — 西大街街道（吹哨中）" in detail and f"/work/ticket/{tid}/close_whistle" in detail
    city = app.test_client()
    login_page(city, "city_handler")
    assert "高风险地区返回人员排查" in city.get("/work/dept/instructions").get_data(as_text=True)
