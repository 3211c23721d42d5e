"""Celery on Redis for background jobs: ``celery -A app.jobs.celery_app worker``."""
import os

from celery import Celery

celery = Celery("portal", broker=os.environ.get("REDIS_URL"), backend=None)
celery.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_ignore_result=True,
                   broker_connection_retry_on_startup=True)
_flask_app = None


def _app():
    global _flask_app
    if _flask_app is None:
        from app import create_app

        _flask_app = create_app()
    return _flask_app


def _in_app(fn, *args):
    """Run ``fn`` inside the Flask app (the caller's when eager in tests, else the worker's own)."""
    from flask import has_app_context

    from app.extensions import db

    if has_app_context():          # eager mode inside the app (tests)
        return fn(*args)
    with _app().app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()


@celery.task(name="portal.run_job")
def run_job_task(job_id):
    """Run a stored job inside the Flask app."""
    from app.jobs import run_job

    return _in_app(run_job, job_id)


@celery.task(name="portal.deliver_outbound")
def deliver_outbound_task():
    """Deliver the due outbound messages (12345); also run every OUTBOUND_POLL_SECONDS by beat."""
    from app.integration.outbound import deliver_pending

    return _in_app(deliver_pending)


# ``celery -A app.jobs.celery_app beat`` (or ``worker -B``) retries deliveries whose back-off is due
celery.conf.beat_schedule = {
    "deliver-outbound": {"task": "portal.deliver_outbound",
                         "schedule": float(os.environ.get("OUTBOUND_POLL_SECONDS", "60"))},
}


@celery.task(name="portal.flag_overdue")
def flag_overdue_task():
    """超期催办: flag the periods and tasks that became overdue (same as ``flask portal flag-overdue``)."""
    from app.services.deadlines import flag_overdue

    return _in_app(flag_overdue)


@celery.task(name="portal.refresh_charts")
def refresh_charts_task():
    """首页 charts of every county and city territory into the shared cache, every CHART_CACHE_SECONDS."""
    from app.views.home import refresh_charts

    return _in_app(refresh_charts)


if os.environ.get("REDIS_URL"):
    # deadlines are columns checked by this scheduled job, never in-process timers
    celery.conf.beat_schedule["flag-overdue"] = {
        "task": "portal.flag_overdue", "schedule": float(os.environ.get("OVERDUE_CHECK_SECONDS", "600"))}
    # the charts scan whole territories: computed here on schedule, so pages only read the cache;
    # a run not started within one period is dropped (the next one brings fresher figures)
    _charts_every = float(os.environ.get("CHART_CACHE_SECONDS", "60"))
    celery.conf.beat_schedule["refresh-charts"] = {
        "task": "portal.refresh_charts", "schedule": _charts_every, "options": {"expires": _charts_every}}
