"""In Chromium, as the demo accounts: the manual's road collapse from 网格员 to 回访 — report,
escalate with every review, sign at each level, county ledger and assignment to 魏都区住建局,
department feedback and completion, approval, county finish, 办结签收 and 回访."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.ticket import Ticket
from tests.browser.conftest import CHROMIUM_FLAGS, shot  # noqa: F401
from tests.conftest import DEMO_PASSWORD

TITLE = "浏览器-延安路与光明路口道路塌陷"


@pytest.fixture()
def as_user(browser, live_server):
    contexts = []

    def open_as(username):
        context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1440, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page
    yield open_as
    for context in contexts:
        context.close()


def _submit(page, fields=None, selects=None):
    for name, value in (fields or {}).items():
        page.fill(f"form [name={name}]", value)
    for name, label in (selects or {}).items():
        page.select_option(f"select[name={name}]", label=label)
    page.click("form.ticket-form button[type=submit], form.form-horizontal button[type=submit]")
    page.wait_for_load_state("networkidle")
    html = page.content()
    assert "alert-danger" not in html, re.findall(r'alert-danger[^>]*>(.*?)</div>', html, re.S)
    return html


def _action(page, ticket_id, action, fields=None, selects=None):
    page.goto(f"/work/ticket/{ticket_id}")
    page.click(f"a.js-act[data-action={action}]")
    page.wait_for_load_state("networkidle")
    return _submit(page, fields, selects)


def _review(page, kind):
    page.goto(f"/work/applications/{kind}/review")
    page.locator("tr", has_text=TITLE).locator("a", has_text="审核").first.click()
    page.wait_for_load_state("networkidle")
    return _submit(page, {"opinion": "同意"})


def test_road_collapse_clicked_through(app, as_user):
    member = as_user("cs471_member")
    member.goto("/work/board/patrol")
    member.click("a:has-text('新增')")
    _submit(member, {"title": TITLE, "address": "延安路与光明路口", "description": "路面塌陷约2平方米，车辆无法通行",
                     "party_name": "过往群众", "party_phone": "13903743068"},
            {"category_id": "服务类 / 民生诉求类 / 城乡建设类", "urgency": "紧急"})
    ticket_id = int(re.search(r"/work/ticket/(\d+)", member.url).group(1))
    shot(member, "10-journey-reported")
    _action(member, ticket_id, "escalate", {"reason": "网格无法处理，请社区协调"}, {"target": "上级辖区"})
    _review(as_user("cs471_leader"), "escalation")
    for handler, head in (("jindi_handler", "jindi_head"), ("xidajie_handler", "xidajie_head")):
        page = as_user(handler)
        _action(page, ticket_id, "sign")
        _action(page, ticket_id, "escalate", {"reason": "超出处置能力，请上级处理"}, {"target": "上级辖区"})
        _review(as_user(head), "escalation")
    county = as_user("weidu_handler")
    county.goto("/work/board/triage")
    assert TITLE in county.content()
    _action(county, ticket_id, "sign")
    _action(county, ticket_id, "open_ledger", {"days": "5", "lead_task": "尽快修复路面并设置警示"},
            {"unit_type": "职能部门", "lead_unit_id": "魏都区 / 魏都区住房和城乡建设局"})
    _action(county, ticket_id, "assign")
    shot(county, "11-journey-assigned")
    dept = as_user("weidu_zjj")
    dept.goto("/work/board/pending")
    assert TITLE in dept.content()
    _action(dept, ticket_id, "sign")
    _action(dept, ticket_id, "feedback", {"content": "已安排施工队围挡"})
    _action(dept, ticket_id, "apply_completion", {"content": "路面已修复", "result": "道路恢复通行"})
    _review(county, "completion")
    _action(county, ticket_id, "finish", {"content": "路面已恢复", "result": "已修复"})
    _action(member, ticket_id, "acknowledge")
    county.goto("/work/board/ledger_done")
    assert TITLE in county.content()
    html = _action(county, ticket_id, "callback", {"content": "群众表示满意"},
                   {"method": "电话", "satisfaction": "非常满意"})
    shot(county, "12-journey-callback")
    assert "事件处置过程" in html and "回访" in html
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.state == "closed"
        actions = [e.action for e in ticket.timeline]
        db.session.remove()
    for word in ("新增", "提级上报", "签收", "建立台账", "交办", "处置反馈", "办结申请", "办结", "回访"):
        assert any(word in a for a in actions), (word, actions)
