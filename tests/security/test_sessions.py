"""Idle timeout, absolute limit, server-side revocation of cookies and tokens, safe redirects."""
import time

from sqlalchemy import select

from app.extensions import db
from app.models.org import AppUser
from app.models.security import OnlineSession
from app.security.sessions import LOGIN_AT, SEEN_AT
from tests.security.helpers import PASSWORD, api_login, login, make_user, state_of, user_id

PAGE = "/noticeview/list/"


def _logged_in(app, username, password=PASSWORD):
    client = app.test_client()
    resp = login(client, username, password)
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"], resp.headers
    assert client.get(PAGE).status_code == 200
    return client


def _to_login(resp):
    return resp.status_code == 302 and "/login/" in resp.headers["Location"]


def _copy(client):
    clone = client.application.test_client()
    clone.set_cookie("session", client.get_cookie("session").value)
    return clone


def test_login_makes_a_permanent_http_only_lax_cookie(app):
    username = make_user(app)
    client = app.test_client()
    resp = login(client, username)
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60


def test_cookie_copied_before_logout_is_refused_after_it(app):
    username = make_user(app)
    client = _logged_in(app, username)
    stolen = _copy(client)
    assert stolen.get(PAGE).status_code == 200          # the copy works while the session lives
    assert client.post("/logout/").status_code == 302
    assert _to_login(stolen.get(PAGE))
    assert stolen.get("/api/v1/units/").status_code == 401     # browser-login API too
    assert _to_login(client.get(PAGE))


def test_logout_revokes_api_tokens(app):
    username = make_user(app)
    api_client = app.test_client()
    tokens = api_login(api_client, username, refresh=True).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert api_client.get("/api/v1/units/", headers=headers).status_code == 200
    page = _logged_in(app, username)
    page.post("/logout/")
    resp = api_client.get("/api/v1/units/", headers=headers)
    assert resp.status_code == 401 and resp.json["message"] == "登录凭证已失效，请重新登录"
    refresh = api_client.post("/api/v1/security/refresh",
                              headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refresh.status_code == 401
    # a new log-in gives a working token
    token = api_login(api_client, username).json["access_token"]
    assert api_client.get("/api/v1/units/", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_without_version_claim_is_refused(app):
    from flask_jwt_extended import create_access_token

    username = make_user(app)
    uid = user_id(app, username)
    with app.test_request_context():
        forged = create_access_token(identity=str(uid), additional_claims={"sv": 999})
    resp = app.test_client().get("/api/v1/units/", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401


def test_idle_timeout_of_thirty_minutes(app):
    username = make_user(app)
    client = _logged_in(app, username)
    with client.session_transaction() as sess:
        sess[SEEN_AT] = time.time() - 29 * 60
    assert client.get(PAGE).status_code == 200           # 29 minutes idle: still signed in
    with client.session_transaction() as sess:
        sess[SEEN_AT] = time.time() - 31 * 60
    assert _to_login(client.get(PAGE))
    assert _to_login(client.get(PAGE))                   # and it stays logged out


def test_server_side_idle_timeout_even_with_a_fresh_cookie(app):
    import datetime as dt

    from app.models.base import now

    username = make_user(app)
    client = _logged_in(app, username)
    with app.app_context():
        db.session.execute(OnlineSession.__table__.update()
                           .where(OnlineSession.user_id == user_id(app, username))
                           .values(last_seen_at=now() - dt.timedelta(minutes=40)))
        db.session.commit()
    assert _to_login(client.get(PAGE))


def test_absolute_limit_of_eight_hours(app):
    username = make_user(app)
    client = _logged_in(app, username)
    with client.session_transaction() as sess:
        sess[LOGIN_AT] = time.time() - 8 * 3600 + 60
    assert client.get(PAGE).status_code == 200
    with client.session_transaction() as sess:
        sess[LOGIN_AT] = time.time() - 8 * 3600 - 1
    assert _to_login(client.get(PAGE))


def test_session_without_the_portal_keys_is_refused(app):
    """A cookie made before this policy (or by FAB alone: just ``_user_id``) does not sign in."""
    username = make_user(app)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id(app, username))
        sess["_fresh"] = True
    assert _to_login(client.get(PAGE))


def test_disabling_the_account_ends_its_sessions(app):
    username = make_user(app)
    client = _logged_in(app, username)
    token = api_login(app.test_client(), username).json["access_token"]
    before = state_of(app, username)[0]
    with app.app_context():
        user = db.session.scalar(select(AppUser).where(AppUser.username == username))
        user.active = False
        db.session.commit()
        user.active = True               # enabled again: the old session must still be dead
        db.session.commit()
        db.session.remove()
    assert state_of(app, username)[0] == before + 1
    assert _to_login(client.get(PAGE))
    assert app.test_client().get("/api/v1/units/", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_online_users_and_forced_logout(app):
    username = make_user(app)
    victim = _logged_in(app, username)
    admin = make_user(app, role="系统管理员", prefix="secadm")
    admin_client = _logged_in(app, admin)
    html = admin_client.get("/onlineuserview/list/").get_data(as_text=True)
    assert "在线用户" in html and username in html and "127.0.0.1" in html
    with app.app_context():
        sid = db.session.scalar(select(OnlineSession.id).where(OnlineSession.user_id == user_id(app, username)))
    resp = admin_client.post("/onlineuserview/action_post", data={"action": "force_logout", "rowid": [sid]})
    assert resp.status_code == 302
    assert _to_login(victim.get(PAGE))
    assert username not in admin_client.get("/onlineuserview/list/").get_data(as_text=True)
    assert admin_client.get(PAGE).status_code == 200     # the administrator's own session lives on
    from tests.security.helpers import log_entries
    assert ("强制下线", "成功") in log_entries(app, username)


def test_online_users_page_is_for_administrators_only(app):
    username = make_user(app)
    client = _logged_in(app, username)
    resp = client.get("/onlineuserview/list/")
    assert resp.status_code in (302, 403)
    with app.app_context():
        sid = db.session.scalar(select(OnlineSession.id).where(OnlineSession.user_id == user_id(app, username)))
    client.post("/onlineuserview/action_post", data={"action": "force_logout", "rowid": [sid]})
    assert client.get(PAGE).status_code == 200


def test_login_page_is_not_cached(app):
    resp = app.test_client().get("/login/")
    assert resp.status_code == 200
    assert "no-store" in resp.headers["Cache-Control"]
    username = make_user(app)
    resp = login(app.test_client(), username, "Wrong@pass1")
    assert "no-store" in resp.headers["Cache-Control"]


def test_login_refuses_open_redirects(app):
    username = make_user(app)
    for evil in ("https://evil.example/", "//evil.example/x", "https:/evil.example/"):
        client = app.test_client()
        resp = client.post("/login/", query_string={"next": evil},
                           data={"username": username, "password": PASSWORD})
        assert resp.status_code == 302
        assert "evil.example" not in resp.headers["Location"], evil
        # already signed in: the same for GET /login/?next=…
        again = client.get("/login/", query_string={"next": evil})
        assert "evil.example" not in again.headers.get("Location", ""), evil
    # a local target is kept
    client = app.test_client()
    resp = client.post("/login/", query_string={"next": PAGE}, data={"username": username, "password": PASSWORD})
    assert resp.headers["Location"].endswith(PAGE)


def test_configured_safe_hosts_are_honoured(app):
    previous = app.config.get("FAB_SAFE_REDIRECT_HOSTS")
    app.config["FAB_SAFE_REDIRECT_HOSTS"] = ["portal.xuchang.gov.cn"]
    try:
        username = make_user(app)
        ok = app.test_client().post("/login/", query_string={"next": "https://portal.xuchang.gov.cn/x"},
                                    data={"username": username, "password": PASSWORD})
        assert ok.headers["Location"] == "https://portal.xuchang.gov.cn/x"
        bad = app.test_client().post("/login/", query_string={"next": "https://evil.example/"},
                                     data={"username": username, "password": PASSWORD})
        assert "evil.example" not in bad.headers["Location"]
    finally:
        app.config["FAB_SAFE_REDIRECT_HOSTS"] = previous
