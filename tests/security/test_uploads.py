"""Upload size limits from configuration: every upload path answers 413 with a Chinese message
and stores nothing — attachments (API and the report/feedback pages), registry imports (page
and API) and imports handed to a background job."""
import io
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.job import BackgroundJob as Job
from app.models.party import PartyOrg
from app.models.ticket import Attachment, Ticket
from tests.conftest import login_page
from tests.registries.helpers import workbook_bytes

MB = 1024 * 1024
IMPORT_PAGE = "/partyorgregistryview/import/"
IMPORT_API = "/api/v1/party_orgs/import"


@contextmanager
def configured(app, **values):
    old = {k: app.config.get(k) for k in values}
    app.config.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value


def _count(app, model):
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return n


def _big_png(size):
    return b"\x89PNG\r\n\x1a\n" + b"\0" * (size - 8)


def _xlsx(rows=3):
    return workbook_bytes(["组织名称", "组织编码"], [[f"上传测试{i}", f"UPL{i}"] for i in range(rows)])


def _padded_xlsx(size):
    """A real workbook padded (in an ignored zip comment) to ``size`` bytes."""
    data = bytearray(_xlsx())
    pad = size - len(data)
    assert 0 < pad < 65535
    data[-2:] = pad.to_bytes(2, "little")        # end-of-central-directory comment length
    return bytes(data) + b" " * pad


def _page_client(app, username):
    client = app.test_client()
    login_page(client, username)
    return client


@pytest.mark.parametrize("setting, size, words", [
    ({"MAX_CONTENT_LENGTH": 1 * MB}, MB + 4096, "不能超过1MB"),          # the whole request body
    ({"ATTACHMENT_MAX_BYTES": 1 * MB}, MB + 10, "文件大小不能超过1MB"),   # the attachment's own limit
])
def test_attachment_api_above_the_limit(app, api, setting, size, words):
    member = api("cs471_member")
    before = _count(app, Attachment)
    with configured(app, **setting):
        resp = member.post("/api/v1/attachments/", data={"file": (io.BytesIO(_big_png(size)), "a.png")},
                           content_type="multipart/form-data")
    assert resp.status_code == 413 and words in resp.json["message"]
    assert _count(app, Attachment) == before


def _report_form(name, data):
    from app.models.dictionary import EventCategory

    category = db.session.scalar(select(EventCategory.id).where(EventCategory.level == 3).limit(1))
    return {"title": name, "category_id": str(category), "urgency": "一般", "address": "测试地址",
            "description": "测试", "party_name": "张三", "party_phone": "13800000000",
            "attachments": (io.BytesIO(data), "photo.png")}


@pytest.mark.parametrize("setting", [{"MAX_CONTENT_LENGTH": 1 * MB}, {"ATTACHMENT_MAX_BYTES": 1 * MB}])
def test_report_page_with_a_too_large_attachment(app, setting):
    client = _page_client(app, "cs471_member")
    before = (_count(app, Attachment), _count(app, Ticket))
    with app.app_context():
        form = _report_form("超大附件上报", _big_png(MB + 4096))
    with configured(app, **setting):
        resp = client.post("/work/report", data=form, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413 and "不能超过1MB" in html and "Request Entity Too Large" not in html
    assert (_count(app, Attachment), _count(app, Ticket)) == before


@pytest.mark.parametrize("url", [IMPORT_PAGE, IMPORT_API])
def test_registry_import_body_above_the_limit(app, api, url):
    caller = api("city_handler") if url.startswith("/api/") else _page_client(app, "city_handler")
    before = _count(app, PartyOrg)
    with configured(app, MAX_CONTENT_LENGTH=1 * MB):
        resp = caller.post(url, data={"file": (io.BytesIO(b"PK" + b"\0" * (MB + 100)), "big.xlsx")},
                           content_type="multipart/form-data")
    assert resp.status_code == 413 and "不能超过1MB" in resp.json["message"], resp.get_data(as_text=True)[:300]
    assert _count(app, PartyOrg) == before


@pytest.mark.parametrize("url", [IMPORT_PAGE, IMPORT_API])
def test_registry_import_file_above_the_import_limit(app, api, url):
    caller = api("city_handler") if url.startswith("/api/") else _page_client(app, "city_handler")
    before = _count(app, PartyOrg)
    data = _padded_xlsx(30_000)
    with configured(app, IMPORT_LIMITS={"max_bytes": 20_000}):
        resp = caller.post(url, data={"file": (io.BytesIO(data), "big.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 413 and "文件大小超过上限" in resp.json["message"]
    assert _count(app, PartyOrg) == before


@pytest.mark.parametrize("url", [IMPORT_PAGE, IMPORT_API])
def test_background_import_is_refused_before_a_job_starts(app, api, url):
    caller = api("city_handler") if url.startswith("/api/") else _page_client(app, "city_handler")
    before = (_count(app, PartyOrg), _count(app, Job))
    data = _padded_xlsx(30_000)
    # above the background threshold (a job would take it) and above the configured import limit
    with configured(app, BACKGROUND_IMPORT_BYTES=10_000, IMPORT_LIMITS={"max_bytes": 20_000}):
        resp = caller.post(url, data={"file": (io.BytesIO(data), "big.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 413 and "文件大小超过上限" in resp.json["message"]
    assert (_count(app, PartyOrg), _count(app, Job)) == before
