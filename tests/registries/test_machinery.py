"""The generic registry machinery, exercised through 党组织管理: search, masking, scope,
template, import, export, add/edit validation, delete — pages and API."""
import io
import zipfile

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models.audit import OperationLog
from app.models.party import PartyOrg
from tests.registries.helpers import logged_in, read_xlsx, upload, workbook_bytes

BASE = "/partyorgregistryview"
API = "/api/v1/party_orgs"


def _count(app, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(PartyOrg)
        for k, v in where.items():
            stmt = stmt.where(getattr(PartyOrg, k) == v)
        return db.session.scalar(stmt)


def _codes(html):
    import re
    return set(re.findall(r"<td>(DZZ\d+|T[A-Z]*\d+)</td>", html))


def test_list_and_search_fields(app):
    client = logged_in(app, "city_handler")
    html = client.get(f"{BASE}/list/?s_code=DZZ").get_data(as_text=True)
    assert {"DZZ001", "DZZ002", "DZZ003", "DZZ004"} <= _codes(html)
    assert "共 " in html and "前往" in html and "搜索" in html and "重置" in html
    assert _codes(client.get(f"{BASE}/list/?s_name=金地").get_data(as_text=True)) == {"DZZ003"}
    assert _codes(client.get(f"{BASE}/list/?s_code=DZZ00&s_org_level=党委").get_data(as_text=True)) == \
        {"DZZ001", "DZZ002", "DZZ004"}
    assert _codes(client.get(f"{BASE}/list/?s_founded_on_from=1990-01-01&s_founded_on_to=2000-01-01")
                  .get_data(as_text=True)) == {"DZZ002", "DZZ004"}
    # sensitive: exact match only, through the keyed hash
    assert _codes(client.get(f"{BASE}/list/?s_leader_phone=13803745678").get_data(as_text=True)) == {"DZZ003"}
    assert _codes(client.get(f"{BASE}/list/?s_leader_phone=138").get_data(as_text=True)) == set()
    with app.app_context():
        from app.models.org import Unit
        weidu = db.session.scalar(select(Unit.id).where(Unit.name == "魏都区"))
    assert _codes(client.get(f"{BASE}/list/?s_code=DZZ&s_unit={weidu}").get_data(as_text=True)) == \
        {"DZZ001", "DZZ002", "DZZ003"}
    bad = client.get(f"{BASE}/list/?s_founded_on_from=yesterday")
    assert bad.status_code == 200 and "日期格式不正确" in bad.get_data(as_text=True)


def test_phone_is_masked_in_lists_and_never_ciphertext(app):
    html = logged_in(app, "weidu_handler").get(f"{BASE}/list/?s_code=DZZ001").get_data(as_text=True)
    assert "139****3068" in html and "13903743068" not in html and "v1:" not in html
    with app.app_context():
        raw = db.session.execute(text("SELECT leader_phone FROM party_org WHERE code = 'DZZ001'")).scalar()
        assert raw.startswith("v1:") and "13903743068" not in raw     # encrypted at rest


def test_unmask_needs_permission_and_is_logged(app):
    with app.app_context():
        org_id = db.session.scalar(select(PartyOrg.id).where(PartyOrg.code == "DZZ001"))
    clerk = logged_in(app, "weidu_handler")
    assert "13903743068" not in clerk.get(f"{BASE}/show/{org_id}?unmask=1").get_data(as_text=True)
    head = logged_in(app, "weidu_head")
    assert "13903743068" in head.get(f"{BASE}/show/{org_id}?unmask=1").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.category == "unmask", OperationLog.username == "weidu_head")) >= 1


def test_scope_on_list_detail_export_and_import(app):
    jianan = logged_in(app, "jianan_handler")
    assert _codes(jianan.get(f"{BASE}/list/?s_code=DZZ").get_data(as_text=True)) == {"DZZ004"}
    with app.app_context():
        weidu_id = db.session.scalar(select(PartyOrg.id).where(PartyOrg.code == "DZZ001"))
    assert jianan.get(f"{BASE}/show/{weidu_id}").status_code == 404
    rows = read_xlsx(jianan.get(f"{BASE}/export/?s_code=DZZ").data)
    assert [r[0] for r in rows[1:]] == ["DZZ004"]
    # importing into another county's territory, or over another county's record, is refused
    header = ["党组织编码", "党组织名称", "组织类型", "组织层级", "行政区划", "状态"]
    data = workbook_bytes(header, [["TJ1", "越界支部", "社区", "党支部", "魏都区 / 西大街街道", "正常"],
                                   ["DZZ001", "篡改", "社区", "党支部", "尚集镇", "正常"]])
    body = upload(jianan, f"{BASE}/import/", data, update_existing=True).json
    assert body["inserted"] == 0 and body["updated"] == 0 and len(body["errors"]) == 2
    assert _count(app, code="TJ1") == 0 and _count(app, name="篡改") == 0


def test_template_filled_with_demo_rows_imports_cleanly(app):
    client = logged_in(app, "city_handler")
    template = read_xlsx(client.get(f"{BASE}/template/").data)
    header = [str(h) for h in template[0]]
    assert header[:2] == ["*党组织编码", "*党组织名称"] and "组织路径" not in header
    values = {"*党组织编码": "T1001", "*党组织名称": "中共府后社区支部委员会", "*组织类型": "社区", "*组织层级": "党支部",
              "上级党组织": "DZZ002", "*行政区划": "魏都区 / 西大街街道 / 府后社区", "成立时间": "2010/06/01",
              "党员人数": 38, "负责人姓名": "王保珠", "负责人电话": "13903740001", "*状态": "正常"}
    data = workbook_bytes(header, [[values.get(h) for h in header]])
    body = upload(client, f"{BASE}/import/", data).json
    assert body["inserted"] == 1 and body["errors"] == [] and body["warnings"] == [], body
    with app.app_context():
        org = db.session.scalar(select(PartyOrg).where(PartyOrg.code == "T1001"))
        assert org.path_names == "中共许昌市魏都区委员会 / 中共西大街街道工作委员会 / 中共府后社区支部委员会"
        assert org.leader_phone == "13903740001" and org.founded_on.isoformat() == "2010-06-01"


def test_export_then_import_with_update_changes_nothing(app):
    client = logged_in(app, "city_head")        # may unmask, so the export carries clear phones
    with app.app_context():
        before = {o.code: (o.name, o.leader_phone, o.updated_at, o.path_names)
                  for o in db.session.scalars(select(PartyOrg))}
    exported = client.get(f"{BASE}/export/").data
    city = logged_in(app, "city_handler")
    body = upload(city, f"{BASE}/import/", exported, update_existing=True).json
    assert body["failed"] == 0 and body["inserted"] == 0 and body["updated"] == len(before), body
    with app.app_context():
        after = {o.code: (o.name, o.leader_phone, o.path_names) for o in db.session.scalars(select(PartyOrg))}
    assert after == {k: (v[0], v[1], v[3]) for k, v in before.items()}
    body = upload(city, f"{BASE}/import/", exported).json      # without update: duplicates reported
    assert body["skipped"] == len(before) and body["inserted"] == 0


def _zip_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return buf.getvalue()


@pytest.mark.parametrize("name,data,status,words", [
    ("a.exe", b"MZ\x90\x00" + b"\0" * 100, 415, "xls、xlsx"),
    ("virus.xlsx", b"MZ\x90\x00" + b"\0" * 100, 415, "xls、xlsx"),
    ("empty.xlsx", b"", 415, "xls、xlsx"),
    ("bomb.xlsx", None, 400, "压缩炸弹"),
    ("wrong.xlsx", workbook_bytes(["姓名", "年龄"], [["张三", 3]]), 400, "模板"),
])
def test_bad_files_store_nothing(app, name, data, status, words):
    client = logged_in(app, "city_handler")
    before = _count(app)
    resp = upload(client, f"{BASE}/import/", data if data is not None else _zip_bomb(), filename=name)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert words in resp.json["message"]
    assert _count(app) == before


def test_bad_cells_are_reported_by_row_and_column(app):
    client = logged_in(app, "city_handler")
    header = ["*党组织编码", "*党组织名称", "*组织类型", "*组织层级", "*行政区划", "成立时间", "党员人数", "负责人电话", "*状态"]
    rows = [["TB1", "好支部", "社区", "党支部", "金地社区", "2020-01-01", 3, "13903740002", "正常"],
            ["TB2", "坏支部", "外星", "党支部", "金地社区", "2020-13-01", -1, "12345", "正常"],
            ["TB3", "@SUM(A1)", "社区", "党支部", "金地社区", None, None, None, "正常"],
            ["TB4", "=1+1", "社区", "党支部", "金地社区", None, None, None, "正常"]]
    body = upload(client, f"{BASE}/import/", workbook_bytes(header, rows)).json
    assert body["inserted"] == 2 and body["failed"] == 2
    cols = {(e["row"], e["column"]) for e in body["errors"]}
    assert (5, 2) in cols          # a formula is read as its (absent) cached value, never evaluated
    assert {(3, 3), (3, 6), (3, 7), (3, 8)} <= cols
    assert "第 3 行" in body["message"] and body["error_report"]
    report = read_xlsx(client.get(body["error_report"]).data)
    assert report[0][:4] == ["行号", "列号", "表头", "原因"] and len(report) >= 5
    with app.app_context():
        assert db.session.scalar(select(PartyOrg.name).where(PartyOrg.code == "TB3")) == "@SUM(A1)"
    # exported again, the formula-like name stays text
    exported = client.get(f"{BASE}/export/?s_code=TB3").data
    import openpyxl
    ws = openpyxl.load_workbook(io.BytesIO(exported)).active
    cell = ws.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == "@SUM(A1)"


def test_all_or_nothing_stores_nothing_on_one_bad_row(app):
    client = logged_in(app, "city_handler")
    header = ["*党组织编码", "*党组织名称", "*组织类型", "*组织层级", "*行政区划", "*状态"]
    rows = [["TA1", "甲支部", "社区", "党支部", "金地社区", "正常"], ["TA2", "乙支部", "社区", "党支部", "不存在的社区", "正常"]]
    body = upload(client, f"{BASE}/import/", workbook_bytes(header, rows), all_or_nothing=True).json
    assert body["inserted"] == 0 and _count(app, code="TA1") == 0


def test_form_validation_and_scope_on_add(app):
    client = logged_in(app, "weidu_handler")
    with app.app_context():
        from app.models.org import Unit
        jindi = db.session.scalar(select(Unit.id).where(Unit.name == "金地社区"))
        shangji = db.session.scalar(select(Unit.id).where(Unit.name == "尚集镇"))
    form = {"code": "TF1", "name": "表单支部", "org_type": "社区", "org_level": "党支部", "unit": str(jindi),
            "status": "正常", "leader_phone": "999", "member_count": "-3"}
    html = client.post(f"{BASE}/add", data=form, follow_redirects=True).get_data(as_text=True)
    assert "电话号码格式不正确" in html and "不能小于 0" in html and _count(app, code="TF1") == 0
    form.update(leader_phone="13903740003", member_count="12", unit=str(shangji))
    client.post(f"{BASE}/add", data=form, follow_redirects=True)
    assert _count(app, code="TF1") == 0                          # 尚集镇 is outside 魏都区
    form.update(unit=str(jindi))
    client.post(f"{BASE}/add", data=form, follow_redirects=True)
    assert _count(app, code="TF1") == 1
    html = client.post(f"{BASE}/add", data=dict(form, name="重复"), follow_redirects=True).get_data(as_text=True)
    assert "存在" in html and _count(app, code="TF1") == 1


def test_bulk_delete_refuses_out_of_scope_ids(app):
    with app.app_context():
        other = db.session.scalar(select(PartyOrg.id).where(PartyOrg.code == "DZZ001"))
    jianan = logged_in(app, "jianan_handler")
    resp = jianan.post(f"{BASE}/action_post", data={"action": "muldelete", "rowid": [str(other)]})
    assert resp.status_code == 404 and _count(app, code="DZZ001") == 1


def test_api_masks_scopes_and_validates(app, api):
    client = api("weidu_handler")
    resp = client.get(f"{API}/?q=(page_size:100)")
    assert resp.status_code == 200
    phones = {r["code"]: r.get("leader_phone") for r in resp.json["result"]}
    assert phones["DZZ001"] == "139****3068" and "DZZ004" not in phones
    resp = client.post(f"{API}/", json={"code": "TAPI1", "name": "接口支部", "org_type": "社区", "org_level": "党支部",
                                        "unit_id": 1, "status": "正常"})
    assert resp.status_code == 400 and "管辖范围" in resp.json["message"]
    assert client.get(f"{API}/template").status_code == 200
    export = client.get(f"{API}/export?q=(filters:!((col:code,opr:eq,value:DZZ001)))")
    assert export.status_code == 200 and [r[0] for r in read_xlsx(export.data)[1:]] == ["DZZ001"]
    jianan = api("jianan_handler")
    with app.app_context():
        other = db.session.scalar(select(PartyOrg.id).where(PartyOrg.code == "DZZ001"))
    assert jianan.get(f"{API}/{other}").status_code == 404
    assert jianan.delete(f"{API}/{other}").status_code == 404
