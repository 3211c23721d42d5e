"""Log-in attempts are limited per client address, on the page and the API together, and the
count is shared by every worker when Redis holds it."""
import random

import pytest
import redis

from app.security.ratelimit import _EXTENSION
from tests.security.helpers import PASSWORD, api_login, log_entries, login, make_user

MESSAGE = "登录尝试过于频繁，请稍后再试"


def _address():
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@pytest.fixture
def limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "4 per minute")
    yield
    app.extensions.pop(_EXTENSION, None)


def test_page_and_api_share_one_count_per_address(app, limited):
    username = make_user(app)
    client = app.test_client()
    here = {"REMOTE_ADDR": _address()}
    for _ in range(2):
        assert client.post("/login/", data={"username": username, "password": "Wrong@pass1"},
                           environ_base=here).status_code == 302
    for _ in range(2):
        assert client.post("/api/v1/security/login", environ_base=here,
                           json={"username": username, "password": "Wrong@pass1", "provider": "db"}).status_code == 401
    # the fifth attempt is refused before the password is even looked at, right password or not
    page = client.post("/login/", data={"username": username, "password": PASSWORD}, environ_base=here)
    assert page.status_code == 429 and MESSAGE in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    api = client.post("/api/v1/security/login", environ_base=here,
                      json={"username": username, "password": PASSWORD, "provider": "db"})
    assert api.status_code == 429 and api.get_json()["message"] == MESSAGE
    assert client.get("/noticeview/list/").status_code == 302          # not logged in
    # four refused passwords, then two refusals by the limit, each in the 登录日志
    entries = log_entries(app, username)
    assert [a for a, _ in entries].count("登录失败") == 4
    assert entries[-2:] == [("登录限流", "请求过于频繁")] * 2
    # the account itself was not punished for the refused attempts: another address logs in
    elsewhere = app.test_client()
    assert elsewhere.post("/login/", data={"username": username, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": _address()}).status_code == 302
    assert elsewhere.get("/noticeview/list/").status_code == 200


def test_other_addresses_are_not_affected(app, limited):
    username = make_user(app)
    crowded = {"REMOTE_ADDR": _address()}
    client = app.test_client()
    for _ in range(4):
        login_resp = client.post("/login/", data={"username": "nobody_x", "password": "Wrong@pass1"},
                                 environ_base=crowded)
        assert login_resp.status_code == 302
    assert client.post("/login/", data={"username": username, "password": PASSWORD},
                       environ_base=crowded).status_code == 429
    other = app.test_client()
    assert api_login(other, username).status_code == 200   # 127.0.0.1 has its own count
    assert login(other, username).status_code == 302


def test_the_count_is_shared_by_workers_through_redis(app, limited, monkeypatch):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", url)
    here = {"REMOTE_ADDR": _address()}
    client = app.test_client()
    for _ in range(4):
        app.extensions.pop(_EXTENSION, None)      # each attempt served by a "new worker" with its own limiter
        assert client.post("/login/", data={"username": "nobody_y", "password": "Wrong@pass1"},
                           environ_base=here).status_code == 302
    app.extensions.pop(_EXTENSION, None)
    assert client.post("/login/", data={"username": "nobody_y", "password": "Wrong@pass1"},
                       environ_base=here).status_code == 429
