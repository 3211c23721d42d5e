"""Security headers on every response; a CSP without 'unsafe-inline' scripts that FAB's pages satisfy."""
import re

from config import Config, ProductionConfig
from tests.security.helpers import login, make_user

EXPECTED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def _check(resp):
    for name, value in EXPECTED.items():
        assert resp.headers.get(name) == value, (resp.request.path, name)
    csp = resp.headers.get("Content-Security-Policy", "")
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (x.strip() for x in csp.split(";")) if d)
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    return directives


def test_headers_on_pages_api_errors_and_static_files(app):
    client = app.test_client()
    for url in ("/login/", "/", "/api/v1/units/", "/no/such/page", "/static/css/portal.css",
                "/static/appbuilder/js/ab.js"):
        _check(client.get(url))
    username = make_user(app)
    login(client, username)
    _check(client.get("/noticeview/list/"))
    _check(client.post("/api/v1/security/login", json={"username": "x", "password": "y", "provider": "db"}))


def _nonce(resp):
    script_src = _check(resp)["script-src"]
    match = re.search(r"'nonce-([^']+)'", script_src)
    assert match, script_src
    return match.group(1)


def test_every_inline_script_of_fab_pages_carries_the_nonce(app):
    admin = make_user(app, role="系统管理员", prefix="secadm")
    client = app.test_client()
    login(client, admin)
    seen_inline = 0
    nonces = set()
    for url in ("/users/list/", "/users/add", "/roles/list/", "/loginlogview/list/", "/onlineuserview/list/",
                "/noticeview/list/", "/login/"):
        resp = (app.test_client() if url == "/login/" else client).get(url)
        assert resp.status_code == 200, url
        nonce = _nonce(resp)
        nonces.add(nonce)
        html = resp.get_data(as_text=True)
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            if "src=" in attrs and not body.strip():
                continue
            seen_inline += 1
            assert f'nonce="{nonce}"' in attrs, (url, attrs, body[:80])
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), url      # no inline event handlers
    assert seen_inline > 0                   # FAB's list pages do have inline scripts
    assert len(nonces) == 7                  # a new nonce for every response


def test_cookie_settings(app):
    assert Config.SESSION_COOKIE_HTTPONLY is True and Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.SESSION_COOKIE_SECURE is True and ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
