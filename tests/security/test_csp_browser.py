"""In Chromium: FAB's pages work under the Content-Security-Policy (no violation, scripts run),
and an injected inline script is blocked.

Playwright's sync API runs here in a worker thread with its own Chromium, so that it does not
collide with the session-wide browser of ``tests/browser`` (one sync Playwright per thread).
"""
import os
import threading
from contextlib import contextmanager

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, live_server  # noqa: F401  (fixture)
from tests.security.helpers import PASSWORD, api_login, make_user, state_of, user_id


def _in_thread(fn, timeout=240):
    outcome = {}

    def run():
        try:
            fn()
        except BaseException as exc:        # re-raised in the test's thread
            outcome["exc"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "browser scenario timed out"
    if "exc" in outcome:
        raise outcome["exc"]


@contextmanager
def _page(base_url):
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/test.sh installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15000)
            violations = []
            page.on("console", lambda msg: violations.append(msg.text)
                    if msg.type == "error" and "Content Security Policy" in msg.text else None)
            page.on("pageerror", lambda exc: violations.append(f"pageerror: {exc}"))
            yield page, violations
        finally:
            browser.close()


def _log_in(page, username, password=PASSWORD):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_fab_pages_run_under_the_policy(app, live_server):  # noqa: F811
    admin = make_user(app, role="系统管理员", prefix="seccsp")
    victim = make_user(app, prefix="seclock")
    for _ in range(5):
        api_login(app.test_client(), victim, "Wrong@pass1")     # CSRF is on here: the JSON API
    assert state_of(app, victim)[3] is not None
    victim_id = user_id(app, victim)

    def scenario():
        with _page(live_server) as (page, violations):
            _log_in(page, admin)
            assert "系统管理" in page.inner_text(".navbar")
            page.goto("/users/add")
            page.wait_for_load_state("networkidle")
            assert page.locator(".select2-container").count() > 0        # ab.js ran: select2 widgets
            # FAB's action machinery: checkbox, dropdown, confirmation dialog, POST with CSRF token
            page.goto("/users/list/?_oc_PortalUserView=id&_od_PortalUserView=desc")
            page.wait_for_load_state("networkidle")
            page.check(f"input.action_check[value='{victim_id}']")
            page.locator(".btn-group:has(.unlock_menu_item) > button.dropdown-toggle").first.click()
            page.locator(".unlock_menu_item").first.click()
            page.click("#modal-confirm-ok")
            page.wait_for_selector("text=已解除 1 个账号的锁定")
            page.wait_for_load_state("networkidle")
            for url in ("/noticeview/list/", "/loginlogview/list/", "/onlineuserview/list/", "/resetmypassword/form"):
                page.goto(url)
                page.wait_for_load_state("networkidle")
            assert page.evaluate("typeof jQuery") == "function"
            page.goto("/swagger/v1")
            page.wait_for_selector("#swagger-ui .swagger-ui", timeout=10000)
            assert not violations, violations

    _in_thread(scenario)
    assert state_of(app, victim)[3] is None


def test_an_injected_inline_script_is_blocked(app, live_server):  # noqa: F811
    def scenario():
        with _page(live_server) as (page, violations):
            page.goto("/login/")
            page.evaluate("""() => { const s = document.createElement('script');
                                     s.textContent = 'window.__pwned = 1'; document.body.appendChild(s); }""")
            assert page.evaluate("window.__pwned") is None
            assert any("Content Security Policy" in v for v in violations)

    _in_thread(scenario)
