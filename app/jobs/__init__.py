"""Background jobs: one code path, run by Celery on Redis when ``REDIS_URL`` is set and by
a worker thread otherwise.

A job is a row of ``background_job`` plus a handler registered by name; the handler gets
the job and a ``progress(done, total)`` callback, and returns ``(message, result dict,
result file, result file name, error file)``.
"""
import json
import logging
import threading
import traceback

from flask import current_app

from app.extensions import db
from app.models.base import now
from app.models.job import DONE, FAILED, RUNNING, BackgroundJob

log = logging.getLogger(__name__)
HANDLERS = {}


def job_handler(kind):
    """Register ``fn(job, params, progress)`` as the handler of job ``kind``."""
    def register(fn):
        HANDLERS[kind] = fn
        return fn
    return register


def use_celery():
    """True when work goes to Celery on Redis, False for the in-process path."""
    return bool(current_app.config.get("REDIS_URL")) and not current_app.config.get("JOBS_IN_THREAD")


def submit(kind, title, params, user):
    """Store a job and dispatch it; returns the job row."""
    job = BackgroundJob(kind=kind, title=title, params=json.dumps(params, ensure_ascii=False, default=str),
                        user_id=user.id)
    db.session.add(job)
    db.session.commit()
    if use_celery():
        from app.jobs.celery_app import run_job_task

        run_job_task.delay(job.id)
    else:
        app = current_app._get_current_object()
        thread = threading.Thread(target=_run_in_app, args=(app, job.id), daemon=True,
                                  name=f"job-{job.id}")
        thread.start()
        if app.config.get("JOBS_WAIT"):          # tests: deterministic completion
            thread.join()
    return job


def _run_in_app(app, job_id):
    with app.app_context():
        run_job(job_id)
        db.session.remove()


def run_job(job_id):
    """Run one job to its end; failures are stored on the job, never raised."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.status in (DONE, FAILED):
        return
    job.status = RUNNING
    db.session.commit()
    user_id, kind, params = job.user_id, job.kind, json.loads(job.params or "{}")

    def progress(done, total=None):
        # its own short transaction: the job's own work may be one long transaction
        values = {"progress": int(done)}
        if total is not None:
            values["total"] = int(total)
        with db.engine.begin() as conn:
            conn.execute(BackgroundJob.__table__.update().where(BackgroundJob.id == job_id).values(**values))

    try:
        outcome = HANDLERS[kind](user_id, params, progress)
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.finished_at = DONE, now()
        job.message = outcome.get("message")
        job.result = json.dumps(outcome.get("result") or {}, ensure_ascii=False, default=str)
        job.result_path, job.result_name = outcome.get("file"), outcome.get("file_name")
        job.error_path = outcome.get("error_file")
        job.progress = max(job.progress, job.total)
        db.session.commit()
    except Exception as exc:   # the job records the failure; the worker lives on
        db.session.rollback()
        log.error("job %s failed: %s", job_id, traceback.format_exc())
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.finished_at = FAILED, now()
        job.message = getattr(exc, "message", None) or "任务执行失败，请稍后重试或联系管理员"
        db.session.commit()
