"""操作日志: search, detail and export for administrators; append-only everywhere; secrets never
logged and parameters truncated; retention ≥ 180 days with ``flask portal purge-logs``;
log-out only by POST; the users REST API keeps the password history and no database text."""
import datetime as dt
import io
import json

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from app.audit import MAX_DETAIL, record, redact
from app.extensions import db
from app.models.audit import OperationLog
from app.models.base import now
from app.security.audit_log import AppendOnlyError
from tests.security.helpers import PASSWORD, api_login, log_entries, login, make_user, state_of, user_id

REUSE = "新密码不能与最近5次使用过的密码相同"


def _admin(app):
    admin = make_user(app, role="系统管理员", prefix="secadm")
    client = app.test_client()
    assert login(client, admin).status_code == 302
    return client, admin


def _add_log(app, action, at=None, detail=None, category="action"):
    with app.app_context():
        entry = record(category, action, target="测试对象", detail=detail)
        if at is not None:
            entry.at = at
        db.session.commit()
        log_id = entry.id
        db.session.remove()
    return log_id


def test_operation_log_search_detail_and_export(app):
    marker = f"审计检索{now().timestamp()}"
    log_id = _add_log(app, marker, detail={"标题": "公开内容"})
    other = _add_log(app, "别的操作")
    client, admin = _admin(app)
    html = client.get(f"/operationlogview/list/?_flt_2_action={marker}").get_data(as_text=True)
    assert marker in html and "别的操作" not in html and "导出" in html
    detail = client.get(f"/operationlogview/show/{log_id}").get_data(as_text=True)
    assert "公开内容" in detail and "请求参数" in detail

    resp = client.get(f"/operationlogview/export/?_flt_2_action={marker}")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(resp.data)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["操作时间", "操作人", "客户端地址"] and rows[0][-1] == "请求参数"
    assert len(rows) == 2 and marker in rows[1] and "别的操作" not in str(rows)
    assert other != log_id
    # the export itself is an audited event
    with app.app_context():
        assert db.session.scalar(select(OperationLog.id).where(OperationLog.category == "export",
                                                               OperationLog.username == admin)) is not None


def test_login_log_export_holds_only_login_events(app):
    username = make_user(app)
    login(app.test_client(), username, "Wrong@pass1")
    client, _ = _admin(app)
    resp = client.get(f"/loginlogview/export/?_flt_0_target={username}")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(resp.data)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "时间" and len(rows) == 2 and "登录失败" in rows[1]


def test_log_pages_are_for_administrators_only(app):
    client = app.test_client()
    login(client, make_user(app, role="管理员"))
    for url in ("/operationlogview/list/", "/operationlogview/export/", "/loginlogview/export/"):
        resp = client.get(url)
        assert resp.status_code in (302, 403), url
        assert b"PK" not in resp.data[:2]


def test_no_page_or_api_edits_or_deletes_a_log_entry(app):
    log_id = _add_log(app, "不可修改")
    client, _ = _admin(app)
    for method, url in (("get", f"/operationlogview/edit/{log_id}"), ("post", f"/operationlogview/edit/{log_id}"),
                        ("get", f"/operationlogview/delete/{log_id}"), ("post", f"/operationlogview/delete/{log_id}"),
                        ("post", "/operationlogview/action_post"), ("get", "/operationlogview/add"),
                        ("post", f"/loginlogview/delete/{log_id}")):
        resp = getattr(client, method)(url, data={"action": "muldelete", "rowid": [str(log_id)], "action_": "x"})
        assert resp.status_code in (302, 403, 404, 405), url
    # no REST resource over the log table at all (FAB's ModelRestApi would offer PUT/DELETE)
    from flask_appbuilder import ModelRestApi
    from app.extensions import appbuilder
    log_apis = [v for v in appbuilder.baseviews
                if isinstance(v, ModelRestApi) and getattr(v.datamodel, "obj", None) is OperationLog]
    assert log_apis == []
    with app.app_context():
        assert db.session.get(OperationLog, log_id).action == "不可修改"


def test_the_orm_refuses_to_change_or_delete_a_log_entry(app):
    log_id = _add_log(app, "只能追加")
    with app.app_context():
        entry = db.session.get(OperationLog, log_id)
        entry.result = "篡改"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(OperationLog, log_id))
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(OperationLog, log_id).result == "成功"
        db.session.remove()


def test_parameters_are_logged_without_secrets_and_truncated():
    text = redact({"title": "标题", "password": "Secret#1", "nested": [{"access_token": "tok", "x": 1}],
                   "body": {"csrf_token": "c", "conf_password": "p"}, "long": "长" * 5000})
    assert "Secret#1" not in text and '"tok"' not in text and '"c"' not in text and '"p"' not in text
    assert len(text) == MAX_DETAIL and text.startswith('{"title": "标题"')
    assert json.loads(redact({"Authorization": "Bearer x"}))["Authorization"] == "***"


def test_a_long_text_detail_is_truncated_too(app):
    log_id = _add_log(app, "长文本", detail="字" * 5000)
    with app.app_context():
        assert len(db.session.get(OperationLog, log_id).detail) == MAX_DETAIL


def test_purge_refuses_less_than_180_days_and_keeps_younger_rows(app):
    old = _add_log(app, "很久以前", at=now() - dt.timedelta(days=400))
    recent = _add_log(app, "半年内", at=now() - dt.timedelta(days=170))
    login_old = _add_log(app, "旧登录", at=now() - dt.timedelta(days=365), category="login")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["portal", "purge-logs", "--days", "179"])
    assert refused.exit_code != 0 and "日志至少保留180天" in refused.output
    with app.app_context():
        assert db.session.get(OperationLog, old) is not None
    done = runner.invoke(args=["portal", "purge-logs", "--days", "180"])
    assert done.exit_code == 0, done.output
    with app.app_context():
        # by action, not id: SQLite may give a deleted row's id to the next row
        actions = set(db.session.scalars(select(OperationLog.action).where(
            OperationLog.id.in_([old, recent, login_old]))))
        assert "很久以前" not in actions and "旧登录" not in actions and "半年内" in actions
        assert db.session.scalar(select(func.count()).select_from(OperationLog)
                                 .where(OperationLog.action == "清理日志")) >= 1
        db.session.remove()


def test_logout_is_a_post_a_cross_site_get_changes_nothing(app):
    username = make_user(app)
    client = app.test_client()
    login(client, username)
    page = client.get("/logout/")                       # what a link or <img> on another site does
    assert page.status_code == 200 and "确认退出" in page.get_data(as_text=True)
    assert client.get("/noticeview/list/").status_code == 200
    assert ("退出", "成功") not in log_entries(app, username)
    with client.session_transaction() as sess:
        copied = dict(sess)
    html = client.get("/").get_data(as_text=True)
    assert 'action="/logout/"' in html and 'method="post"' in html       # the navbar's 退出 is a form
    assert client.post("/logout/").status_code == 302
    assert ("退出", "成功") in log_entries(app, username)
    replay = app.test_client()
    with replay.session_transaction() as sess:
        sess.update(copied)
    assert "/login/" in replay.get("/noticeview/list/").headers["Location"]


def test_logout_post_needs_the_csrf_token_when_csrf_is_on(app):
    username = make_user(app)
    client = app.test_client()
    login(client, username)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/logout/").status_code == 400
        assert client.get("/noticeview/list/").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _user_api(app):
    admin = make_user(app, role="系统管理员", prefix="secadm")
    token = api_login(app.test_client(), admin).json["access_token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    return lambda method, url, **kw: getattr(client, method)(url, headers=headers, **kw)


def test_user_api_keeps_the_password_history_and_forces_a_change(app):
    username = make_user(app)
    call = _user_api(app)
    uid = user_id(app, username)
    resp = call("put", f"/api/v1/security/users/{uid}", json={"password": PASSWORD})
    assert resp.status_code == 400 and resp.json["errors"]["password"] == [REUSE]
    weak = call("put", f"/api/v1/security/users/{uid}", json={"password": "weakweak"})
    assert weak.status_code == 400
    assert state_of(app, username)[1] is False
    assert api_login(app.test_client(), username).status_code == 200     # password unchanged
    ok = call("put", f"/api/v1/security/users/{uid}", json={"password": "ApiSet#2025"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert state_of(app, username)[1] is True                             # to be changed at next log-in
    forced = api_login(app.test_client(), username, "ApiSet#2025")
    assert forced.status_code == 403 and "修改密码" in forced.json["message"]
    # logged once (by the session hook), whichever path made the change
    assert [e for e in log_entries(app, username, category="security") if e[0] == "修改用户"] == [("修改用户", "成功")]


def test_user_api_unknown_user_and_duplicate_name_answer_without_database_text(app):
    call = _user_api(app)
    assert call("put", "/api/v1/security/users/99999999", json={"first_name": "x"}).status_code == 404
    dup = call("post", "/api/v1/security/users/",
               json={"first_name": "重", "last_name": "复", "username": "admin", "email": "dup@xuchang.local",
                     "password": "Dup#2025abc", "roles": [1], "active": True})
    text = dup.get_data(as_text=True)
    assert dup.status_code == 400, text
    for leak in ("UNIQUE", "unique", "ab_user", "INSERT", "duplicate", "Key ("):
        assert leak not in text, leak
