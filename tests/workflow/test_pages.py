"""The workflow pages drive the same services as the API: a journey clicked through the
forms, refusals shown as messages, scope as 404."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models.dictionary import EventCategory
from app.models.ticket import Ticket, TimelineEntry
from tests.registries.helpers import logged_in


def _messages(html):
    return " ".join(re.findall(r'alert-(?:danger|success|warning)[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)', html))


def _report(app, client, title):
    with app.app_context():
        leaf = db.session.scalar(select(EventCategory.id).where(EventCategory.level == 3))
    html = client.post("/work/report", data={
        "title": title, "category_id": str(leaf), "urgency": "紧急", "address": "延安路与光明路口",
        "description": "路面塌陷约2平方米，有安全隐患", "party_name": "过往群众", "party_phone": "13903743068"},
        follow_redirects=True).get_data(as_text=True)
    ids = re.findall(r"/work/ticket/(\d+)/escalate", html)
    assert ids, _messages(html)
    return int(ids[0])


def _timeline(app, ticket_id):
    with app.app_context():
        return db.session.scalars(select(TimelineEntry.action).where(TimelineEntry.ticket_id == ticket_id)
                                  .order_by(TimelineEntry.id)).all()


def test_report_escalate_review_sign_finish_through_pages(app):
    member = logged_in(app, "cs471_member")
    ticket_id = _report(app, member, "页面-延安路与光明路口路面塌陷")
    assert "页面-延安路与光明路口路面塌陷" in member.get("/work/board/patrol").get_data(as_text=True)
    member.post(f"/work/ticket/{ticket_id}/escalate", data={"target": "upper", "reason": "需社区协调处置"})
    leader = logged_in(app, "cs471_leader")
    html = leader.get("/work/applications/escalation/review").get_data(as_text=True)
    app_ids = re.findall(r"/work/application/(\d+)/review", html)
    with app.app_context():
        from app.models.ticket import Application
        app_id = db.session.scalar(select(Application.id).where(Application.ticket_id == ticket_id))
    assert str(app_id) in app_ids
    leader.post(f"/work/application/{app_id}/review", data={"approve": "1", "opinion": "同意上报"})
    handler = logged_in(app, "jindi_handler")
    assert f"/work/ticket/{ticket_id}/sign" in handler.get("/work/board/pending").get_data(as_text=True)
    handler.post(f"/work/ticket/{ticket_id}/sign", data={})
    todo = handler.get("/work/board/todo").get_data(as_text=True)
    assert f"/work/ticket/{ticket_id}/finish" in todo
    # a bad form: nothing changes, the message is Chinese
    before = _timeline(app, ticket_id)
    html = handler.post(f"/work/ticket/{ticket_id}/finish", data={"content": "", "result": ""},
                        follow_redirects=True).get_data(as_text=True)
    assert "不能为空" in html and _timeline(app, ticket_id) == before
    handler.post(f"/work/ticket/{ticket_id}/finish", data={"content": "已回填夯实并设置警示", "result": "已修复"})
    detail = handler.get(f"/work/ticket/{ticket_id}").get_data(as_text=True)
    assert "事件处置过程" in detail and "上报人相关信息" in detail and "小彩" in detail
    assert _timeline(app, ticket_id)[-1].startswith("办结") or "办结" in _timeline(app, ticket_id)[-1]
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).state != "open"


def test_stale_form_and_other_county_are_refused(app):
    member = logged_in(app, "cs471_member")
    ticket_id = _report(app, member, "页面-并发修改测试")
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
    member.post(f"/work/ticket/{ticket_id}/edit", data={"title": "页面-并发修改测试-改", "version": str(version)})
    html = member.post(f"/work/ticket/{ticket_id}/edit", data={"title": "页面-过期提交", "version": str(version)},
                       follow_redirects=True).get_data(as_text=True)
    assert "刷新" in html
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).title == "页面-并发修改测试-改"
    other = logged_in(app, "jianan_handler")
    assert other.get(f"/work/ticket/{ticket_id}").status_code == 404
    assert other.post(f"/work/ticket/{ticket_id}/sign", data={}).status_code == 404
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(TimelineEntry)
                                  .where(TimelineEntry.ticket_id == ticket_id))
    assert count == 2          # 新增 and 修改 only


def test_menus_of_the_manual(app):
    html = logged_in(app, "weidu_handler").get("/").get_data(as_text=True)
    for menu in ("工作台账", "我的待签收", "市县台账", "问题研判-工单流转", "审核中心", "督办管理"):
        assert menu in html, menu
    member = logged_in(app, "cs471_member").get("/").get_data(as_text=True)
    assert "巡查上报" in member and "市县台账" not in member


def test_report_form_takes_attachments_checked_like_the_api(app):
    import io

    member = logged_in(app, "cs471_member")
    with app.app_context():
        leaf = db.session.scalar(select(EventCategory.id).where(EventCategory.level == 3))
        before = db.session.scalar(select(func.count()).select_from(Ticket))
    form = {"title": "页面-附件测试", "category_id": str(leaf), "urgency": "一般", "address": "许由路",
            "description": "现场照片见附件", "party_name": "群众", "party_phone": "13903743068"}
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    html = member.post("/work/report", data=dict(form, attachments=(io.BytesIO(b"MZ\x90\0" * 20), "现场.png")),
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "文件内容与扩展名不符" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == before
    html = member.post("/work/report", data=dict(form, attachments=[(io.BytesIO(png), "现场.png")]),
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    link = re.findall(r'<a href="(/api/v1/attachments/\d+)">现场.png</a>', html)
    assert link, _messages(html)
    resp = member.get(link[0])
    assert resp.status_code == 200 and resp.data == png and "attachment" in resp.headers["Content-Disposition"]
    assert logged_in(app, "jianan_handler").get(link[0]).status_code == 404
