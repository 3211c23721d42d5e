"""Attachments: content-checked upload, reference from a ticket, download only within scope."""
import io

import pytest

from tests.workflow.helpers import report_body

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture()
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def _upload(client, name, data):
    return client.post("/api/v1/attachments/", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_reference_and_scoped_download(app, api, uploads):
    member = api("cs471_member")
    resp = _upload(member, "现场照片.png", PNG)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    att = resp.json
    assert att["name"] == "现场照片.png" and att["size"] == len(PNG)
    assert not any(p.suffix for p in (uploads / "attachments").iterdir())     # random name, no extension
    with app.app_context():
        body = report_body()
    ticket = member.post("/api/v1/tickets/", json=dict(body, attachment_ids=[att["id"]])).json
    assert [a["id"] for a in ticket["attachments"]] == [att["id"]]
    assert member.get(f"/api/v1/attachments/{att['id']}").data == PNG
    assert api("cs471_leader").get(f"/api/v1/attachments/{att['id']}").status_code == 200
    assert api("jianan_handler").get(f"/api/v1/attachments/{att['id']}").status_code == 404
    # someone else's upload cannot be attached
    other = _upload(api("jindi_handler"), "a.png", PNG).json
    resp = member.post("/api/v1/tickets/", json=dict(body, attachment_ids=[other["id"]]))
    assert resp.status_code == 400 and "attachment_ids" in resp.json["errors"]


def test_upload_refuses_bad_types_and_sizes(app, api, uploads, monkeypatch):
    member = api("cs471_member")
    assert _upload(member, "run.exe", b"MZ\x90\x00").status_code == 415
    assert _upload(member, "fake.png", b"<?php echo 1; ?>").status_code == 415
    assert _upload(member, "note.txt", "巡查记录".encode()).status_code == 201
    assert _upload(member, "doc.pdf", b"%PDF-1.7\n...").status_code == 201
    resp = member.post("/api/v1/attachments/", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.json["message"]
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    big = b"%PDF-" + b"0" * (2 * 1024 * 1024)
    assert _upload(member, "big.pdf", big).status_code == 413
