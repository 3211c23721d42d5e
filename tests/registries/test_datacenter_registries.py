"""The fourteen 数据中心 registries, table-driven: every one through its pages and its API
(list with each search field, detail, add, edit, delete, template + import, export as the
manual marks), data scope, and masking of sensitive fields.

Each test creates its own rows with unique keys (the session database is shared) and
never depends on totals.
"""
import re
import uuid

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models.org import AppUser, Unit
from app.registries import datacenter as dc
from tests.conftest import DEMO_PASSWORD
from tests.registries.helpers import logged_in, read_xlsx, upload, workbook_bytes

INTEGRATION_USER = "feed_bot"
_CTX = {}


def _tag():
    return uuid.uuid4().hex[:8].upper()


# ---------------------------------------------------------------------------- the cases
# One record per registry as a user writes it in Excel (enum labels, unit names, text
# dates); ``unit``: where it lies, for the scope expectations.
def _records(t):
    return {
        "hotline_orders": dict(
            source_id=f"H{t}", address=f"魏都区测试路{t}号", description="井盖破损", channel="人工电话",
            order_type="投诉", category1=f"城乡建设{t}", category2=f"市政设施{t}", category3=f"井盖{t}",
            accepted_at="2025-03-04 10:00:00", handle_started_at="2025-03-05 11:00:00", county="魏都区",
            street="西大街街道", purpose=f"修复{t}", urgency=f"一般{t}", requester=f"测试人{t}",
            requester_phone="13912345678", handler_unit="魏都区住建局", status="办理中", is_visited="是"),
        "ums_parts": dict(major_code=f"M{t}", major_name=f"大类{t}", minor_code="01", minor_name=f"小类{t}",
                          quantity="12", remark="测试"),
        "ums_cases": dict(case_no=f"C{t}", title=f"井盖破损{t}", description="描述", filed_at="2025-04-01 08:00:00",
                          major_category="公用设施", minor_category="井盖", address="西大街1号", street="西大街街道",
                          longitude="113.82", latitude="34.02", status=f"处置中{t}", closed_at="2025-04-02 08:00:00"),
        "public_opinions": dict(title=f"舆情{t}", summary="概要", urgency="紧急", level="较大",
                                occurred_on="2025-05-06", unit="金地社区", keywords="暴雨", subject="--", region="本市"),
        "petitions": dict(
            petition_no=f"XF{t}", petition_date="2025-06-01", name=f"信访人{t}", gender="男", id_type="居民身份证",
            id_number="411023198001011237", mobile="13512345678", address="许昌市魏都区某街1号", people_count="1",
            content_category=f"劳动保障{t}", subject_words=f"欠薪{t}", petition_form="来访", unit="金地社区",
            occupation=f"工人{t}", finished="否", first_org=f"魏都区信访局{t}", first_date="2025-05-01",
            first_method=f"走访{t}", last_date="2025-06-01"),
        "enterprise_requests": dict(serial_no=f"E{t}", enterprise=f"测试企业{t}", request_type=f"融资{t}",
                                    content="诉求", submitted_at="2025-07-01 09:00:00", county="魏都区",
                                    status=f"办理中{t}", credit_code="91411000MA44XXXX0R"),
        "mayor_letters": dict(letter_no=f"L{t}", writer=f"写信人{t}", phone="13812345678", title="建议",
                              content="内容", received_at="2025-07-02 09:00:00", status=f"已回复{t}", is_public="是"),
        "emergency_events": dict(code=f"EMT{t}", title=f"应急事件{t}", event_type="自然灾害", level="较大",
                                 status="处理中", occurred_at="2025-08-01 10:00:00", unit="金地社区",
                                 location="某小区", longitude="113.85", latitude="34.02", phone="13712345678",
                                 reported_at="2025-08-01 10:30:00"),
        "emergency_experts": dict(name=f"专家{t}", gender="女", id_number="411002197503120023",
                                  domains="医疗救护、防汛抗旱", title="副高级", work_unit=f"单位{t}",
                                  phone="13612345678", email="expert@example.com", status="在库", unit="金地社区"),
        "emergency_supplies": dict(code=f"MT{t}", name=f"物资{t}", supply_type="药品", quantity="5", measure_unit="箱",
                                   warranty_until="2030-01-01", location=f"仓库{t}", keeper=f"管理员{t}",
                                   keeper_phone="13912340000", unit="金地社区"),
        "rescue_teams": dict(name=f"救援队{t}", team_type="专业", code=f"RT{t}", member_count="30", leader="队长",
                             leader_phone="13812340000", categories="防汛、综合", status="正常",
                             founded_on="2020-01-01", unit="金地社区"),
        "shelters": dict(code=f"SH{t}", name=f"避难所{t}", shelter_type="地震", capacity="300", status="可用",
                         address="某路1号", unit="金地社区", keeper=f"所长{t}", phone="13712340000",
                         longitude="113.84", latitude="34.02"),
        "heat_stations": dict(code=f"RL{t}", name=f"热力站{t}", station_type="换热站", area="魏都区",
                              heating_area="12.5", phone="13612340000"),
        "waterlogging_points": dict(
            name=f"积水点{t}", unit="金地社区", cameras="41100205052006000011:41100200001310800110",
            street_contacts="李昭鹏15188533368 柴松杰15736807268", drainage_contacts="刘洋18637418655",
            traffic_contacts="刘创业18637460801", urban_contacts="杨焱13513746928",
            emergency_contacts="王艳13837402663", leaders="韩扬17837409989"),
    }


REGISTRIES = {r.name: r for r in dc.DATACENTER_REGISTRIES}
NAMES = list(REGISTRIES)
# how each case is created: page import, REST POST, page form, or the feed's bulk API
CREATE_BY = {"hotline_orders": "import", "ums_parts": "import", "ums_cases": "import", "public_opinions": "api",
             "petitions": "import", "enterprise_requests": "bulk", "mayor_letters": "bulk",
             "emergency_events": "form", "emergency_experts": "import", "emergency_supplies": "import",
             "rescue_teams": "import", "shelters": "import", "heat_stations": "bulk", "waterlogging_points": "import"}
# who sees a 魏都区 / 金地社区 record: city-wide data only the city; street-level not the community
CITY_ONLY = {"ums_parts", "mayor_letters"}
ABOVE_COMMUNITY = {"hotline_orders", "ums_cases", "enterprise_requests", "heat_stations"}


def base_url(reg):
    return f"/{reg.__name__.lower()}view"


def api_url(reg):
    return f"/api/v1/{reg.name}"


@pytest.fixture(scope="session")
def feed_user(app):
    """An account of the 接口对接 role (integration of the other platforms)."""
    _CTX["app"] = app
    from werkzeug.security import generate_password_hash

    from app.extensions import appbuilder

    with app.app_context():
        if db.session.scalar(select(AppUser.id).where(AppUser.username == INTEGRATION_USER)) is None:
            city = db.session.scalar(select(Unit).where(Unit.name == "许昌市"))
            db.session.add(AppUser(username=INTEGRATION_USER, first_name="12345平台", last_name="",
                                   email="feed@xuchang.local", active=True,
                                   password=generate_password_hash(DEMO_PASSWORD), unit_id=city.id,
                                   roles=[appbuilder.sm.find_role(dc.INTEGRATION)]))
            db.session.commit()
    return INTEGRATION_USER


def unit_ids(app):
    with app.app_context():
        return dict(db.session.execute(select(Unit.name, Unit.id)).all())


def form_data(reg, rec, units):
    """The page form's fields for a record."""
    data = {}
    for f in reg.form_fields():
        value = rec.get(f.key)
        if value is None:
            continue
        if f.kind == "unit":
            data[f.key] = str(units[value])
        elif f.multi:
            data[f.key] = value.split("、")
        elif f.kind == "bool":
            if value == "是":
                data[f.key] = "y"
        elif f.kind == "datetime":
            data[f.key] = value[:16].replace(" ", "T")
        else:
            data[f.key] = str(value)
    return data


def api_json(reg, rec, units):
    """The REST body for a record (column names, typed values)."""
    body = {}
    for f in reg.form_fields():
        value = rec.get(f.key)
        if value is None:
            continue
        if f.kind == "unit":
            body[f.column] = units[value]
        elif f.kind == "bool":
            body[f.column] = value == "是"
        elif f.kind == "int":
            body[f.column] = int(value)
        elif f.kind in ("float", "decimal"):
            body[f.column] = float(value)
        elif f.kind == "datetime":
            body[f.column] = value.replace(" ", "T")
        else:
            body[f.column] = value
    return body


def import_row(header, rec, reg):
    by_label = {f.label: f.key for f in reg.fields}
    return [rec.get(by_label.get(str(h).lstrip("*"))) for h in header]


def row_id(app, reg, rec):
    """The id of the stored record (business key, or the unique title)."""
    keys = reg.business_key or ("title",)
    with app.app_context():
        cond = [getattr(reg.model, reg.field(k).column) == rec[k] for k in keys]
        return db.session.scalar(select(reg.model.id).where(*cond))


def create(app, name, rec, api, feed_user, user="weidu_handler"):
    """Store ``rec`` the way the case table says; returns its id."""
    reg = REGISTRIES[name]
    how = CREATE_BY[name]
    units = unit_ids(app)
    if how == "import":
        client = logged_in(app, "city_handler")
        header = [str(h) for h in read_xlsx(client.get(f"{base_url(reg)}/template/").data)[0]]
        body = upload(client, f"{base_url(reg)}/import/", workbook_bytes(header, [import_row(header, rec, reg)])).json
        assert body["inserted"] == 1 and body["errors"] == [], body
    elif how == "bulk":
        resp = api(feed_user).post(f"{api_url(reg)}/bulk", json=[rec])
        assert resp.status_code == 200 and resp.json["inserted"] == 1, resp.json
    elif how == "api":
        resp = api(user).post(f"{api_url(reg)}/", json=api_json(reg, rec, units))
        assert resp.status_code == 201, resp.get_data(as_text=True)
    else:
        client = logged_in(app, user)
        client.post(f"{base_url(reg)}/add", data=form_data(reg, rec, units), follow_redirects=True)
    pk = row_id(app, reg, rec)
    assert pk is not None, f"{name} not stored"
    return pk


def listed_ids(html):
    return {int(x) for x in re.findall(r'name="rowid" value="(\d+)"', html)}


def _search_args(f, value, units, positive):
    """Search-bar arguments for field ``f`` that select (or, negative, exclude) ``value``."""
    if f.search == "range":
        day = value[:10]
        if positive:
            return {f"s_{f.key}_from": day, f"s_{f.key}_to": day}
        return {f"s_{f.key}_from": "2001-01-01", f"s_{f.key}_to": "2001-12-31"}
    if f.kind == "unit":
        return {f"s_{f.key}": str(units["魏都区"] if positive else units["建安区"])}
    if f.kind == "bool":
        yes = value == "是"
        return {f"s_{f.key}": "1" if yes == positive else "0"}
    if f.is_enum:
        mine = value.split("、")[0]
        if positive:
            return {f"s_{f.key}": mine}
        with _CTX["app"].app_context():
            others = [v for v, _ in f.choices() if v not in value.split("、")]
        return {f"s_{f.key}": others[0]}
    if f.sensitive:
        return {f"s_{f.key}": value if positive else "13000000000"}
    if f.validator is dc.check_contacts and positive:
        return {f"s_{f.key}": dc.parse_contacts(value)[-1][0]}       # a contact's name
    return {f"s_{f.key}": value[1:-1] if positive and len(value) > 2 else value if positive else f"无此{_tag()}"}


# ---------------------------------------------------------------------------- tests
@pytest.mark.parametrize("name", NAMES)
def test_list_search_by_each_field_detail_and_api(app, api, feed_user, name):
    reg = REGISTRIES[name]
    rec = _records(_tag())[name]
    pk = create(app, name, rec, api, feed_user)
    units = unit_ids(app)
    client = logged_in(app, "city_handler")
    html = client.get(f"{base_url(reg)}/list/?page_size=100").get_data(as_text=True)
    assert "共 " in html and reg.title in html
    assert reg.search_fields(), name
    for f in reg.search_fields():
        value = rec[f.key]
        hit = client.get(f"{base_url(reg)}/list/", query_string=dict(_search_args(f, value, units, True),
                                                                     page_size=100)).get_data(as_text=True)
        assert pk in listed_ids(hit), (name, f.key)
        miss = client.get(f"{base_url(reg)}/list/", query_string=dict(_search_args(f, value, units, False),
                                                                      page_size=100)).get_data(as_text=True)
        assert pk not in listed_ids(miss), (name, f.key)
    # all search fields at once (AND)
    combined = {}
    for f in reg.search_fields():
        combined.update(_search_args(f, rec[f.key], units, True))
    assert pk in listed_ids(client.get(f"{base_url(reg)}/list/", query_string=combined).get_data(as_text=True))
    # detail
    show = client.get(f"{base_url(reg)}/show/{pk}")
    rest = api("city_handler").get(f"{api_url(reg)}/{pk}")
    if reg.can("D"):
        assert show.status_code == 200 and "创建时间" in show.get_data(as_text=True)
        assert rest.status_code == 200 and rest.json["result"]["created_at"]
    else:
        assert show.status_code != 200 and rest.status_code in (403, 404, 405)
    # REST list with a filter on the business key (or title)
    key = (reg.business_key or ("title",))[0]
    q = f"(filters:!((col:{reg.field(key).column},opr:eq,value:'{rec[key]}')))"
    listed = api("city_handler").get(f"{api_url(reg)}/", query_string={"q": q})
    assert listed.status_code == 200 and [r["id"] for r in listed.json["result"]] == [pk]


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRIES[n].can("C")])
def test_add_refuses_bad_input_and_stores_good_input(app, api, name):
    reg = REGISTRIES[name]
    units = unit_ids(app)
    rec = _records(_tag())[name]
    client = logged_in(app, "weidu_handler")
    bad = dict(form_data(reg, rec, units))
    broken = {}
    for f in reg.form_fields():
        if f.kind == "int" and f.min_value == 0:
            broken[f.key] = "-1"
        elif f.sensitive == "phone" or f.key.endswith("contacts"):
            broken[f.key] = "张三 12345"
        elif f.key == "latitude":
            broken[f.key] = "99"
    if not broken:
        f = next(f for f in reg.form_fields() if f.kind == "str" and f.max_length)
        broken[f.key] = "长" * (f.max_length + 1)
    bad.update(broken)
    html = client.post(f"{base_url(reg)}/add", data=bad, follow_redirects=True).get_data(as_text=True)
    assert row_id(app, reg, rec) is None
    assert any(m in html for m in ("不能小于 0", "应在 0 到", "电话号码格式不正确", "纬度应在", "姓名 电话", "不能超过")), name
    # a required field missing
    required = next(f for f in reg.form_fields() if f.required)
    missing = {k: v for k, v in form_data(reg, rec, units).items() if k != required.key}
    client.post(f"{base_url(reg)}/add", data=missing, follow_redirects=True)
    assert row_id(app, reg, rec) is None
    # API: bad → 400 with the field's reason, nothing stored
    body = api_json(reg, rec, units)
    field = next(iter(broken))
    resp = api("weidu_handler").post(f"{api_url(reg)}/", json=dict(body, **{reg.field(field).column: broken[field]}))
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert row_id(app, reg, rec) is None
    # outside the user's territory
    outside = dict(form_data(reg, rec, units), unit=str(units["尚集镇"]))
    client.post(f"{base_url(reg)}/add", data=outside, follow_redirects=True)
    assert row_id(app, reg, rec) is None
    # good
    client.post(f"{base_url(reg)}/add", data=form_data(reg, rec, units), follow_redirects=True)
    assert row_id(app, reg, rec) is not None
    rec2 = _records(_tag())[name]
    resp = api("weidu_handler").post(f"{api_url(reg)}/", json=api_json(reg, rec2, units))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert row_id(app, reg, rec2) == resp.json["id"]


def _editable_text_field(reg):
    return next(f for f in reg.form_fields() if f.kind == "str" and not f.sensitive and not f.is_enum
                and f.key not in reg.business_key)


def _new_value(f, word):
    """A fresh valid value for text field ``f``."""
    if f.validator is dc.check_contacts:
        return f"{word}王 139{uuid.uuid4().int % 10 ** 8:08d}"
    if f.validator is dc.check_cameras:
        return f"CAM{_tag()}"
    return f"{word}{_tag()}"


def _narrow(reg, rec):
    """Search arguments selecting just this record (its first text search field carries the tag)."""
    f = next(f for f in reg.search_fields() if f.search == "like")
    return {f"s_{f.key}": rec[f.key], "page_size": 100}


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRIES[n].can("U")])
def test_edit_through_page_and_api(app, api, feed_user, name):
    reg = REGISTRIES[name]
    rec = _records(_tag())[name]
    pk = create(app, name, rec, api, feed_user)
    units = unit_ids(app)
    f = _editable_text_field(reg)
    client = logged_in(app, "weidu_handler")
    page_value, api_value = _new_value(f, "页面"), _new_value(f, "接口")
    client.post(f"{base_url(reg)}/edit/{pk}", data=dict(form_data(reg, rec, units), **{f.key: page_value}),
                follow_redirects=True)
    with app.app_context():
        assert getattr(db.session.get(reg.model, pk), f.column) == page_value
    resp = api("weidu_handler").put(f"{api_url(reg)}/{pk}", json={f.column: api_value})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    with app.app_context():
        assert getattr(db.session.get(reg.model, pk), f.column) == api_value
    # a bad value is refused and changes nothing
    bad_field = next((g for g in reg.form_fields() if g.kind == "int" and g.min_value == 0), None)
    if bad_field is not None:
        resp = api("weidu_handler").put(f"{api_url(reg)}/{pk}", json={bad_field.column: -5})
        assert resp.status_code == 400
    # another county may not edit it
    assert api("jianan_handler").put(f"{api_url(reg)}/{pk}", json={f.column: "越权"}).status_code == 404


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRIES[n].can("X")])
def test_delete_single_and_selected_through_page_and_api(app, api, feed_user, name):
    reg = REGISTRIES[name]
    recs = [_records(_tag())[name] for _ in range(3)]
    ids = [create(app, name, rec, api, feed_user) for rec in recs]
    # out of scope: refused
    jianan = logged_in(app, "jianan_handler")
    assert jianan.post(f"{base_url(reg)}/action_post", data={"action": "muldelete", "rowid": [str(ids[0])]}
                       ).status_code == 404
    client = logged_in(app, "weidu_handler")
    client.post(f"{base_url(reg)}/action_post", data={"action": "muldelete", "rowid": [str(i) for i in ids[:2]]})
    assert api("weidu_handler").delete(f"{api_url(reg)}/{ids[2]}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(reg.model.id).where(reg.model.id.in_(ids))) is None


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRIES[n].can("I")])
def test_template_and_import_with_update(app, api, name):
    reg = REGISTRIES[name]
    client = logged_in(app, "city_handler")
    header = [str(h) for h in read_xlsx(client.get(f"{base_url(reg)}/template/").data)[0]]
    assert [h.lstrip("*") for h in header] == [f.label for f in reg.form_fields()]
    assert {h.lstrip("*") for h in header if h.startswith("*")} == {f.label for f in reg.form_fields() if f.required}
    assert api("city_handler").get(f"{api_url(reg)}/template").status_code == 200
    rec = _records(_tag())[name]
    data = workbook_bytes(header, [import_row(header, rec, reg)])
    assert upload(client, f"{base_url(reg)}/import/", data).json["inserted"] == 1
    again = upload(client, f"{base_url(reg)}/import/", data).json
    assert again["inserted"] == 0 and again["skipped"] == 1
    f = _editable_text_field(reg)
    new_value = _new_value(f, "导入")
    changed = dict(rec, **{f.key: new_value})
    body = upload(client, f"{base_url(reg)}/import/", workbook_bytes(header, [import_row(header, changed, reg)]),
                  update_existing=True).json
    assert body["updated"] == 1 and body["inserted"] == 0, body
    with app.app_context():
        assert getattr(db.session.get(reg.model, row_id(app, reg, rec)), f.column) == new_value
    # a bad row is reported with its row and column, nothing of it stored
    bad = dict(_records(_tag())[name])
    special = {"ums_parts": ("quantity", "-4"), "emergency_experts": ("age", "-3")}
    if name in special:
        target, bad[special[name][0]] = reg.field(special[name][0]), special[name][1]
    else:
        target = next(g for g in reg.form_fields() if g.required and g.kind != "unit" and g.key not in reg.business_key)
        bad[target.key] = None
    body = upload(client, f"{base_url(reg)}/import/", workbook_bytes(header, [import_row(header, bad, reg)])).json
    assert body["failed"] == 1 and body["errors"][0]["row"] == 2, body
    assert body["errors"][0]["column"] == [h.lstrip("*") for h in header].index(target.label) + 1
    # the API import answers the same report
    resp = api("city_handler").post(f"{api_url(reg)}/import", data={"file": (__import__("io").BytesIO(data), "x.xlsx")},
                                    content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.json["skipped"] == 1


@pytest.mark.parametrize("name", [n for n in NAMES if REGISTRIES[n].can("E")])
def test_export_selects_the_search_and_masks(app, api, feed_user, name):
    reg = REGISTRIES[name]
    rec = _records(_tag())[name]
    create(app, name, rec, api, feed_user)
    key = (reg.business_key or ("title",))[0]
    client = logged_in(app, "city_handler")
    kf = reg.field(key)
    args = {f"s_{key}": rec[key]} if kf.search == "like" else {}
    if not args:       # key not searchable: search by another text field that carries the tag
        f = next(f for f in reg.search_fields() if f.search == "like")
        args = {f"s_{f.key}": rec[f.key]}
    rows = read_xlsx(client.get(f"{base_url(reg)}/export/", query_string=args).data)
    header = [str(h) for h in rows[0]]
    assert header[:len(reg.list_fields())] == [f.label for f in reg.list_fields()]
    col = header.index(kf.label)
    assert [str(r[col]) for r in rows[1:]] == [rec[key]]
    for f in reg.fields:
        if f.sensitive and rec.get(f.key):
            cell = str(rows[1][header.index(f.label)])
            assert rec[f.key] not in cell and "*" in cell, (name, f.key)
    q = f"(filters:!((col:{kf.column},opr:eq,value:'{rec[key]}')))"
    exported = api("city_handler").get(f"{api_url(reg)}/export", query_string={"q": q})
    assert exported.status_code == 200 and len(read_xlsx(exported.data)) == 2


@pytest.mark.parametrize("name", [n for n in NAMES if not REGISTRIES[n].can("E")])
def test_no_export_where_the_manual_has_none(app, name):
    reg = REGISTRIES[name]
    assert logged_in(app, "city_handler").get(f"{base_url(reg)}/export/").status_code != 200


@pytest.mark.parametrize("name", NAMES)
def test_data_scope(app, api, feed_user, name):
    reg = REGISTRIES[name]
    rec = _records(_tag())[name]
    pk = create(app, name, rec, api, feed_user)
    expect = {"city_handler": True, "weidu_handler": name not in CITY_ONLY, "jianan_handler": False,
              "jindi_handler": name not in CITY_ONLY and name not in ABOVE_COMMUNITY}
    for user, sees in expect.items():
        client = logged_in(app, user)
        html = client.get(f"{base_url(reg)}/list/", query_string=_narrow(reg, rec)).get_data(as_text=True)
        assert (pk in listed_ids(html)) == sees, (name, user)
        if reg.can("D"):
            assert (client.get(f"{base_url(reg)}/show/{pk}").status_code == 200) == sees, (name, user)
        rest = api(user).get(f"{api_url(reg)}/{pk}")
        if reg.can("D"):
            assert rest.status_code == (200 if sees else 404), (name, user)
        if reg.can("E") and not sees:
            exported = read_xlsx(client.get(f"{base_url(reg)}/export/").data)
            key_label = reg.field((reg.business_key or ("title",))[0]).label
            col = [str(h) for h in exported[0]].index(key_label)
            assert rec[(reg.business_key or ("title",))[0]] not in [str(r[col]) for r in exported[1:]]


@pytest.mark.parametrize("name", [n for n in NAMES if any(f.sensitive for f in REGISTRIES[n].fields)])
def test_sensitive_fields_masked_in_list_api_and_encrypted(app, api, feed_user, name):
    reg = REGISTRIES[name]
    rec = _records(_tag())[name]
    pk = create(app, name, rec, api, feed_user)
    sensitive = [f for f in reg.fields if f.sensitive and rec.get(f.key)]
    assert sensitive
    html = logged_in(app, "city_handler").get(f"{base_url(reg)}/list/", query_string=_narrow(reg, rec)
                                              ).get_data(as_text=True)
    assert pk in listed_ids(html)
    rest = api("city_handler").get(f"{api_url(reg)}/{pk}").json["result"]
    for f in sensitive:
        assert rec[f.key] not in html
        assert rest[f.column] != rec[f.key] and "*" in rest[f.column], (name, f.key)
        with app.app_context():
            from app.registries.crypto import decrypt

            raw = db.session.execute(text(f"SELECT {f.column} FROM {reg.model.__tablename__} WHERE id = :id"),
                                     {"id": pk}).scalar()
            # encrypted at rest, and the ciphertext is never shown
            assert rec[f.key] not in raw and decrypt(raw) == rec[f.key] and raw[-16:] not in html
    # a head may unmask: clear in the detail, written to the operation log
    head = logged_in(app, "city_head")
    shown = head.get(f"{base_url(reg)}/show/{pk}?unmask=1").get_data(as_text=True)
    assert all(rec[f.key] in shown for f in sensitive)
