"""Feeds from other platforms (12345, 运管服, 万人助企, 市长信箱, 热力站): read-only pages and
``POST /api/v1/<name>/bulk`` — idempotent on the source id, per-record errors, limits."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import OperationLog
from app.models.datacenter import HotlineOrder
from app.models.org import Unit
from app.registries import datacenter as dc
from tests.registries.helpers import logged_in
from tests.registries.test_datacenter_registries import (REGISTRIES, _records, _tag, api_url, base_url, create,
                                                         feed_user, row_id)  # noqa: F401  (fixture)

FEEDS = [r.name for r in dc.FEED_REGISTRIES]


def _key(reg, rec):
    return tuple(rec[k] for k in reg.business_key)


def _batch(name, n=3):
    return [_records(_tag())[name] for _ in range(n)]


def _count(app, reg, recs):
    with app.app_context():
        return sum(1 for rec in recs if row_id(app, reg, rec) is not None)


def test_feed_registries_are_the_manuals():
    assert set(FEEDS) == {"hotline_orders", "ums_parts", "ums_cases", "enterprise_requests", "mayor_letters",
                          "heat_stations"}
    for reg in dc.FEED_REGISTRIES:
        assert not set("CUX") & set(reg.ops), reg.name


@pytest.mark.parametrize("name", FEEDS)
def test_same_batch_twice_updates_and_never_duplicates(app, api, feed_user, name):
    reg = REGISTRIES[name]
    client = api(feed_user)
    batch = _batch(name)
    first = client.post(f"{api_url(reg)}/bulk", json=batch)
    assert first.status_code == 200 and first.json["inserted"] == 3 and first.json["failed"] == 0, first.json
    ids = [row_id(app, reg, rec) for rec in batch]
    # same keys, one value changed: updated in place
    field = next(f for f in reg.form_fields() if f.kind == "str" and f.key not in reg.business_key
                 and not f.sensitive and not f.validator)
    for i, rec in enumerate(batch):
        rec[field.key] = f"已更新{i}"
    second = client.post(f"{api_url(reg)}/bulk", json=batch)
    assert second.json["inserted"] == 0 and second.json["updated"] == 3, second.json
    third = client.post(f"{api_url(reg)}/bulk", json=batch)
    assert third.json["inserted"] == 0 and third.json["updated"] == 3
    assert [row_id(app, reg, rec) for rec in batch] == ids
    with app.app_context():
        key_col = getattr(reg.model, reg.field(reg.business_key[0]).column)
        for rec in batch:
            rows = db.session.scalars(select(reg.model).where(key_col == rec[reg.business_key[0]])).all()
            assert len(rows) == 1 and getattr(rows[0], field.column) == rec[field.key]


@pytest.mark.parametrize("name", FEEDS)
def test_per_record_errors_store_the_valid_records(app, api, feed_user, name):
    reg = REGISTRIES[name]
    good, bad_value, unknown, dup = _batch(name, 4)
    required = next(f for f in reg.form_fields() if f.required and f.key not in reg.business_key) \
        if name != "ums_parts" else reg.field("quantity")
    bad_value[required.key] = None if name != "ums_parts" else -1
    unknown["no_such_field"] = 1
    dup_of_good = dict(dup, **{k: good[k] for k in reg.business_key})
    batch = [good, bad_value, "not an object", unknown, dup_of_good]
    resp = api(feed_user).post(f"{api_url(reg)}/bulk", json=batch)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.json
    assert body["inserted"] == 1 and body["failed"] == 4
    errors = {e["index"]: e["errors"] for e in body["errors"]}
    assert set(errors) == {1, 2, 3, 4}
    assert required.key in errors[1]
    assert "_record" in errors[2] and "no_such_field" in errors[3]
    assert "重复" in errors[4][reg.business_key[0]][0]
    assert _count(app, reg, [good]) == 1 and _count(app, reg, [bad_value, unknown]) == 0


def test_validation_of_feed_values(app, api, feed_user):
    client = api(feed_user)
    hot = _records(_tag())["hotline_orders"]
    cases = [
        dict(hot, source_id=f"V{_tag()}", requester_phone="12345"),
        dict(hot, source_id=f"V{_tag()}", finished_at="2020-01-01 00:00:00"),     # before 受理时间
        dict(hot, source_id=f"V{_tag()}", order_type="闲聊"),
        dict(hot, source_id=f"V{_tag()}", accepted_at="昨天"),
        dict(hot, source_id=f"V{_tag()}", is_visited="也许"),
        dict(hot, source_id=f"V{_tag()}", address="长" * 600),
        dict(hot, source_id=f"V{_tag()}", address=["a", "b"]),
        dict(hot, source_id=f"V{_tag()}", address="nul\x00byte"),
        dict(hot, source_id=f"V{_tag()}", address="lone \udbf2 surrogate"),
    ]
    body = client.post("/api/v1/hotline_orders/bulk", json=cases).json
    assert body["inserted"] == 0 and body["failed"] == len(cases)
    fields = [next(iter(e["errors"])) for e in body["errors"]]
    assert fields == ["requester_phone", "finished_at", "order_type", "accepted_at", "is_visited", "address",
                      "address", "address", "address"]
    part = dict(major_code=f"P{_tag()}", minor_code="01", quantity=2 ** 40)
    assert "quantity" in client.post("/api/v1/ums_parts/bulk", json=[part]).json["errors"][0]["errors"]
    ent = dict(_records(_tag())["enterprise_requests"], credit_code="91411000MA44XXXX0X")
    assert "credit_code" in client.post("/api/v1/enterprise_requests/bulk", json=[ent]).json["errors"][0]["errors"]
    case = dict(_records(_tag())["ums_cases"], longitude="200")
    assert "longitude" in client.post("/api/v1/ums_cases/bulk", json=[case]).json["errors"][0]["errors"]


def test_limits_and_malformed_bodies(app, api, feed_user):
    client = api(feed_user)
    url = "/api/v1/hotline_orders/bulk"
    too_many = [dict(_records("X")["hotline_orders"], source_id=f"N{i}") for i in range(1001)]
    resp = client.post(url, json=too_many)
    assert resp.status_code == 413 and "1000" in resp.json["message"]
    with app.app_context():
        assert db.session.scalar(select(HotlineOrder.id).where(HotlineOrder.source_id == "N0")) is None
    for raw, words in [(b"{not json", "JSON"), (b'{"a": 1}', "数组"), (b"[]", "为空"), (b"\xff\xfe", "JSON"),
                       (b"[" * 100000 + b"]" * 100000, "JSON")]:
        resp = client.post(url, data=raw, content_type="application/json")
        assert resp.status_code == 400 and words in resp.json["message"], (raw[:10], resp.get_data(as_text=True))


def test_bulk_needs_the_integration_role(app, api, feed_user):
    rec = _records(_tag())["hotline_orders"]
    assert api("city_handler").post("/api/v1/hotline_orders/bulk", json=[rec]).status_code == 403
    assert api("weidu_handler").post("/api/v1/hotline_orders/bulk", json=[rec]).status_code == 403
    assert app.test_client().post("/api/v1/hotline_orders/bulk", json=[rec]).status_code == 401
    # not a feed: no bulk endpoint at all; the integration account cannot read other registries
    assert api(feed_user).post("/api/v1/petitions/bulk", json=[{}]).status_code in (403, 404, 405)
    assert api(feed_user).get("/api/v1/petitions/").status_code == 403
    assert api(feed_user).get("/api/v1/hotline_orders/").status_code == 200


@pytest.mark.parametrize("name", FEEDS)
def test_feed_pages_and_api_are_read_only(app, api, feed_user, name):
    reg = REGISTRIES[name]
    rec = _records(_tag())[name]
    pk = create(app, name, rec, api, feed_user)
    client = logged_in(app, "city_handler")
    html = client.get(f"{base_url(reg)}/list/").get_data(as_text=True)
    assert "js-delete-one" not in html and "/add" not in html
    assert client.get(f"{base_url(reg)}/add").status_code != 200
    assert client.get(f"{base_url(reg)}/edit/{pk}").status_code != 200
    rest = api("city_handler")
    assert rest.post(f"{api_url(reg)}/", json={}).status_code in (403, 404, 405)
    assert rest.put(f"{api_url(reg)}/{pk}", json={}).status_code in (403, 404, 405)
    assert rest.delete(f"{api_url(reg)}/{pk}").status_code in (403, 404, 405)
    assert row_id(app, reg, rec) == pk


def test_unit_is_derived_from_the_territory_names(app, api, feed_user):
    client = api(feed_user)
    t = _tag()
    recs = [dict(_records(t)["hotline_orders"], source_id=f"U1{t}", county="建安区", street="尚集镇"),
            dict(_records(t)["hotline_orders"], source_id=f"U2{t}", county="禹州市", street="不存在的街道"),
            dict(_records(t)["hotline_orders"], source_id=f"U3{t}", county="外省", street="外省街道")]
    assert client.post("/api/v1/hotline_orders/bulk", json=recs).json["inserted"] == 3
    with app.app_context():
        got = dict(db.session.execute(select(HotlineOrder.source_id, Unit.name).outerjoin(Unit, HotlineOrder.unit)
                                      .where(HotlineOrder.source_id.like(f"U_{t}"))).all())
    assert got == {f"U1{t}": "尚集镇", f"U2{t}": "禹州市", f"U3{t}": None}
    # a county clerk may import only orders of its own territory
    from tests.registries.helpers import read_xlsx, upload, workbook_bytes
    from tests.registries.test_datacenter_registries import import_row
    reg = REGISTRIES["hotline_orders"]
    weidu = logged_in(app, "weidu_handler")
    header = [str(h) for h in read_xlsx(weidu.get(f"{base_url(reg)}/template/").data)[0]]
    rows = [import_row(header, dict(_records(_tag())["hotline_orders"], county="建安区", street="尚集镇"), reg),
            import_row(header, _records(_tag())["hotline_orders"], reg)]
    body = upload(weidu, f"{base_url(reg)}/import/", workbook_bytes(header, rows)).json
    assert body["inserted"] == 1 and body["failed"] == 1 and "管辖范围" in body["errors"][0]["message"]


def test_bulk_is_logged(app, api, feed_user):
    api(feed_user).post("/api/v1/heat_stations/bulk", json=_batch("heat_stations", 1))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OperationLog).where(
            OperationLog.username == feed_user, OperationLog.action == "接口推送热力站数据")) >= 1


def test_composite_key_of_ums_parts(app, api, feed_user):
    t = _tag()
    parts = [dict(major_code=f"P{t}", minor_code="01", quantity=1), dict(major_code=f"P{t}", minor_code="02", quantity=2)]
    client = api(feed_user)
    assert client.post("/api/v1/ums_parts/bulk", json=parts).json["inserted"] == 2
    body = client.post("/api/v1/ums_parts/bulk", json=[dict(parts[1], quantity=5)]).json
    assert body["updated"] == 1 and body["inserted"] == 0
    from app.models.datacenter import UmsPart
    with app.app_context():
        assert sorted(db.session.execute(select(UmsPart.minor_code, UmsPart.quantity)
                                         .where(UmsPart.major_code == f"P{t}")).all()) == [("01", 1), ("02", 5)]


def test_city_wide_feed_is_imported_by_the_city_only(app):
    from tests.registries.helpers import read_xlsx, upload, workbook_bytes
    from tests.registries.test_datacenter_registries import import_row
    reg = REGISTRIES["ums_parts"]
    weidu = logged_in(app, "weidu_handler")
    header = [str(h) for h in read_xlsx(weidu.get(f"{base_url(reg)}/template/").data)[0]]
    rec = _records(_tag())["ums_parts"]
    body = upload(weidu, f"{base_url(reg)}/import/", workbook_bytes(header, [import_row(header, rec, reg)])).json
    assert body["inserted"] == 0 and "市级" in body["errors"][0]["message"]
    assert row_id(app, reg, rec) is None
