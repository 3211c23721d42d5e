"""Long imports and exports run as background jobs with progress and downloadable results,
in a worker thread without Redis and through Celery (eager) with it — the same code."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.job import DONE, BackgroundJob
from app.models.party import PartyOrg
from tests.registries.helpers import logged_in, read_xlsx, upload, workbook_bytes

BASE = "/partyorgregistryview"
HEADER = ["*党组织编码", "*党组织名称", "*组织类型", "*组织层级", "*行政区划", "负责人电话", "*状态"]


@pytest.fixture()
def small_thresholds(app):
    keys = ("BACKGROUND_IMPORT_BYTES", "BACKGROUND_EXPORT_ROWS", "JOBS_WAIT")
    saved = {k: app.config[k] for k in keys if k in app.config}
    app.config.update(BACKGROUND_IMPORT_BYTES=1000, BACKGROUND_EXPORT_ROWS=3, JOBS_WAIT=True)
    yield
    for k in keys:
        app.config.pop(k, None)
    app.config.update(saved)


def _rows(prefix, n, bad_at=None):
    rows = []
    for i in range(n):
        kind = "外星" if i == bad_at else "社区"
        rows.append([f"{prefix}{i:04d}", f"后台支部{prefix}{i}", kind, "党支部", "金地社区", f"1390374{i:04d}", "正常"])
    return rows


def _follow(client, body):
    status = client.get(body["status_url"]).json
    assert status["status"] == DONE, status
    return status


def test_large_import_runs_in_background_with_progress_and_error_report(app, small_thresholds):
    client = logged_in(app, "weidu_handler")
    resp = upload(client, f"{BASE}/import/", workbook_bytes(HEADER, _rows("BG", 300, bad_at=7)))
    assert resp.status_code == 202 and resp.json["job_id"]
    status = _follow(client, resp.json)
    assert status["percent"] == 100 and status["total"] == 300
    assert status["result"]["inserted"] == 299 and status["result"]["failed"] == 1
    report = read_xlsx(client.get(status["error_report"]).data)
    assert report[1][0] == 9                      # row 9 of the sheet: the 8th data row
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PartyOrg).where(PartyOrg.code.like("BG%"))) == 299
    html = client.get("/jobs/").get_data(as_text=True)
    assert "导入党组织管理" in html and "已完成" in html and "下载错误报告" in html
    # another user cannot see or download it
    other = logged_in(app, "jianan_handler")
    assert other.get(status["error_report"]).status_code == 404
    assert other.get(resp.json["status_url"]).status_code == 404


def test_large_export_runs_in_background_and_is_downloaded(app, small_thresholds):
    client = logged_in(app, "city_handler")
    resp = client.get(f"{BASE}/export/?s_name=后台支部")
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    with app.app_context():
        job = db.session.scalars(select(BackgroundJob).where(BackgroundJob.kind == "registry_export")
                                 .order_by(BackgroundJob.id.desc())).first()
        job_id = job.id
    status = client.get(f"/jobs/{job_id}/status").json
    assert status["status"] == DONE and status["download"]
    rows = read_xlsx(client.get(status["download"]).data)
    assert len(rows) - 1 == status["result"]["rows"] >= 299
    assert all(str(r[1]).startswith("后台支部") for r in rows[1:])


def test_celery_path_runs_the_same_job(app, small_thresholds, monkeypatch):
    from app.jobs.celery_app import celery

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    celery.conf.task_always_eager = True
    try:
        client = logged_in(app, "weidu_handler")
        resp = upload(client, f"{BASE}/import/", workbook_bytes(HEADER, _rows("CE", 200)))
        assert resp.status_code == 202
        assert _follow(client, resp.json)["result"]["inserted"] == 200
    finally:
        celery.conf.task_always_eager = False


def test_bad_large_file_is_refused_at_once(app, small_thresholds):
    client = logged_in(app, "weidu_handler")
    resp = upload(client, f"{BASE}/import/", b"MZ" + b"\0" * 5000, filename="big.xlsx")
    assert resp.status_code == 415


def test_large_api_export_keeps_its_filter(app, small_thresholds, api):
    client = api("city_handler")
    resp = client.get(f"/api/v1/party_orgs/export?q=(filters:!((col:name,opr:ct,value:后台支部BG)))")
    assert resp.status_code == 202
    status = client.get(resp.json["status_url"]).json
    assert status["status"] == DONE
    rows = read_xlsx(client.get(status["download"]).data)
    assert len(rows) - 1 == 299 and all("后台支部BG" in str(r[1]) for r in rows[1:])
