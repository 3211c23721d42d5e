"""我的任务: the user's background jobs with progress, and their result files."""
import json
import os

from flask import abort, g, jsonify, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import select

from app.extensions import db
from app.models.job import BackgroundJob


def find_own_job(job_id):
    """The job if it belongs to the current user, else None (no confirmation it exists)."""
    job = db.session.get(BackgroundJob, job_id) if job_id < 2 ** 31 else None
    return job if job is not None and job.user_id == g.user.id else None


def own_job(job_id):
    job = find_own_job(job_id)
    if job is None:
        abort(404)
    return job


def job_status(job):
    return {"id": job.id, "title": job.title, "status": job.status, "progress": job.progress,
            "total": job.total, "percent": job.percent, "message": job.message,
            "result": json.loads(job.result) if job.result else None,
            "download": f"/jobs/{job.id}/download" if job.result_path else None,
            "error_report": f"/jobs/{job.id}/errors" if job.error_path else None}


class JobView(BaseView):
    """List, poll and download the current user's background jobs."""

    route_base = "/jobs"
    default_view = "index"
    class_permission_name = "BackgroundJob"
    method_permission_name = {"index": "list", "status": "list", "download": "list", "errors": "list"}

    @expose("/")
    @has_access
    def index(self):
        jobs = db.session.scalars(select(BackgroundJob).where(BackgroundJob.user_id == g.user.id)
                                  .order_by(BackgroundJob.id.desc()).limit(50)).all()
        return self.render_template("jobs/list.html", jobs=jobs, title="我的任务")

    @expose("/<int:job_id>/status")
    @has_access
    def status(self, job_id):
        return jsonify(job_status(own_job(job_id)))

    @expose("/<int:job_id>/download")
    @has_access
    def download(self, job_id):
        job = own_job(job_id)
        if not job.result_path or not os.path.exists(job.result_path):
            abort(404)
        return send_file(job.result_path, as_attachment=True, download_name=job.result_name or "结果.xlsx")

    @expose("/<int:job_id>/errors")
    @has_access
    def errors(self, job_id):
        job = own_job(job_id)
        if not job.error_path or not os.path.exists(job.error_path):
            abort(404)
        return send_file(job.error_path, as_attachment=True, download_name=f"{job.title}-错误报告.xlsx")
