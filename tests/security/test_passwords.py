"""Password policy: complexity on create / reset / own change, forced change after a reset,
90-day expiry, no reuse of the last 5, the current password asked for an own change."""
import datetime as dt

import pytest
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from sqlalchemy import select

from app.extensions import db
from app.models.base import now
from app.models.org import AppUser
from app.security.passwords import validate_password_complexity
from tests.security.helpers import (PASSWORD, api_login, log_entries, login, make_user, set_state, state_of,
                                    user_id)

COMPLEXITY = "密码至少8位，且须包含大写字母、小写字母、数字、特殊字符中的至少三类"
CHANGE_URL = "/resetmypassword/form"
PAGE = "/noticeview/list/"


@pytest.mark.parametrize("password", ["", "Ab1!", "Abc1!xy", "abcdefgh", "ABCDEFGH12", "abcdefg1", "abc!efgh",
                                      "12345678!", "Password"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(PasswordComplexityValidationError) as exc:
        validate_password_complexity(password)
    assert str(exc.value) == COMPLEXITY


@pytest.mark.parametrize("password", ["Abcdefg1", "abcdef1!", "ABCDEF1!", "Abcdefg!", "长密码Ab12345", "Demo@2025pass"])
def test_three_of_four_classes_are_enough(password):
    validate_password_complexity(password)


def _admin(app):
    admin = make_user(app, role="系统管理员", prefix="secadm")
    client = app.test_client()
    assert login(client, admin).status_code == 302
    return client


def _add_user_form(app, username, password):
    from app.extensions import appbuilder

    with app.app_context():
        role_id = appbuilder.sm.find_role("网格员").id
    return {"first_name": "新人", "last_name": "", "username": username, "active": "y", "roles": [str(role_id)],
            "email": f"{username}@xuchang.local", "password": password, "conf_password": password}


def test_user_creation_checks_complexity(app):
    client = _admin(app)
    html = client.post("/users/add", data=_add_user_form(app, "sec_weak_new", "abcdefgh")).get_data(as_text=True)
    assert COMPLEXITY in html
    with app.app_context():
        assert db.session.scalar(select(AppUser.id).where(AppUser.username == "sec_weak_new")) is None
    resp = client.post("/users/add", data=_add_user_form(app, "sec_strong_new", "Strong#2025"))
    assert resp.status_code == 302
    assert user_id(app, "sec_strong_new") is not None
    assert state_of(app, "sec_strong_new")[4] is not None        # password age starts at creation


def test_user_api_checks_complexity(app):
    admin = make_user(app, role="系统管理员", prefix="secadm")
    token = api_login(app.test_client(), admin).json["access_token"]
    resp = app.test_client().post("/api/v1/security/users/", headers={"Authorization": f"Bearer {token}"},
                                  json={"first_name": "接口", "last_name": "x", "username": "sec_api_weak",
                                        "email": "sec_api_weak@xuchang.local", "password": "weakpass", "roles": []})
    assert resp.status_code == 400 and resp.json["message"]["password"] == [COMPLEXITY]


def _reset(client, app, username, password):
    return client.post(f"/resetpassword/form?pk={user_id(app, username)}",
                       data={"password": password, "conf_password": password})


def test_admin_reset_checks_complexity_and_history(app):
    username = make_user(app)
    client = _admin(app)
    assert COMPLEXITY in _reset(client, app, username, "abcdefgh").get_data(as_text=True)
    assert "最近5次" in _reset(client, app, username, PASSWORD).get_data(as_text=True)
    assert state_of(app, username)[1] is False
    assert _reset(client, app, username, "Reset#2025a").status_code == 302
    assert state_of(app, username)[1] is True
    assert ("重置密码", "成功") in log_entries(app, username, category="security")


def test_reset_password_must_be_changed_at_first_login(app):
    username = make_user(app)
    old_session = app.test_client()
    login(old_session, username)
    assert old_session.get(PAGE).status_code == 200
    client = _admin(app)
    assert _reset(client, app, username, "Reset#2025a").status_code == 302
    # the reset ends the user's sessions
    assert "/login/" in old_session.get(PAGE).headers["Location"]

    user = app.test_client()
    resp = login(user, username, "Reset#2025a")
    assert resp.status_code == 302
    # every page and API sends the user to the change-password page
    for url in (PAGE, "/", "/users/userinfo/"):
        resp = user.get(url)
        assert resp.status_code == 302 and resp.headers["Location"].endswith(CHANGE_URL), url
    api = user.get("/api/v1/units/")
    assert api.status_code == 403 and "修改密码" in api.json["message"]
    token_login = api_login(app.test_client(), username, "Reset#2025a")
    assert token_login.status_code == 403 and "修改密码" in token_login.json["message"]
    page = user.get(CHANGE_URL)
    assert page.status_code == 200 and "当前密码" in page.get_data(as_text=True)

    # the change asks for the current password and applies the policy
    bad = user.post(CHANGE_URL, data={"old_password": "Wrong#2025", "password": "Mine#2025b",
                                      "conf_password": "Mine#2025b"})
    assert "当前密码不正确" in bad.get_data(as_text=True)
    same = user.post(CHANGE_URL, data={"old_password": "Reset#2025a", "password": "Reset#2025a",
                                       "conf_password": "Reset#2025a"})
    assert "最近5次" in same.get_data(as_text=True)
    weak = user.post(CHANGE_URL, data={"old_password": "Reset#2025a", "password": "weakweak",
                                       "conf_password": "weakweak"})
    assert COMPLEXITY in weak.get_data(as_text=True)
    ok = user.post(CHANGE_URL, data={"old_password": "Reset#2025a", "password": "Mine#2025b",
                                     "conf_password": "Mine#2025b"})
    assert ok.status_code == 302
    assert state_of(app, username)[1] is False
    assert user.get(PAGE).status_code == 200                     # this session goes on
    assert api_login(app.test_client(), username, "Mine#2025b").status_code == 200
    assert ("修改密码", "成功") in log_entries(app, username, category="security")


def test_own_change_ends_other_sessions_and_tokens(app):
    username = make_user(app)
    other = app.test_client()
    login(other, username)
    token = api_login(app.test_client(), username).json["access_token"]
    me = app.test_client()
    login(me, username)
    resp = me.post(CHANGE_URL, data={"old_password": PASSWORD, "password": "Other#2025c",
                                     "conf_password": "Other#2025c"})
    assert resp.status_code == 302
    assert me.get(PAGE).status_code == 200
    assert "/login/" in other.get(PAGE).headers["Location"]
    assert app.test_client().get("/api/v1/units/", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_last_five_passwords_cannot_be_reused(app):
    username = make_user(app, password="Start#2025x")
    client = app.test_client()
    login(client, username, "Start#2025x")
    current = "Start#2025x"
    for i in range(1, 6):
        new = f"Cycle#2025_{i}"
        resp = client.post(CHANGE_URL, data={"old_password": current, "password": new, "conf_password": new})
        assert resp.status_code == 302, resp.get_data(as_text=True)[-500:]
        current = new
    # Cycle 1..5 are the last five: refused; the one before them may come back
    for old in ("Cycle#2025_1", "Cycle#2025_3", "Cycle#2025_5"):
        html = client.post(CHANGE_URL, data={"old_password": current, "password": old,
                                             "conf_password": old}).get_data(as_text=True)
        assert "最近5次" in html, old
    resp = client.post(CHANGE_URL, data={"old_password": current, "password": "Start#2025x",
                                         "conf_password": "Start#2025x"})
    assert resp.status_code == 302


def test_passwords_expire_after_ninety_days(app):
    username = make_user(app)
    set_state(app, username, password_changed_at=now() - dt.timedelta(days=89))
    client = app.test_client()
    login(client, username)
    assert client.get(PAGE).status_code == 200
    set_state(app, username, password_changed_at=now() - dt.timedelta(days=91))
    resp = client.get(PAGE)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(CHANGE_URL)
    token_login = api_login(app.test_client(), username)
    assert token_login.status_code == 403 and "90天" in token_login.json["message"]
    resp = client.post(CHANGE_URL, data={"old_password": PASSWORD, "password": "Fresh#2025d",
                                         "conf_password": "Fresh#2025d"})
    assert resp.status_code == 302
    assert client.get(PAGE).status_code == 200
    assert (now() - state_of(app, username)[4]).total_seconds() < 120


def test_change_page_needs_a_login(app):
    resp = app.test_client().get(CHANGE_URL)
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    resp = app.test_client().post(CHANGE_URL, data={"old_password": "x", "password": "Abcdefg1!",
                                                    "conf_password": "Abcdefg1!"})
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]


def test_passwords_are_stored_hashed(app):
    username = make_user(app)
    with app.app_context():
        stored = db.session.scalar(select(AppUser.password).where(AppUser.username == username))
        from app.models.security import PasswordHistory
        history = db.session.scalars(select(PasswordHistory.password_hash)
                                     .where(PasswordHistory.user_id == user_id(app, username))).all()
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert history == [stored]
