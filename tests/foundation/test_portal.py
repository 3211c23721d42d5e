"""The portal starts, speaks Chinese, every demo account logs in and sees its menus."""
import re

import pytest

from app.demo import DEMO_USERS
from tests.conftest import DEMO_PASSWORD, api_token, login_page


def test_login_page_is_chinese(client):
    resp = client.get("/login/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<title>许昌市市域基层治理平台</title>" in html
    assert "用户名" in html and "密码" in html


@pytest.mark.parametrize("username,name,unit,roles", DEMO_USERS)
def test_demo_account_logs_in_by_page_and_api(app, username, name, unit, roles):
    client = app.test_client()
    html = login_page(client, username).get_data(as_text=True)
    assert name in html, f"{username} did not reach the welcome page"
    assert unit in html
    token = api_token(client, username)
    assert token.count(".") == 2


def _menu_names(html):
    return set(re.findall(r"(?:>|&nbsp;)\s*([\u4e00-\u9fff]{2,8})\s*<", html))


def test_menus_follow_roles(app):
    admin, member = app.test_client(), app.test_client()
    admin_menus = _menu_names(login_page(admin, "admin").get_data(as_text=True))
    member_menus = _menu_names(login_page(member, "cs471_member").get_data(as_text=True))
    assert {"系统管理", "单位管理", "字典管理", "事件类型", "数据权限", "操作日志"} <= admin_menus
    assert "通知公告" in member_menus
    assert not ({"系统管理", "单位管理", "字典管理"} & member_menus)
    # the menu is not the only guard: the page itself refuses
    assert member.get("/unitview/list/", follow_redirects=False).status_code in (302, 403)


def test_wrong_password_is_refused(app):
    client = app.test_client()
    resp = client.post("/api/v1/security/login",
                       json={"username": "admin", "password": DEMO_PASSWORD + "x", "provider": "db"})
    assert resp.status_code == 401


def test_english_is_the_second_locale(app):
    client = app.test_client()
    login_page(client, "admin")
    html = client.get("/lang/en", follow_redirects=True).get_data(as_text=True)
    assert "Units" in html and "System" in html
    html = client.get("/lang/zh", follow_redirects=True).get_data(as_text=True)
    assert "单位管理" in html
