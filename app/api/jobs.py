"""``/api/v1/jobs/<id>``: status and result of one's own background job."""
import os

from flask import send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.views.jobs import find_own_job, job_status


class JobApi(BaseApi):
    """Poll a background job and download its result file."""

    resource_name = "jobs"
    allow_browser_login = True
    class_permission_name = "BackgroundJob"
    method_permission_name = {"status": "list", "download": "list"}

    @expose("/<int:job_id>", methods=["GET"])
    @protect()
    @safe
    def status(self, job_id):
        """Status and progress of a job
        ---
        get:
          parameters:
          - in: path
            name: job_id
            schema:
              type: integer
          responses:
            200:
              description: the job
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        job = find_own_job(job_id)
        if job is None:
            return self.response_404()
        body = job_status(job)
        if body["download"]:
            body["download"] = f"/api/v1/jobs/{job_id}/download"
        return self.response(200, **body)

    @expose("/<int:job_id>/download", methods=["GET"])
    @protect()
    @safe
    def download(self, job_id):
        """The job's result file
        ---
        get:
          parameters:
          - in: path
            name: job_id
            schema:
              type: integer
          responses:
            200:
              description: the file
            404:
              $ref: '#/components/responses/404'
        """
        job = find_own_job(job_id)
        if job is None or not job.result_path or not os.path.exists(job.result_path):
            return self.response_404()
        return send_file(job.result_path, as_attachment=True, download_name=job.result_name or "结果.xlsx")
