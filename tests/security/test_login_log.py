"""登录日志: every log-in, failed log-in, lock and log-out recorded; a read-only page for administrators."""
from sqlalchemy import select

from app.extensions import db
from app.models.audit import OperationLog
from tests.security.helpers import PASSWORD, api_login, log_entries, login, make_user


def test_login_events_are_recorded(app):
    username = make_user(app)
    client = app.test_client()
    login(client, username, "Wrong@pass1")
    login(client, username)
    client.post("/logout/")
    api_login(app.test_client(), username)
    entries = log_entries(app, username)
    assert entries == [("登录失败", "失败"), ("登录", "成功"), ("退出", "成功"), ("登录", "成功")]
    with app.app_context():
        rows = db.session.scalars(select(OperationLog).where(OperationLog.category == "login",
                                                             OperationLog.target == username)
                                  .order_by(OperationLog.id)).all()
        assert all(r.ip == "127.0.0.1" and r.username == username for r in rows)
        assert "页面" in rows[1].detail and "接口" in rows[3].detail
        assert all(PASSWORD not in (r.detail or "") and "Wrong@pass1" not in (r.detail or "") for r in rows)


def test_login_log_page_is_read_only_and_for_administrators(app):
    username = make_user(app)
    login(app.test_client(), username, "Wrong@pass1")
    admin = make_user(app, role="系统管理员", prefix="secadm")
    client = app.test_client()
    login(client, admin)
    html = client.get("/loginlogview/list/?psize_LoginLogView=100").get_data(as_text=True)
    assert "登录日志" in html and username in html and "登录失败" in html
    with app.app_context():
        log_id = db.session.scalar(select(OperationLog.id).where(OperationLog.target == username))
        other_id = db.session.scalar(select(OperationLog.id).where(OperationLog.category != "login"))
    assert client.get(f"/loginlogview/show/{log_id}").status_code == 200
    for url in (f"/loginlogview/edit/{log_id}", "/loginlogview/add"):
        assert client.get(url).status_code in (302, 403, 404, 405), url
    assert client.post(f"/loginlogview/delete/{log_id}").status_code in (302, 403, 404, 405)
    with app.app_context():
        assert db.session.get(OperationLog, log_id) is not None
    if other_id is not None:                              # the page shows only the login category
        assert client.get(f"/loginlogview/show/{other_id}").status_code in (302, 404)
    # a user without the role sees nothing
    plain = app.test_client()
    login(plain, username)
    resp = plain.get("/loginlogview/list/")
    assert resp.status_code in (302, 403) and username not in resp.get_data(as_text=True)


def test_menu_shows_the_pages_under_system_management(app):
    admin = make_user(app, role="系统管理员", prefix="secadm")
    client = app.test_client()
    login(client, admin)
    html = client.get("/").get_data(as_text=True)
    assert "登录日志" in html and "在线用户" in html
