"""推送12345平台: messages stored by the escalate action reach a real HTTP receiver through
failures and timeouts, none lost and none sent again once acknowledged; two delivery loops
never send one message twice; failed messages are re-sent from 推送记录 (administrators only)."""
import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.integration import outbound
from app.integration.outbound import FAILED, PENDING, SENT, deliver_pending
from app.models.audit import OperationLog
from app.models.ticket import OutboundMessage
from tests.conftest import login_page
from tests.workflow.helpers import report_body

PAGE = "/outboundmessageview"


class Receiver:
    """A stand-in for 12345: answers 500 or stalls past the client's timeout at random (fixed
    seed), deduplicates by ``Idempotency-Key``, and records every request."""

    def __init__(self, fail_rate=0.0, stall_rate=0.0, stall_seconds=0.0, delay=0.0, seed=12345):
        self.fail_rate, self.stall_rate, self.stall_seconds, self.delay = fail_rate, stall_rate, stall_seconds, delay
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.receipts = Counter()          # key → requests received
        self.accepted = Counter()          # key → times stored as a new order (must stay ≤ 1)
        self.bodies = {}
        self.acknowledged = set()          # keys whose 200 reached the client in time
        self.after_ack = Counter()         # key → requests that came after an acknowledged 200
        self.in_flight = Counter()
        self.overlaps = 0                  # the same key being sent twice at the same moment
        self.missing_key = 0
        self.stalled = set()               # keys stored whose answer came after the client's timeout
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                receiver.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orders"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, req):
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        key = req.headers.get("Idempotency-Key")
        if not key or not req.headers.get("Content-Type", "").startswith("application/json"):
            with self.lock:
                self.missing_key += 1
            return self._answer(req, 400)
        with self.lock:
            self.receipts[key] += 1
            if key in self.acknowledged:
                self.after_ack[key] += 1
            self.in_flight[key] += 1
            if self.in_flight[key] > 1:
                self.overlaps += 1
            draw = self.rng.random()
        try:
            time.sleep(self.delay)
            if draw < self.fail_rate:
                return self._answer(req, 500)
            self._accept(key, body)
            if draw < self.fail_rate + self.stall_rate:
                with self.lock:
                    self.stalled.add(key)
                time.sleep(self.stall_seconds)      # stored, but the answer comes too late
                return self._answer(req, 200)
            with self.lock:
                self.acknowledged.add(key)
            return self._answer(req, 200)
        finally:
            with self.lock:
                self.in_flight[key] -= 1

    def _accept(self, key, body):
        with self.lock:
            if key not in self.bodies:              # deduplicated by the idempotency key
                self.accepted[key] += 1
                self.bodies[key] = json.loads(body.decode("utf-8"))

    @staticmethod
    def _answer(req, status):
        try:
            req.send_response(status)
            req.send_header("Content-Length", "2")
            req.end_headers()
            req.wfile.write(b"{}")
        except OSError:
            pass                                    # the client gave up waiting

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def park_earlier_messages(app):
    """Messages other tests left waiting are taken out of the queue, so each test sees its own."""
    with app.app_context():
        db.session.execute(OutboundMessage.__table__.update().where(OutboundMessage.next_attempt_at.isnot(None))
                           .values(status=FAILED, next_attempt_at=None))
        db.session.commit()


@pytest.fixture()
def endpoint(app, monkeypatch):
    """``endpoint(receiver)`` points the app's 12345 URL at the receiver for this test."""
    return lambda receiver: monkeypatch.setitem(app.config, "OUTBOUND_12345_URL", receiver.url)


def push_tickets(api, app, n):
    """``n`` patrol reports pushed to 12345 through the API; returns their idempotency keys."""
    member = api("cs471_member")
    keys = []
    for _ in range(n):
        with app.app_context():
            body = report_body()
        resp = member.post("/api/v1/tickets/", json=body)
        assert resp.status_code == 201, resp.get_data(as_text=True)
        tid = resp.json["id"]
        resp = member.post(f"/api/v1/tickets/{tid}/escalate", json={"target": "12345", "reason": "属于热线受理范围"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.json["status_words"]["数据状态"] == "已推送12345"
        keys.append(f"ticket-{tid}-12345")
    return keys


def messages(app, keys):
    with app.app_context():
        rows = db.session.scalars(select(OutboundMessage).where(OutboundMessage.idempotency_key.in_(keys))).all()
        db.session.expunge_all()
        return {m.idempotency_key: m for m in rows}


def settled(app, keys):
    """Every message sent, or failed with no automatic attempt left."""
    return all(m.status == SENT or (m.status == FAILED and m.next_attempt_at is None)
               for m in messages(app, keys).values())


def deliver_until_settled(app, keys, seconds=30):
    deadline = time.monotonic() + seconds
    while not settled(app, keys):
        assert time.monotonic() < deadline, "delivery did not settle"
        with app.app_context():
            deliver_pending()
            db.session.remove()
        time.sleep(0.02)


def test_every_message_is_delivered_once_through_failures_and_timeouts(app, api, endpoint, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_MAX_ATTEMPTS", 25)
    with Receiver(fail_rate=0.3, stall_rate=0.15, stall_seconds=0.5, seed=7) as receiver:
        endpoint(receiver)
        keys = push_tickets(api, app, 12)
        assert {m.status for m in messages(app, keys).values()} == {PENDING}   # stored before sending
        deliver_until_settled(app, keys)
        rows = messages(app, keys)
        assert {m.status for m in rows.values()} == {SENT}                      # none lost
        assert all(rows[k].sent_at is not None and rows[k].next_attempt_at is None for k in keys)
        assert set(keys) <= set(receiver.accepted)
        assert all(receiver.accepted[k] == 1 for k in keys)                     # stored once each
        # (a stalled request may still be in the receiver when its retry arrives: not an overlap to count)
        assert not receiver.after_ack and not receiver.missing_key
        for k in keys:
            assert rows[k].attempts == receiver.receipts[k]                      # every attempt counted
            assert receiver.bodies[k] == json.loads(rows[k].payload)
        # the seed makes the receiver misbehave: retries and timeouts really happened
        assert sum(receiver.receipts[k] for k in keys) > len(keys)
        assert any("HTTP 500" in (m.last_error or "") for m in rows.values())
        stalled = receiver.stalled & set(keys)
        assert stalled and all(receiver.receipts[k] >= 2 for k in stalled)     # timed out, sent again, deduplicated


def test_failed_message_is_resent_from_the_admin_page(app, api, endpoint):
    with Receiver(fail_rate=1.0) as receiver:
        endpoint(receiver)
        [key] = push_tickets(api, app, 1)
        deliver_until_settled(app, [key])
        msg = messages(app, [key])[key]
        assert msg.status == FAILED and msg.next_attempt_at is None
        assert msg.attempts == app.config["OUTBOUND_MAX_ATTEMPTS"] == receiver.receipts[key]
        assert "HTTP 500" in msg.last_error
        with app.app_context():
            assert deliver_pending() == {"sent": 0, "failed": 0}     # given up: no further automatic try

        receiver.fail_rate = 0.0
        admin = app.test_client()
        login_page(admin, "admin")
        html = admin.get(f"{PAGE}/list/?_flt_0_status={FAILED}").get_data(as_text=True)
        assert f'href="/work/ticket/{msg.ticket_id}"' in html and "HTTP 500" in html
        assert admin.get(f"{PAGE}/action/resend/{msg.id}").status_code == 405      # never by GET
        resp = admin.post(f"{PAGE}/action_post", data={"action": "resend", "rowid": [str(msg.id)]},
                          follow_redirects=True)
        assert resp.status_code == 200 and "已重新发送 1 条消息" in resp.get_data(as_text=True)
        again = messages(app, [key])[key]
        assert again.status == PENDING and again.attempts == 0 and again.next_attempt_at is not None
        with app.app_context():
            log = db.session.scalar(select(OperationLog).where(OperationLog.action == "重新发送",
                                                               OperationLog.target == f"outbound_message#{msg.id}"))
            assert log is not None and log.username == "admin"
        deliver_until_settled(app, [key])
        sent = messages(app, [key])[key]
        assert sent.status == SENT and sent.attempts == 1
        assert receiver.accepted[key] == 1

        # a message that is not 失败 is left alone
        resp = admin.post(f"{PAGE}/action_post", data={"action": "resend", "rowid": [str(msg.id)]},
                          follow_redirects=True)
        assert "只有状态为“失败”的消息可以重新发送" in resp.get_data(as_text=True)
        assert messages(app, [key])[key].status == SENT


def test_resend_needs_the_csrf_token(app, api, monkeypatch):
    [key] = push_tickets(api, app, 1)            # no endpoint configured: stays 待发送
    msg = messages(app, [key])[key]
    assert msg.status == PENDING and msg.attempts == 0
    with app.app_context():
        db.session.execute(OutboundMessage.__table__.update().where(OutboundMessage.id == msg.id)
                           .values(status=FAILED, next_attempt_at=None))
        db.session.commit()
    admin = app.test_client()
    login_page(admin, "admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resp = admin.post(f"{PAGE}/action_post", data={"action": "resend", "rowid": [str(msg.id)]})
    assert resp.status_code == 400
    assert messages(app, [key])[key].status == FAILED


def test_two_delivery_loops_in_parallel_never_send_a_message_twice(app, api, endpoint):
    with Receiver(delay=0.02) as receiver:
        endpoint(receiver)
        keys = push_tickets(api, app, 16)
        errors, start = [], threading.Barrier(2)

        def loop():
            try:
                with app.app_context():
                    deadline = time.monotonic() + 30
                    start.wait()                   # both reach for the same due messages at once
                    while not settled(app, keys) and time.monotonic() < deadline:
                        deliver_pending(batch_size=4)
                        db.session.remove()
            except Exception as exc:       # reported below: a thread's assert would be lost
                errors.append(exc)

        threads = [threading.Thread(target=loop) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        rows = messages(app, keys)
        assert {m.status for m in rows.values()} == {SENT}
        assert all(receiver.receipts[k] == 1 and rows[k].attempts == 1 for k in keys)
        assert not receiver.overlaps


def test_claims_are_exclusive(app, api):
    """Two claims in a row (as two workers would) never lease the same message."""
    keys = push_tickets(api, app, 3)
    with app.app_context():
        ids = {m.id for m in messages(app, keys).values()}
        first = {c.id for c in outbound.claim_due(limit=100)}
        second = {c.id for c in outbound.claim_due(limit=100)}
        assert ids <= first and not (ids & second)
        # leave them as they were: due now and unattempted
        db.session.execute(OutboundMessage.__table__.update().where(OutboundMessage.id.in_(ids))
                           .values(attempts=0, next_attempt_at=outbound.now()))
        db.session.commit()


def test_the_action_does_not_wait_and_the_worker_thread_delivers_after_commit(app, api, endpoint, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_IN_PROCESS", True)
    monkeypatch.setitem(app.config, "OUTBOUND_TIMEOUT_SECONDS", 5)
    with Receiver(delay=1.0) as receiver:
        endpoint(receiver)
        started = time.monotonic()
        [key] = push_tickets(api, app, 1)
        assert time.monotonic() - started < 1.0           # the receiver's second is not the action's
        assert messages(app, [key])[key].status == PENDING
        deadline = time.monotonic() + 10
        while messages(app, [key])[key].status != SENT:
            assert time.monotonic() < deadline, "the worker did not deliver"
            time.sleep(0.05)
        assert receiver.accepted[key] == 1
    outbound.worker(app).stop()
    app.extensions.pop("outbound_worker")


def test_celery_path_delivers_with_the_same_code(app, api, endpoint, monkeypatch):
    from app.jobs.celery_app import celery

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    celery.conf.task_always_eager = True
    try:
        with Receiver() as receiver:
            endpoint(receiver)
            [key] = push_tickets(api, app, 1)          # the task runs (eagerly) after the commit
            assert messages(app, [key])[key].status == SENT
            assert receiver.accepted[key] == 1
    finally:
        celery.conf.task_always_eager = False
    assert "deliver-outbound" in celery.conf.beat_schedule


def test_cli_command_delivers(app, api, endpoint):
    runner = app.test_cli_runner()
    assert "未配置" in runner.invoke(args=["portal", "deliver-outbound"]).output
    with Receiver() as receiver:
        endpoint(receiver)
        [key] = push_tickets(api, app, 1)
        result = runner.invoke(args=["portal", "deliver-outbound"])
        assert result.exit_code == 0 and "已发送" in result.output
        assert messages(app, [key])[key].status == SENT and receiver.accepted[key] == 1


def test_nothing_is_attempted_without_an_endpoint(app, api):
    [key] = push_tickets(api, app, 1)
    with app.app_context():
        assert deliver_pending() == {"sent": 0, "failed": 0}
    msg = messages(app, [key])[key]
    assert msg.status == PENDING and msg.attempts == 0


def test_backoff_grows_exponentially(app):
    with app.app_context():
        base = app.config["OUTBOUND_BACKOFF_SECONDS"]
        assert [outbound.backoff_seconds(n) for n in (1, 2, 3, 4)] == [base, 2 * base, 4 * base, 8 * base]
        assert outbound.backoff_seconds(100) == outbound.MAX_BACKOFF_SECONDS


@pytest.mark.parametrize("username", ["city_handler", "weidu_handler", "cs471_member", "jindi_head"])
def test_only_administrators_see_the_page(app, username):
    client = app.test_client()
    login_page(client, username)
    assert client.get(f"{PAGE}/list/").status_code == 403
    assert client.post(f"{PAGE}/action_post", data={"action": "resend", "rowid": ["1"]}).status_code == 403


def test_admin_lists_and_searches_by_status(app, api):
    [key] = push_tickets(api, app, 1)
    msg = messages(app, [key])[key]
    admin = app.test_client()
    login_page(admin, "admin")
    resp = admin.get(f"{PAGE}/list/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for label in ("推送记录", "状态", "发送次数", "最近错误", "下次重试时间", f'href="/work/ticket/{msg.ticket_id}"'):
        assert label in html, label
    assert f'href="/work/ticket/{msg.ticket_id}"' in admin.get(
        f"{PAGE}/list/?_flt_0_status={PENDING}").get_data(as_text=True)
    assert f'href="/work/ticket/{msg.ticket_id}"' not in admin.get(
        f"{PAGE}/list/?_flt_0_status={SENT}").get_data(as_text=True)
    show = admin.get(f"{PAGE}/show/{msg.id}").get_data(as_text=True)
    assert key in show and "推送内容" in show
    assert admin.get(f"{PAGE}/show/99999999").status_code in (302, 404)
    assert "推送记录" in admin.get("/").get_data(as_text=True)                   # in the 系统管理 menu
    anonymous = app.test_client().get(f"{PAGE}/list/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
