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


@celery.task(name="portal.run_job")
def run_job_task(job_id):
    """Run a stored job inside the Flask app."""
    from flask import has_app_context

    from app.extensions import db
    from app.jobs import run_job

    if has_app_context():          # eager mode inside the app (tests)
        return run_job(job_id)
    with _app().app_context():
        run_job(job_id)
        db.session.remove()
