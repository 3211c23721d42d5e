"""首页: every tile's number equals the length of the list it links to; charts for county and
city users only, drawn from the app's own static files."""
import re

import pytest

from tests.registries.helpers import logged_in


def _total(html):
    found = re.findall(r"共 (\d+) 条", html)
    if found:
        return int(found[0])
    return len(re.findall(r"<tr><td>", html))       # 审核中心 and 督办 lists show every row


@pytest.fixture(scope="module", autouse=True)
def work_in_progress(app):
    """A reported ticket escalated to the grid leader, and one signed by 金地社区, so tiles are not all zero."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.dictionary import EventCategory
    from app.models.org import AppUser
    from app.workflow import services

    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(AppUser))}
        leaf = db.session.scalar(select(EventCategory.id).where(EventCategory.level == 3))
        fields = dict(title="工作台测试-井盖缺失", description="井盖缺失", address="许由路", category_id=leaf,
                      urgency="重大", party_name="群众", party_phone="13903743068")
        first = services.report(users["cs471_member"], **fields)
        services.escalate(users["cs471_member"], first.id, target="upper", reason="需社区处理")
        second = services.report(users["cs471_member"], **dict(fields, title="工作台测试-路灯不亮"))
        services.escalate(users["cs471_member"], second.id, target="upper", reason="需社区处理")
        app_id = second.applications[-1].id
        services.review_application(users["cs471_leader"], app_id, approve=True, opinion="同意")
        db.session.remove()


@pytest.mark.parametrize("username", ["cs471_member", "jindi_handler", "xidajie_handler", "weidu_handler",
                                      "weidu_zjj", "city_handler", "cs471_leader"])
def test_tiles_agree_with_their_lists(app, username):
    client = logged_in(app, username)
    html = client.get("/").get_data(as_text=True)
    tiles = re.findall(r'workbench-tile" href="([^"]+)" data-count="(\d+)"', html)
    assert [t for t in tiles], "no tiles"
    labels = re.findall(r'<div class="panel-heading">([^<]+)</div>\s*<div class="panel-body"><span', html)
    assert labels[:6] == ["待签收", "待办", "即将超期", "已超期", "待审核", "督办我的"]
    if username == "cs471_leader":
        assert dict((h, int(c)) for h, c in tiles)["/work/applications/all/review"] >= 1
    if username == "jindi_handler":
        assert dict((h, int(c)) for h, c in tiles)["/work/board/pending"] >= 1
    for href, count in tiles:
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert _total(listed.get_data(as_text=True)) == int(count), (username, href)


def test_charts_for_county_and_city_only(app):
    county = logged_in(app, "weidu_handler").get("/").get_data(as_text=True)
    assert 'id="chart-trend"' in county and "vendor/echarts/echarts.common.min.js" in county
    assert "cdn" not in county.lower()
    grid = logged_in(app, "cs471_member").get("/").get_data(as_text=True)
    assert 'id="chart-trend"' not in grid
    assert logged_in(app, "weidu_handler").get("/static/vendor/echarts/echarts.common.min.js").status_code == 200
