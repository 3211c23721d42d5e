"""Reliable delivery of outbound messages (推送12345平台) to the configured endpoint.

A workflow action stores an ``OutboundMessage`` in its own transaction; after the commit
delivery is triggered without the action waiting for the network.  ``deliver_pending``
claims the due messages, POSTs each payload as JSON with an ``Idempotency-Key`` header
(the message's key: a receiver that acknowledges deduplicates re-sent messages), and
records the outcome: 已发送 on 2xx; otherwise 失败 with the next attempt after an
exponential back-off, and no further automatic attempt after ``OUTBOUND_MAX_ATTEMPTS``
(an administrator may 重新发送).  A timeout counts as a failed attempt.

Claiming is a lease: the message's ``attempts`` goes up by one and ``next_attempt_at``
moves past the request timeout, in a short transaction guarded by the values read
(compare-and-set), so two workers never send one message at the same time; PostgreSQL
also reads the candidates ``FOR UPDATE SKIP LOCKED`` so workers do not queue on each
other.  A worker that dies mid-send leaves the lease to expire: the message is sent
again, never lost.  The same ``deliver_pending`` runs as a Celery task on Redis when
``REDIS_URL`` is set, in a worker thread of each app process otherwise, and from
``flask portal deliver-outbound``.
"""
import datetime as dt
import logging
import threading
from collections import namedtuple

import requests
from flask import current_app, has_app_context
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app.audit import record
from app.extensions import db
from app.jobs import use_celery
from app.models.base import CITY_TZ, now
from app.models.ticket import OutboundMessage

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "待发送", "已发送", "失败"
STATUSES = (PENDING, SENT, FAILED)
BATCH = 20
LEASE_MARGIN_SECONDS = 30          # beyond the request timeout, before another worker may retry
MAX_BACKOFF_SECONDS = 6 * 3600
ERROR_CHARS = 1000
_table = OutboundMessage.__table__
_c = _table.c
# a leased message: ``attempts`` counts this attempt and guards the outcome's UPDATE
Claim = namedtuple("Claim", "id target payload idempotency_key attempts")


def clock():
    """The city's wall-clock time with microseconds (back-off in tests is far below a second)."""
    return dt.datetime.now(CITY_TZ).replace(tzinfo=None)


def backoff_seconds(attempts):
    """Wait after the ``attempts``-th failed attempt: base, 2×base, 4×base … (capped)."""
    base = current_app.config["OUTBOUND_BACKOFF_SECONDS"]
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def _endpoint(target):
    return current_app.config.get("OUTBOUND_12345_URL") if target == "12345" else None


# --- one delivery pass -----------------------------------------------------------------------
def deliver_pending(batch_size=BATCH):
    """Send the messages due now, batch by batch; returns ``{"sent": n, "failed": m}`` (attempts).

    A message whose back-off ends before the pass does is tried again in the same pass.
    """
    outcome = {"sent": 0, "failed": 0}
    if not _endpoint("12345"):
        return outcome              # nowhere to send: the messages wait, untouched
    with requests.Session() as http:
        while True:
            claimed = claim_due(batch_size)
            if not claimed:
                return outcome
            for message in claimed:
                error = _post(http, message)
                _finish(message, error)
                outcome["failed" if error else "sent"] += 1


def _due(at):
    return (_c.status.in_((PENDING, FAILED))) & (_c.next_attempt_at <= at)


def claim_due(limit=BATCH):
    """Lease up to ``limit`` due messages to this worker; returns their rows (after the claim)."""
    at = clock()
    lease = at + dt.timedelta(seconds=current_app.config["OUTBOUND_TIMEOUT_SECONDS"] + LEASE_MARGIN_SECONDS)
    claimed = []
    with db.engine.begin() as conn:
        # SKIP LOCKED: rows another worker is claiming right now are passed over, not waited
        # for (SQLite ignores FOR UPDATE; its single writer and the guarded UPDATE suffice)
        rows = conn.execute(select(_c.id, _c.target, _c.payload, _c.idempotency_key, _c.attempts)
                            .where(_due(at)).order_by(_c.next_attempt_at, _c.id).limit(limit)
                            .with_for_update(skip_locked=True)).all()
        for row in rows:
            taken = conn.execute(update(_table).where(_c.id == row.id, _c.attempts == row.attempts, _due(at))
                                 .values(attempts=row.attempts + 1, next_attempt_at=lease))
            if taken.rowcount == 1:
                claimed.append(Claim(row.id, row.target, row.payload, row.idempotency_key, row.attempts + 1))
    return claimed


def _post(http, message):
    """POST one message; None when the receiver acknowledged it (2xx), else the error text."""
    timeout = current_app.config["OUTBOUND_TIMEOUT_SECONDS"]
    try:
        resp = http.post(_endpoint(message.target), data=message.payload.encode("utf-8"), timeout=timeout,
                         headers={"Content-Type": "application/json; charset=utf-8",
                                  "Idempotency-Key": message.idempotency_key})
    except requests.Timeout:
        return f"请求超时（{timeout:g} 秒）"
    except requests.RequestException as exc:
        return f"连接失败：{exc.__class__.__name__}"
    if 200 <= resp.status_code < 300:
        return None
    return f"对方返回 HTTP {resp.status_code}：{resp.text[:200]}"


def _finish(message, error):
    """Store the outcome of the attempt — unless the claim was taken back meanwhile (重新发送)."""
    if error is None:
        values = {"status": SENT, "sent_at": now(), "next_attempt_at": None}
    else:
        log.warning("outbound message %s attempt %s failed: %s", message.id, message.attempts, error)
        retry = message.attempts < current_app.config["OUTBOUND_MAX_ATTEMPTS"]
        values = {"status": FAILED, "last_error": error[:ERROR_CHARS],
                  "next_attempt_at": clock() + dt.timedelta(seconds=backoff_seconds(message.attempts))
                  if retry else None}
    with db.engine.begin() as conn:
        conn.execute(update(_table).where(_c.id == message.id, _c.attempts == message.attempts).values(**values))


def seconds_until_due():
    """Seconds until the next message is due (0 when one is due now), or None when none waits."""
    at = db.session.scalar(select(func.min(_c.next_attempt_at)).where(_c.status.in_((PENDING, FAILED))))
    db.session.rollback()          # end the read: a worker thread must not hold a snapshot
    return None if at is None else max((at - clock()).total_seconds(), 0.0)


# --- administrators: 重新发送 ------------------------------------------------------------------
def resend(messages, user=None):
    """Put failed messages back in the queue with fresh attempts; returns how many were reset.

    Messages in another status are left as they are.  Logged in the operation log.
    """
    reset = [m for m in messages if m.status == FAILED]
    for message in reset:
        message.status, message.attempts, message.next_attempt_at = PENDING, 0, now()
        record("outbound", "重新发送", target=f"outbound_message#{message.id}", user=user,
               detail={"ticket_id": message.ticket_id, "idempotency_key": message.idempotency_key})
    db.session.commit()
    if reset:
        trigger_delivery()
    return len(reset)


# --- triggering ------------------------------------------------------------------------------
def trigger_delivery():
    """Start delivery now without waiting for it: a Celery task on Redis, else wake the worker thread."""
    if not _endpoint("12345"):
        return
    if use_celery():
        from app.jobs.celery_app import deliver_outbound_task

        try:
            deliver_outbound_task.delay()
        except Exception:      # the beat schedule delivers it later; the action has committed
            log.exception("could not queue outbound delivery")
    elif current_app.config.get("OUTBOUND_IN_PROCESS"):
        worker(current_app._get_current_object()).wake()


class DeliveryWorker:
    """The in-process worker of one app: delivers when woken, and at least every poll interval
    (and when the earliest back-off ends), so retries happen without a new trigger."""

    def __init__(self, app):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread = None

    def wake(self):
        with self._lock:
            if self.thread is None or not self.thread.is_alive():
                self._stop.clear()
                self.thread = threading.Thread(target=self._run, daemon=True, name="outbound-delivery")
                self.thread.start()
        self._wake.set()

    def stop(self, timeout=5):
        self._stop.set()
        self._wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self):
        poll = self.app.config["OUTBOUND_POLL_SECONDS"]
        while not self._stop.is_set():
            self._wake.clear()
            wait = poll
            with self.app.app_context():
                try:
                    deliver_pending()
                    due = seconds_until_due()
                    wait = poll if due is None else min(max(due, 0.01), poll)
                except Exception:        # keep the worker alive; the next round retries
                    log.exception("outbound delivery round failed")
                finally:
                    db.session.remove()
            self._wake.wait(wait)


def worker(app):
    """The app's in-process delivery worker (created on first use)."""
    return app.extensions.setdefault("outbound_worker", DeliveryWorker(app))


def init_app(app):
    """Start the worker thread with the first request (messages left from before a restart and
    retries are delivered without a new push) and trigger delivery after commits."""
    _listen_for_new_messages()

    @app.before_request
    def _start_worker_once():
        if "outbound_worker" not in app.extensions and app.config.get("OUTBOUND_IN_PROCESS") \
                and _endpoint("12345") and not use_celery():
            worker(app).wake()


# A message is handed to delivery only after its transaction commits: before that the
# worker could not see it, and a rolled-back action must send nothing.
_FLAG = "outbound_new_message"


def _note_new_message(session, flush_context):
    if any(isinstance(obj, OutboundMessage) for obj in session.new):
        session.info[_FLAG] = True


def _after_commit(session):
    if session.info.pop(_FLAG, False) and has_app_context():
        try:
            trigger_delivery()
        except Exception:      # never fail the committed action because delivery could not start
            log.exception("could not trigger outbound delivery")


def _after_rollback(session):
    session.info.pop(_FLAG, None)


def _listen_for_new_messages():
    for name, fn in (("after_flush", _note_new_message), ("after_commit", _after_commit),
                     ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
