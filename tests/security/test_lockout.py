"""5 failed log-ins lock the account for 15 minutes, on the page and the API, with one message."""
import datetime as dt

import pytest
from werkzeug import security as wz_security

import app.security.lockout as lockout
from app.models.base import now
from tests.security.helpers import (PASSWORD, api_login, flashes, log_entries, login, make_user, set_state,
                                    state_of, user_id)

MESSAGE = "用户名或密码错误，或账号已被锁定"


def _page_message(client, username, password):
    resp = login(client, username, password)
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]
    messages = flashes(client)
    with client.session_transaction() as sess:
        sess.pop("_flashes", None)
    return messages


def test_five_failures_on_the_login_page_lock_the_account(app):
    username = make_user(app)
    client = app.test_client()
    for _ in range(5):
        assert _page_message(client, username, "Wrong@pass1") == [MESSAGE]
    version, _, failed, locked_until, _ = state_of(app, username)
    assert locked_until is not None and locked_until > now() + dt.timedelta(minutes=14)
    # the right password does not open a locked account, and the answer is the same
    assert _page_message(client, username, PASSWORD) == [MESSAGE]
    assert client.get("/noticeview/list/").status_code == 302
    flashes(client)
    with client.session_transaction() as sess:
        sess.pop("_flashes", None)
    # an unknown user gets exactly the same answer
    assert _page_message(client, "no_such_user_x", "Wrong@pass1") == [MESSAGE]
    entries = log_entries(app, username)
    assert [a for a, _ in entries].count("登录失败") == 6
    assert ("账号锁定", "锁定15分钟") in entries
    assert entries[-1] == ("登录失败", "账号锁定中")
    assert ("登录失败", "失败") in log_entries(app, "no_such_user_x")


def test_lock_ends_after_fifteen_minutes(app):
    username = make_user(app)
    client = app.test_client()
    for _ in range(5):
        login(client, username, "Wrong@pass1")
    set_state(app, username, locked_until=now() - dt.timedelta(seconds=1))
    resp = login(client, username)
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]
    assert state_of(app, username)[2] == 0          # counter reset by the success


def test_success_resets_the_failure_counter(app):
    username = make_user(app)
    client = app.test_client()
    for _ in range(4):
        login(client, username, "Wrong@pass1")
    assert state_of(app, username)[2] == 4
    login(client, username)
    assert state_of(app, username)[2] == 0
    client = app.test_client()
    for _ in range(4):
        login(client, username, "Wrong@pass1")
    assert state_of(app, username)[3] is None        # 4 + 4 failures with a success between: no lock


def test_api_login_locks_too_with_the_same_message(app):
    username = make_user(app)
    client = app.test_client()
    for _ in range(5):
        resp = api_login(client, username, "Wrong@pass1")
        assert resp.status_code == 401 and resp.json == {"message": MESSAGE}
    resp = api_login(client, username)
    assert resp.status_code == 401 and resp.json == {"message": MESSAGE}
    unknown = api_login(client, "no_such_user_y", "Wrong@pass1")
    assert unknown.status_code == 401 and unknown.json == resp.json
    assert ("账号锁定", "锁定15分钟") in log_entries(app, username)


def test_page_and_api_failures_count_together(app):
    username = make_user(app)
    client = app.test_client()
    for _ in range(3):
        api_login(client, username, "Wrong@pass1")
    for _ in range(2):
        login(client, username, "Wrong@pass1")
    assert state_of(app, username)[3] is not None


def test_administrator_unlocks_from_the_user_list(app):
    username = make_user(app)
    admin = make_user(app, role="系统管理员", prefix="secadm")
    client = app.test_client()
    for _ in range(5):
        login(client, username, "Wrong@pass1")
    assert api_login(client, username).status_code == 401
    admin_client = app.test_client()
    assert login(admin_client, admin).status_code == 302
    resp = admin_client.post("/users/action_post", data={"action": "unlock", "rowid": [str(user_id(app, username))]})
    assert resp.status_code == 302
    assert state_of(app, username)[3] is None
    assert api_login(app.test_client(), username).status_code == 200
    assert ("解除锁定", "成功") in log_entries(app, username)


def test_a_user_without_the_permission_cannot_unlock(app):
    username = make_user(app)
    for _ in range(5):
        login(app.test_client(), username, "Wrong@pass1")
    other = make_user(app)
    client = app.test_client()
    login(client, other)
    client.post("/users/action_post", data={"action": "unlock", "rowid": [str(user_id(app, username))]})
    assert state_of(app, username)[3] is not None


@pytest.fixture()
def hash_calls(monkeypatch):
    calls = []

    def counting(pwhash, password):
        calls.append(pwhash.split("$")[0])
        return wz_security.check_password_hash(pwhash, password)

    monkeypatch.setattr(lockout, "check_password_hash", counting)
    return calls


def test_every_refusal_costs_one_hash_of_the_same_kind(app, hash_calls):
    """Timing does not tell whether a user exists: unknown, locked and wrong all hash once, alike."""
    username = make_user(app)
    client = app.test_client()
    login(client, username, "Wrong@pass1")
    real = hash_calls[:]
    hash_calls.clear()
    login(client, "nobody_" + username, "Wrong@pass1")
    unknown = hash_calls[:]
    hash_calls.clear()
    for _ in range(4):
        login(client, username, "Wrong@pass1")
    hash_calls.clear()
    login(client, username, PASSWORD)                # locked now
    locked = hash_calls[:]
    assert len(real) == len(unknown) == len(locked) == 1
    assert real[0] == unknown[0] == locked[0]        # same method and cost, e.g. scrypt:32768:8:1
