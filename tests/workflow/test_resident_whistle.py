"""居民吹哨 (manual §二): the public form, 我的-居民吹哨记录 (pages and API), 已核实 / 已办结,
提级上报 into the grid leader's review, and the workbench tile."""
import io
import re

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models.resident import ResidentWhistle
from app.models.ticket import Application, Ticket
from tests.registries.helpers import logged_in
from app.security.scope import scope_for
from tests.workflow.helpers import leaf_id, unit, user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PHONE = "13937453068"


@pytest.fixture()
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    # every test posts from the test client's one address: a high limit of its own keeps them apart
    monkeypatch.setitem(app.config, "RESIDENT_WHISTLE_RATE_LIMIT", "1000 per hour")
    return tmp_path


def _community(app, name="金地社区"):
    with app.app_context():
        return unit(name).id


def _body(app, community="金地社区", **kw):
    body = {"community_id": str(_community(app, community)), "description": "小区内垃圾无人处理",
            "reporter_name": "小斌", "phone": PHONE, "address": "许昌市魏都区金地社区3号楼"}
    body.update(kw)
    return body


def _submit(client, body, photos=(), **kw):
    data = dict(body)
    if photos:
        data["photos"] = [(io.BytesIO(content), name) for name, content in photos]
    return client.post("/resident/whistle", data=data, content_type="multipart/form-data", **kw)


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(ResidentWhistle.id)))


def _new(app, client, community="金地社区", photos=(), description="小区内垃圾无人处理"):
    """Submit through the public form; returns the new record's id."""
    resp = _submit(client, _body(app, community, description=description), photos)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    ref = resp.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        return db.session.scalar(select(ResidentWhistle.id).where(ResidentWhistle.ref_no == ref))


# --- the public form ---------------------------------------------------------------------------
def test_public_page_needs_no_login_and_is_linked_from_login(app, client):
    page = client.get("/resident/whistle")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("所属村/社区", "详细说明", "相关照片", "反馈人", "手机号", "家庭住址", "金地社区"):
        assert label in html
    assert 'name="csrf_token"' in html
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    login = client.get("/login/").get_data(as_text=True)
    assert re.search(r'<a href="/resident/whistle">.*居民吹哨</a>', login)


def test_good_submission_shows_reference_and_stores_encrypted(app, client, uploads):
    before = _count(app)
    resp = _submit(client, _body(app), [("现场.png", PNG), ("垃圾.jpg", JPG)])
    assert resp.status_code == 302
    thanks = client.get(resp.headers["Location"])
    html = thanks.get_data(as_text=True)
    ref = re.search(r"JM\d{12}", html).group(0)
    assert "感谢" in html and ref.startswith("JM20")
    assert _count(app) == before + 1
    with app.app_context():
        whistle = db.session.scalar(select(ResidentWhistle).where(ResidentWhistle.ref_no == ref))
        assert whistle.phone == PHONE and whistle.status == "pending" and len(whistle.photos) == 2
        raw = db.session.execute(text("SELECT phone, reporter_name, address FROM resident_whistle WHERE id = :i"),
                                 {"i": whistle.id}).one()
        assert all(v.startswith("v1:") for v in raw) and PHONE not in raw[0]
    stored = list((uploads / "attachments").iterdir())
    assert len(stored) == 2 and not any(p.suffix for p in stored)


@pytest.mark.parametrize("change, field, message", [
    ({"phone": "1393745306"}, "phone", "手机号格式不正确"),
    ({"phone": "23937453068"}, "phone", "手机号格式不正确"),
    ({"description": ""}, "description", "详细说明不能为空"),
    ({"reporter_name": "  "}, "reporter_name", "反馈人不能为空"),
    ({"address": ""}, "address", "家庭住址不能为空"),
    ({"community_id": ""}, "community_id", "所属村/社区不能为空"),
    ({"community_id": "1"}, "community_id", "请选择所属村/社区"),        # the city, not a community
])
def test_bad_input_is_refused_with_chinese_message(app, client, uploads, change, field, message):
    before = _count(app)
    resp = _submit(client, _body(app, **change), [("现场.png", PNG)])
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert _count(app) == before
    assert not (uploads / "attachments").exists() or not list((uploads / "attachments").iterdir())


def test_photo_content_must_match_its_extension(app, client, uploads):
    before = _count(app)
    resp = _submit(client, _body(app), [("ok.png", PNG), ("fake.jpg", b"<?php system($_GET['c']); ?>")])
    assert resp.status_code == 415 and "文件内容与扩展名不符" in resp.get_data(as_text=True)
    resp = _submit(client, _body(app), [("report.pdf", b"%PDF-1.7\n")])
    assert resp.status_code == 415 and "png/jpg/jpeg" in resp.get_data(as_text=True)
    assert _count(app) == before
    assert not list((uploads / "attachments").iterdir())          # the good photo was removed again


def test_too_large_answers_413(app, client, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "RESIDENT_WHISTLE_PHOTO_MAX_MB", 1)
    monkeypatch.setitem(app.config, "RESIDENT_WHISTLE_MAX_PHOTOS", 2)
    before = _count(app)
    one_photo = _submit(client, _body(app), [("big.png", PNG + b"0" * (1024 * 1024 + 1))])
    assert one_photo.status_code == 413 and "文件大小不能超过1MB" in one_photo.get_data(as_text=True)
    whole_body = _submit(client, _body(app), [("a.png", PNG + b"0" * (4 * 1024 * 1024))])
    assert whole_body.status_code == 413 and "不能超过" in whole_body.get_data(as_text=True)
    too_many = _submit(client, _body(app), [("a.png", PNG), ("b.png", PNG), ("c.png", PNG)])
    assert too_many.status_code == 400 and "最多2张" in too_many.get_data(as_text=True)
    assert _count(app) == before


def test_rate_limit_per_address(app, client, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "RESIDENT_WHISTLE_RATE_LIMIT", "3 per minute")
    here = {"REMOTE_ADDR": "127.0.0.23"}
    for _ in range(3):
        assert _submit(client, _body(app), environ_base=here).status_code == 302
    refused = _submit(client, _body(app), environ_base=here)
    assert refused.status_code == 429 and "提交过于频繁，请稍后再试" in refused.get_data(as_text=True)
    assert _submit(client, _body(app), environ_base={"REMOTE_ADDR": "127.0.0.24"}).status_code == 302


def test_csrf_token_is_required_when_enabled(app, client, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = _count(app)
    resp = _submit(client, _body(app))
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    assert _count(app) == before
    html = client.get("/resident/whistle").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert _submit(client, _body(app, csrf_token=token)).status_code == 302


# --- 我的-居民吹哨记录 --------------------------------------------------------------------------
def test_list_masks_personal_data_pages_and_api(app, client, api, uploads):
    wid = _new(app, client)
    member = api("cs471_member")
    listed = member.get("/api/v1/resident-whistles/").json
    row = next(r for r in listed["result"] if r["id"] == wid)
    assert row["phone"] == "139****3068" and row["reporter_name"] == "小*" and row["address"].endswith("***")
    assert set(row["actions"]) == {"verify", "close", "escalate"}
    detail = member.get(f"/api/v1/resident-whistles/{wid}").json
    assert detail["phone"] == PHONE and detail["reporter_name"] == "小斌"
    page = logged_in(app, "cs471_member").get("/work/resident-whistles/").get_data(as_text=True)
    assert "139****3068" in page and PHONE not in page and "查看详情" in page and "提级上报" in page
    shown = logged_in(app, "cs471_member").get(f"/work/resident-whistles/{wid}").get_data(as_text=True)
    assert PHONE in shown
    # handlers above see the record, but only the community's grid members act on it
    assert api("jindi_handler").get(f"/api/v1/resident-whistles/{wid}").status_code == 200
    handler_row = next(r for r in api("weidu_handler").get("/api/v1/resident-whistles/?q=(page_size:100)")
                       .json["result"] if r["id"] == wid)
    assert handler_row["actions"] == []
    assert api("jindi_handler").post(f"/api/v1/resident-whistles/{wid}/verify").status_code == 403


def test_other_countys_record_is_404(app, client, api, uploads):
    wid = _new(app, client, community="吕桥村", photos=[("p.png", PNG)])
    with app.app_context():
        photo_id = db.session.get(ResidentWhistle, wid).photos[0].id
    member = api("cs471_member")
    assert member.get(f"/api/v1/resident-whistles/{wid}").status_code == 404
    assert member.post(f"/api/v1/resident-whistles/{wid}/verify").status_code == 404
    assert member.get(f"/api/v1/resident-whistles/{wid}/photos/{photo_id}").status_code == 404
    assert wid not in [r["id"] for r in member.get("/api/v1/resident-whistles/?q=(page_size:100)").json["result"]]
    page = logged_in(app, "cs471_member")
    assert page.get(f"/work/resident-whistles/{wid}").status_code == 404
    assert page.get(f"/work/resident-whistles/{wid}/photo/{photo_id}").status_code == 404
    assert page.post(f"/work/resident-whistles/{wid}/verify").status_code in (302, 404)
    with app.app_context():
        assert db.session.get(ResidentWhistle, wid).status == "pending"
    jianan = api("jianan_handler")
    assert jianan.get(f"/api/v1/resident-whistles/{wid}").status_code == 200
    download = jianan.get(f"/api/v1/resident-whistles/{wid}/photos/{photo_id}")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_verify_and_close_api(app, client, api, uploads):
    wid = _new(app, client)
    member = api("cs471_member")
    verified = member.post(f"/api/v1/resident-whistles/{wid}/verify")
    assert verified.status_code == 200 and verified.json["status_label"] == "已核实"
    assert member.post(f"/api/v1/resident-whistles/{wid}/verify").status_code == 409
    missing = member.post(f"/api/v1/resident-whistles/{wid}/close", json={})
    assert missing.status_code == 400 and "办结说明不能为空" in missing.json["message"]
    stale = member.post(f"/api/v1/resident-whistles/{wid}/close", json={"note": "已清运", "version": 1})
    assert stale.status_code == 409
    closed = member.post(f"/api/v1/resident-whistles/{wid}/close", json={"note": "已联系物业清运"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["note"] == "已联系物业清运" and closed.json["handled_by"] == "小彩"
    assert member.post(f"/api/v1/resident-whistles/{wid}/escalate", json={}).status_code == 409


def test_verify_and_close_pages(app, client, uploads):
    wid = _new(app, client)
    page = logged_in(app, "cs471_member")
    assert page.post(f"/work/resident-whistles/{wid}/verify").status_code == 302
    form = page.get(f"/work/resident-whistles/{wid}/close").get_data(as_text=True)
    assert "办结说明" in form
    refused = page.post(f"/work/resident-whistles/{wid}/close", data={"note": ""}).get_data(as_text=True)
    assert "办结说明不能为空" in refused
    assert page.post(f"/work/resident-whistles/{wid}/close", data={"note": "已处理"}).status_code == 302
    with app.app_context():
        whistle = db.session.get(ResidentWhistle, wid)
        assert (whistle.status, whistle.note) == ("closed", "已处理")


def _tickets(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Ticket.id)).where(Ticket.source == "居民吹哨"))


def test_escalate_creates_one_ticket_for_the_grid_leaders_review(app, client, api, uploads):
    wid = _new(app, client, photos=[("现场.png", PNG)], description="小区门口井盖缺失")
    member = api("cs471_member")
    before = _tickets(app)
    with app.app_context():
        category = leaf_id()
    bad = member.post(f"/api/v1/resident-whistles/{wid}/escalate", json={"reason": "网格无法处理"})
    assert bad.status_code == 400 and "category_id" in bad.json["errors"]
    bad = member.post(f"/api/v1/resident-whistles/{wid}/escalate", json={"category_id": category, "target": "12345",
                                                                         "reason": "x"})
    assert bad.status_code == 400
    assert _tickets(app) == before                                   # nothing half-done
    done = member.post(f"/api/v1/resident-whistles/{wid}/escalate",
                       json={"category_id": category, "urgency": "紧急", "reason": "井盖缺失需社区协调"})
    assert done.status_code == 200, done.json
    assert done.json["status_label"] == "已提级上报"
    ticket_id = done.json["ticket_id"]
    assert _tickets(app) == before + 1
    assert member.post(f"/api/v1/resident-whistles/{wid}/escalate",
                       json={"category_id": category, "reason": "again"}).status_code == 409
    assert _tickets(app) == before + 1
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.source == "居民吹哨" and ticket.party_phone == PHONE and ticket.urgency == "紧急"
        assert "小区门口井盖缺失" in ticket.description and ticket.reporter.username == "cs471_member"
        apps = db.session.scalars(select(Application).where(Application.ticket_id == ticket_id)).all()
        assert [(a.kind, a.status, a.reviewer_unit_id) for a in apps] == [("escalation", "pending", unit("CS-471").id)]
        app_id = apps[0].id
        actions = [e.action for e in ticket.timeline]
        assert actions == ["新增", "提级上报"]
        attachment_id = ticket.attachments[0].id
    leader = api("cs471_leader")
    pending = leader.get("/api/v1/applications/?q=(mine_to_review:!t,status:pending)").json["result"]
    assert app_id in [a["id"] for a in pending]
    assert leader.get(f"/api/v1/attachments/{attachment_id}").data == PNG
    reviewed = leader.post(f"/api/v1/applications/{app_id}/review", json={"approve": True, "opinion": "同意上报"})
    assert reviewed.status_code == 200, reviewed.json
    signed = api("jindi_handler").post(f"/api/v1/tickets/{ticket_id}/sign")
    assert signed.status_code == 200, signed.json
    with app.app_context():
        assert db.session.get(Ticket, ticket_id).owner_unit_id == unit("金地社区").id


def test_escalate_page(app, client, uploads):
    wid = _new(app, client)
    page = logged_in(app, "cs471_member")
    form = page.get(f"/work/resident-whistles/{wid}/escalate").get_data(as_text=True)
    assert "事件类型" in form and "提级意见/原因" in form and "居民吹哨：小区内垃圾无人处理" in form
    with app.app_context():
        category = leaf_id()
    resp = page.post(f"/work/resident-whistles/{wid}/escalate",
                     data={"title": "居民吹哨：垃圾无人处理", "category_id": str(category), "urgency": "一般",
                           "address": "金地社区3号楼", "target": "upper", "reason": "需社区协调清运"})
    assert resp.status_code == 302 and "/work/ticket/" in resp.headers["Location"]
    with app.app_context():
        whistle = db.session.get(ResidentWhistle, wid)
        assert whistle.status == "escalated" and whistle.ticket_id
        assert db.session.get(Ticket, whistle.ticket_id).title == "居民吹哨：垃圾无人处理"


@pytest.mark.parametrize("username", ["cs471_member", "jindi_handler", "weidu_handler", "jianan_handler"])
def test_tile_counts_the_pending_list(app, client, uploads, username):
    _new(app, client)
    page = logged_in(app, username)
    html = page.get("/").get_data(as_text=True)
    tile = re.search(r'workbench-tile" href="([^"]+)" data-count="(\d+)">\s*<div class="panel-heading">居民吹哨 待核实',
                     html)
    assert tile, "no 居民吹哨 tile"
    href, count = tile.group(1), int(tile.group(2))
    listed = page.get(href).get_data(as_text=True)
    assert int(re.search(r"共 (\d+) 条", listed).group(1)) == count
    if username != "jianan_handler":
        assert count >= 1
    with app.app_context():
        scope = scope_for(user(username))
        assert count == db.session.scalar(select(func.count(ResidentWhistle.id)).where(
            ResidentWhistle.status == "pending", ResidentWhistle.scope_clause(scope)))


def test_no_tile_without_the_list(app):
    html = logged_in(app, "cs471_leader").get("/").get_data(as_text=True)
    assert "居民吹哨 待核实" not in html
    assert logged_in(app, "cs471_leader").get("/work/resident-whistles/").status_code in (302, 403)
