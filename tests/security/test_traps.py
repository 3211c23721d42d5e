"""Known traps of quality.md, each with a test that fails without its fix: mass assignment of
protected columns, stale submissions, prefix search or sort on masked columns, and database
text in error answers."""
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.party import PartyMember, PartyOrg
from app.models.ticket import Ticket
from app.registries.crypto import blind_index
from app.security.interface import ScopedSQLAInterface
from tests.conftest import login_page
from tests.workflow.helpers import new_ticket, report_body

ORGS, ORGS_API = "/partyorgregistryview", "/api/v1/party_orgs"
MEMBERS, MEMBERS_API = "/partymemberregistryview", "/api/v1/party_members"
STALE = "数据已被他人修改"


def _page(app, username):
    client = app.test_client()
    login_page(client, username)
    return client


def _org(app, code="DZZ001"):
    with app.app_context():
        org = db.session.scalar(select(PartyOrg).where(PartyOrg.code == code))
        snapshot = {c.key: getattr(org, c.key) for c in PartyOrg.__table__.columns}
        db.session.remove()
    return snapshot


def _edit_form(client, url):
    """The fields of a FAB edit page as the browser would post them back."""
    html = client.get(url).get_data(as_text=True)
    form = {}
    for tag in re.findall(r"<(?:input|select|textarea)[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        form[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        form[name] = body.strip()
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option[^>]*selected[^>]*value="([^"]*)"|<option value="([^"]*)"[^>]*selected', options)
        form[name] = next((g for g in chosen.groups() if g is not None), "") if chosen else ""
    return form


# --- mass assignment -------------------------------------------------------------------------

def test_registry_api_ignores_or_refuses_protected_columns(app, api):
    before = _org(app)
    client = api("city_handler")
    for extra in ({"id": 999999}, {"created_at": "2000-01-01 00:00:00"}, {"updated_at": "2000-01-01 00:00:00"},
                  {"path_names": "伪造路径"}, {"leader_phone_hash": "x" * 64}):
        resp = client.put(f"{ORGS_API}/{before['id']}", json=dict({"name": "批量赋值"}, **extra))
        assert resp.status_code == 400, (extra, resp.get_data(as_text=True)[:200])
    assert _org(app) == before
    created = client.post(f"{ORGS_API}/", json={"id": 424242, "code": "MASS1", "name": "批量赋值支部", "org_type": "社区",
                                                "org_level": "党支部", "unit_id": before["unit_id"], "status": "正常"})
    assert created.status_code == 400
    with app.app_context():
        assert db.session.get(PartyOrg, 424242) is None
        assert db.session.scalar(select(PartyOrg.id).where(PartyOrg.code == "MASS1")) is None


def test_registry_edit_page_ignores_protected_columns(app):
    before = _org(app)
    client = _page(app, "city_handler")
    form = _edit_form(client, f"{ORGS}/edit/{before['id']}")
    form.update(name=before["name"] + "改", id="999999", created_at="2000-01-01 00:00:00",
                updated_at="2000-01-01 00:00:00", path_names="伪造路径", leader_phone_hash="x")
    client.post(f"{ORGS}/edit/{before['id']}", data=form)
    after = _org(app)
    assert after["name"] == before["name"] + "改"              # the edit itself went through
    for column in ("id", "created_at", "leader_phone_hash", "unit_id", "code"):
        assert after[column] == before[column], column
    assert after["path_names"] != "伪造路径"                   # derived from the names, never from input
    client.post(f"{ORGS}/edit/{before['id']}", data=dict(form, name=before["name"], row_version=_edit_form(
        client, f"{ORGS}/edit/{before['id']}")["row_version"]))
    assert _org(app)["name"] == before["name"]


def _ticket_row(app, ticket_id):
    with app.app_context():
        t = db.session.get(Ticket, ticket_id)
        row = {k: getattr(t, k) for k in ("id", "state", "unit_id", "grid_id", "owner_unit_id", "reporter_id",
                                          "reporter_unit_id", "source", "version", "title")}
        db.session.remove()
    return row


@pytest.fixture()
def ticket_id(app):
    with app.app_context():
        tid = new_ticket()
        db.session.remove()
    return tid


PROTECTED = {"state": "finished", "unit_id": 1, "grid_id": 1, "owner_unit_id": 1, "reporter_id": 1,
             "reporter_unit_id": 1, "source": "12345", "id": 999999, "created_by": 1, "finished_at": "2020-01-01"}


def test_ticket_api_ignores_protected_columns(app, api, ticket_id):
    before = _ticket_row(app, ticket_id)
    member = api("cs471_member")
    resp = member.put(f"/api/v1/tickets/{ticket_id}", json=dict(PROTECTED, title="只改标题"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    after = _ticket_row(app, ticket_id)
    assert after["title"] == "只改标题"
    for column in ("id", "state", "unit_id", "grid_id", "owner_unit_id", "reporter_id", "reporter_unit_id", "source"):
        assert after[column] == before[column], column
    # names of the services' own parameters are input like any other, never a 500
    for body in ({"actor": 1, "title": "x"}, {"ticket_id": 1, "title": "x"}):
        resp = member.put(f"/api/v1/tickets/{ticket_id}", json=body)
        assert resp.status_code in (200, 400), resp.get_data(as_text=True)[:300]
        resp = member.post(f"/api/v1/tickets/{ticket_id}/apply-return", json=dict(body, reason="测试"))
        assert resp.status_code != 500
    with app.app_context():
        created = api("cs471_member").post("/api/v1/tickets/", json=dict(report_body(), **PROTECTED))
    assert created.status_code == 201
    row = _ticket_row(app, created.json["id"])
    assert row["state"] == "open" and row["source"] == "网格巡查" and row["id"] != 999999
    assert row["reporter_id"] != 1 or row["reporter_unit_id"] != 1


def test_ticket_edit_page_ignores_protected_columns(app, ticket_id):
    before = _ticket_row(app, ticket_id)
    client = _page(app, "cs471_member")
    with app.app_context():
        body = report_body("页面只改标题")
    form = {k: str(v) for k, v in body.items()}
    form.update({k: str(v) for k, v in PROTECTED.items()}, version=str(before["version"]))
    client.post(f"/work/ticket/{ticket_id}/edit", data=form)
    after = _ticket_row(app, ticket_id)
    assert after["title"] == "页面只改标题"
    for column in ("id", "state", "unit_id", "grid_id", "owner_unit_id", "reporter_id", "source"):
        assert after[column] == before[column], column


# --- stale submissions -------------------------------------------------------------------------

def test_registry_edit_page_refuses_a_stale_form(app, api):
    org = _org(app, "DZZ002")
    mine, other = _page(app, "city_handler"), api("city_handler")
    form = _edit_form(mine, f"{ORGS}/edit/{org['id']}")
    assert re.fullmatch(r"[0-9a-f]{32}", form["row_version"])
    # someone else saves (here through the API) between my opening and my saving
    assert other.put(f"{ORGS_API}/{org['id']}", json={"leader_name": "他人修改"}).status_code == 200
    resp = mine.post(f"{ORGS}/edit/{org['id']}", data=dict(form, name="我的过期修改"), follow_redirects=True)
    assert STALE in resp.get_data(as_text=True)
    after = _org(app, "DZZ002")
    assert after["name"] == org["name"] and after["leader_name"] == "他人修改"
    # reopened, the form carries the new version and saves
    fresh = _edit_form(mine, f"{ORGS}/edit/{org['id']}")
    assert fresh["row_version"] != form["row_version"]
    mine.post(f"{ORGS}/edit/{org['id']}", data=dict(fresh, name="我的新修改"))
    assert _org(app, "DZZ002")["name"] == "我的新修改"


def test_ticket_action_pages_refuse_a_stale_version(app, api, ticket_id):
    before = _ticket_row(app, ticket_id)
    client = _page(app, "cs471_member")
    page = client.get(f"/work/ticket/{ticket_id}/edit").get_data(as_text=True)
    assert f'name="version" value="{before["version"]}"' in page      # the version travels with the form
    api("cs471_member").put(f"/api/v1/tickets/{ticket_id}", json={"title": "他人先改"})
    with app.app_context():
        form = {k: str(v) for k, v in report_body("我的过期修改").items()}
    html = client.post(f"/work/ticket/{ticket_id}/edit", data=dict(form, version=str(before["version"])),
                       follow_redirects=True).get_data(as_text=True)
    assert STALE in html and _ticket_row(app, ticket_id)["title"] == "他人先改"
    html = client.post(f"/work/ticket/{ticket_id}/apply_return",
                       data={"reason": "过期退回", "version": str(before["version"])},
                       follow_redirects=True).get_data(as_text=True)
    assert "已被他人修改" in html or "不允许" in html
    resp = api("cs471_member").post(f"/api/v1/tickets/{ticket_id}/apply-return",
                                    json={"reason": "过期", "version": before["version"]})
    assert resp.status_code in (403, 409) and resp.json["message"]
    assert _ticket_row(app, ticket_id)["version"] == before["version"] + 1


# --- masked columns ------------------------------------------------------------------------------

def _member_with_phone(app):
    with app.app_context():
        member = db.session.scalar(select(PartyMember).where(PartyMember.phone.isnot(None)).limit(1))
        result = member.id, member.phone
        db.session.remove()
    return result


def test_masked_columns_are_not_searchable_by_prefix_nor_sortable(app, api):
    member_id, phone = _member_with_phone(app)
    client = _page(app, "city_handler")
    prefix = client.get(f"{MEMBERS}/list/?s_phone={phone[:4]}&page_size=100").get_data(as_text=True)
    exact = client.get(f"{MEMBERS}/list/?s_phone={phone}&page_size=100").get_data(as_text=True)
    assert f"/show/{member_id}" not in prefix and f"/show/{member_id}" in exact
    # sorting by a masked column falls back to the default order (no order-by-ciphertext oracle)
    by_phone = client.get(f"{MEMBERS}/list/?sort=phone&dir=asc&page_size=100").get_data(as_text=True)
    default = client.get(f"{MEMBERS}/list/?page_size=100").get_data(as_text=True)
    ids = lambda html: re.findall(r"/show/(\d+)", html)   # noqa: E731
    assert ids(by_phone) == ids(default)
    rest = api("city_handler")
    for q in ("(filters:!((col:phone,opr:sw,value:'13')))", "(filters:!((col:phone,opr:ct,value:'13')))",
              "(filters:!((col:phone_hash,opr:eq,value:'x')))", "(order_column:phone,order_direction:asc)",
              "(order_column:id_card,order_direction:asc)"):
        resp = rest.get(f"{MEMBERS_API}/?q={q}")
        assert resp.status_code == 400, q
    with app.app_context():
        assert blind_index(phone) != phone


# --- database text in errors ----------------------------------------------------------------------

def test_database_errors_never_reach_the_answer(app, api, monkeypatch):
    secret = "Key (code)=(DZZ001) already exists; INSERT INTO party_org (code, name) VALUES ('DZZ001', '机密')"

    def failing_add(self, item, raise_exception=False):
        db.session.rollback()
        raise IntegrityError("INSERT INTO party_org …", {"code": "DZZ001"}, Exception(secret))

    monkeypatch.setattr(ScopedSQLAInterface, "add", failing_add)
    monkeypatch.setattr(ScopedSQLAInterface, "edit", failing_add)
    client = api("city_handler")
    org = _org(app, "DZZ003") if _org_exists(app, "DZZ003") else _org(app)
    resp = client.post(f"{ORGS_API}/", json={"code": "ERR1", "name": "错误支部", "org_type": "社区",
                                             "org_level": "党支部", "unit_id": org["unit_id"], "status": "正常"})
    put = client.put(f"{ORGS_API}/{org['id']}", json={"name": "错误"})
    for answer in (resp, put):
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400, text
        for leak in ("INSERT", "party_org", "DZZ001", "机密", "Key ("):
            assert leak not in text, leak
        assert answer.json["message"]


def _org_exists(app, code):
    with app.app_context():
        found = db.session.scalar(select(PartyOrg.id).where(PartyOrg.code == code)) is not None
        db.session.remove()
    return found


def test_bad_search_input_answers_a_message_without_sql(app, api):
    client = _page(app, "city_handler")
    resp = client.get(f"{ORGS}/list/?s_founded_on_from=2024-99-99&s_member_count=abc%27%20OR%201=1")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "日期格式不正确" in text
    assert "SELECT" not in text and "sqlite" not in text.lower() and "psycopg" not in text
    rest = api("city_handler")
    resp = rest.get(f"{ORGS_API}/?q=(filters:!((col:member_count,opr:eq,value:'x%27;DROP')))")
    assert resp.status_code == 400 and "SELECT" not in resp.get_data(as_text=True)
