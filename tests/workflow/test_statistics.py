"""统计分析: figures move with the work done, the export carries the same numbers, and only
county and city users see it."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models.base import now
from app.models.dictionary import EventCategory
from app.models.org import AppUser
from app.workflow import services
from tests.registries.helpers import logged_in, read_xlsx


def _row(html, area):
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r'<td data-key="(\w+)">([^<]*)</td>', row)
        if cells and cells[0][1] == area:
            return dict(cells)
    raise AssertionError(f"{area} not in the table")


def test_figures_follow_the_work_and_the_export_agrees(app):
    today = now().date().isoformat()
    url = f"/statistics/?start={today}&end={today}"
    client = logged_in(app, "weidu_handler")
    before = _row(client.get(url).get_data(as_text=True), "西大街街道")
    with app.app_context():
        member = db.session.scalar(select(AppUser).where(AppUser.username == "cs471_member"))
        leaf = db.session.scalar(select(EventCategory.id).where(EventCategory.level == 3))
        fields = dict(description="统计测试", address="西大街", category_id=leaf, urgency="一般",
                      party_name="群众", party_phone="13903743068")
        first = services.report(member, title="统计-一", **fields)
        services.report(member, title="统计-二", **fields)
        services.finish(member, first.id, content="已处理", result="已办结")
        db.session.remove()
    html = client.get(url).get_data(as_text=True)
    after = _row(html, "西大街街道")
    assert int(after["reported"]) == int(before["reported"]) + 2
    assert int(after["finished"]) == int(before["finished"]) + 1
    assert int(after["on_time"]) == int(before["on_time"]) + 1
    total = _row(html, "合计")
    assert int(total["reported"]) >= int(after["reported"])
    sheet = read_xlsx(client.get(f"/statistics/export?start={today}&end={today}").data)
    assert sheet[0][:3] == ["辖区", "上报数", "办结数"]
    exported = {r[0]: r for r in sheet[1:]}
    assert int(exported["西大街街道"][1]) == int(after["reported"])


def test_only_county_and_city_users_and_bad_dates(app):
    assert logged_in(app, "jindi_handler").get("/statistics/").status_code in (403, 404)
    html = logged_in(app, "city_handler").get("/statistics/?start=yesterday").get_data(as_text=True)
    assert "日期格式不正确" in html and "魏都区" in html
