"""Registry-specific rules of 数据中心: generated event codes, 剩余天数, warranty flags,
contact lists, multi-valued fields, ID-card checksum, coordinates, date order."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.base import now
from app.models.datacenter import EmergencyEvent, EmergencyExpert, EmergencySupply, Petition, WaterloggingPoint
from app.registries import datacenter as dc
from tests.registries.helpers import logged_in, read_xlsx, upload, workbook_bytes
from tests.registries.test_datacenter_registries import (REGISTRIES, _records, _tag, api_json, base_url, feed_user,  # noqa: F401
                                                         form_data, import_row, listed_ids, row_id, unit_ids)


def _import(app, name, recs, user="city_handler", **flags):
    reg = REGISTRIES[name]
    client = logged_in(app, user)
    header = [str(h) for h in read_xlsx(client.get(f"{base_url(reg)}/template/").data)[0]]
    return upload(client, f"{base_url(reg)}/import/",
                  workbook_bytes(header, [import_row(header, r, reg) for r in recs]), **flags).json


# ---------------------------------------------------------------------------- 应急事件
def test_event_code_is_generated_when_blank(app, api):
    reg = REGISTRIES["emergency_events"]
    units = unit_ids(app)
    client = logged_in(app, "weidu_handler")
    titles = [f"无编号事件{_tag()}" for _ in range(2)]
    for title in titles:
        rec = dict(_records(_tag())["emergency_events"], code=None, title=title)
        client.post(f"{base_url(reg)}/add", data=form_data(reg, rec, units), follow_redirects=True)
    rec = dict(_records(_tag())["emergency_events"], code=None, title=f"接口事件{_tag()}")
    body = api_json(reg, rec, units)
    body.pop("code", None)
    assert api("weidu_handler").post("/api/v1/emergency_events/", json=body).status_code == 201
    titles.append(rec["title"])
    with app.app_context():
        codes = [db.session.scalar(select(EmergencyEvent.code).where(EmergencyEvent.title == t)) for t in titles]
    day = now().strftime("%Y%m%d")
    assert all(re.fullmatch(rf"EM{day}\d{{4}}", c) for c in codes), codes
    numbers = [int(c[-4:]) for c in codes]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


def test_event_from_ticket_is_linked_and_numbered(app):
    with app.app_context():
        unit_id = unit_ids(app)["金地社区"]
        event = dc.new_emergency_event_from_ticket(424242, title="转应急：燃气泄漏", unit_id=unit_id,
                                                   description="小区燃气泄漏", location="金地小区3栋")
        db.session.commit()
        stored = db.session.scalar(select(EmergencyEvent).where(EmergencyEvent.ticket_id == 424242))
        assert stored.code.startswith("EM") and stored.status == "待处理" and stored.unit_id == unit_id
        db.session.delete(stored)
        db.session.commit()


def test_event_date_order_and_coordinates(app, api):
    reg = REGISTRIES["emergency_events"]
    units = unit_ids(app)
    client = api("weidu_handler")
    base = api_json(reg, _records(_tag())["emergency_events"], units)
    cases = [({"reported_at": "2025-07-01T00:00:00"}, "报告时间不能早于发生时间"),
             ({"longitude": 200.0}, "经度应在"),
             ({"latitude": 60.0}, "纬度应在"),
             ({"latitude": None}, "经度和纬度应同时填写"),
             ({"economic_loss": -1}, "不能小于"),
             ({"economic_loss": 1e20}, "超出范围"),
             ({"title": "空\x00字符"}, "字符"),
             ({"location": "\udbf2"}, "字符")]
    for change, words in cases:
        resp = client.post("/api/v1/emergency_events/", json=dict(base, code=f"EMT{_tag()}", **change))
        assert resp.status_code == 400 and words in resp.json["message"], (change, resp.json)


# ---------------------------------------------------------------------------- 信访
def test_petition_remaining_days_and_default_due_date(app, api):
    today = now().date()
    t1, t2 = _tag(), _tag()
    recs = [dict(_records(t1)["petitions"], petition_date=today.isoformat(),
                 due_date=(today + dt.timedelta(days=10)).isoformat()),
            dict(_records(t2)["petitions"], petition_date=(today - dt.timedelta(days=5)).isoformat(),
                 first_date=(today - dt.timedelta(days=6)).isoformat(), last_date=today.isoformat())]
    body = _import(app, "petitions", recs)
    assert body["inserted"] == 2, body
    with app.app_context():
        p2 = db.session.scalar(select(Petition).where(Petition.petition_no == recs[1]["petition_no"]))
        assert p2.due_date == today - dt.timedelta(days=5) + dt.timedelta(days=dc.PETITION_DAYS)
        assert p2.remaining_days == dc.PETITION_DAYS - 5
    client = logged_in(app, "city_handler")
    reg = REGISTRIES["petitions"]
    html = client.get(f"{base_url(reg)}/list/?s_petition_no={recs[0]['petition_no']}").get_data(as_text=True)
    assert "<td>10</td>" in html
    rows = read_xlsx(client.get(f"{base_url(reg)}/export/?s_petition_no={recs[1]['petition_no']}").data)
    assert int(rows[1][[str(h) for h in rows[0]].index("剩余天数")]) == dc.PETITION_DAYS - 5
    pk = row_id(app, reg, recs[0])
    assert api("city_handler").get(f"/api/v1/petitions/{pk}").json["result"]["remaining_days"] == 10
    # the exported sheet imports back (derived 剩余天数 is ignored)
    head = logged_in(app, "city_head")       # may unmask: the export carries clear values
    back = upload(client, f"{base_url(reg)}/import/",
                  head.get(f"{base_url(reg)}/export/?s_petition_no={recs[0]['petition_no']}").data,
                  update_existing=True).json
    assert back["failed"] == 0 and back["updated"] == 1, back


def test_petition_idcard_checksum_and_date_order(app):
    bad = [dict(_records(_tag())["petitions"], id_number="411023198001011238"),          # wrong check digit
           dict(_records(_tag())["petitions"], first_date="2025-07-01", last_date="2025-06-01"),
           dict(_records(_tag())["petitions"], people_count="-2")]
    good = [dict(_records(_tag())["petitions"], id_type="护照", id_number="E12345678")]
    body = _import(app, "petitions", bad + good)
    assert body["inserted"] == 1 and body["failed"] == 3
    messages = " ".join(e["message"] for e in body["errors"])
    assert "校验位" in messages and "最后信访日期不能早于首次信访日期" in messages and "不能小于 0" in messages


def test_petition_idcard_search_is_exact_only(app):
    rec = _records(_tag())["petitions"]
    _import(app, "petitions", [rec])
    client = logged_in(app, "city_handler")
    base = f"{base_url(REGISTRIES['petitions'])}/list/"
    pk = row_id(app, REGISTRIES["petitions"], rec)
    assert pk in listed_ids(client.get(base, query_string={"s_id_number": rec["id_number"], "page_size": 100})
                            .get_data(as_text=True))
    assert pk not in listed_ids(client.get(base, query_string={"s_id_number": rec["id_number"][:6]})
                                .get_data(as_text=True))


# ---------------------------------------------------------------------------- 物资
def test_supply_warranty_flags_in_the_list(app):
    today = now().date()
    t = _tag()
    recs = [dict(_records(t + "A")["emergency_supplies"], name=f"过期{t}", warranty_until=(today - dt.timedelta(days=1)).isoformat()),
            dict(_records(t + "B")["emergency_supplies"], name=f"将过期{t}", warranty_until=(today + dt.timedelta(days=30)).isoformat()),
            dict(_records(t + "C")["emergency_supplies"], name=f"正常{t}", warranty_until=(today + dt.timedelta(days=31)).isoformat())]
    assert _import(app, "emergency_supplies", recs)["inserted"] == 3
    html = logged_in(app, "city_handler").get(f"{base_url(REGISTRIES['emergency_supplies'])}/list/",
                                              query_string={"s_name": t}).get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    text = {n: next(r for r in rows if n + t in r) for n in ("过期", "将过期", "正常")}
    assert "（已过期）" in text["过期"] and "（即将过期）" in text["将过期"]
    assert "过期）" not in text["正常"]


# ---------------------------------------------------------------------------- 积水点
def test_waterlogging_contacts_are_validated_per_pair_and_round_trip(app):
    t = _tag()
    good = dict(_records(t)["waterlogging_points"], street_contacts="李昭鹏15188533368  柴松杰：15736807268",
                cameras="4110020505200600001,41100200001310800110")
    bad = [dict(_records(_tag())["waterlogging_points"], street_contacts="李昭鹏15188533368 柴松杰1573680"),
           dict(_records(_tag())["waterlogging_points"], leaders="韩扬"),
           dict(_records(_tag())["waterlogging_points"], cameras="摄像头一号"),
           dict(_records(_tag())["waterlogging_points"], traffic_contacts=None)]
    body = _import(app, "waterlogging_points", [good] + bad)
    assert body["inserted"] == 1 and body["failed"] == 4, body
    with app.app_context():
        point = db.session.scalar(select(WaterloggingPoint).where(WaterloggingPoint.name == good["name"]))
        assert point.street_contacts == "李昭鹏 15188533368、柴松杰 15736807268"
        assert point.cameras == "4110020505200600001、41100200001310800110"
        before = (point.street_contacts, point.cameras, point.leaders, point.updated_at)
    client = logged_in(app, "city_handler")
    reg = REGISTRIES["waterlogging_points"]
    exported = client.get(f"{base_url(reg)}/export/", query_string={"s_name": good["name"]}).data
    back = upload(client, f"{base_url(reg)}/import/", exported, update_existing=True).json
    assert back["updated"] == 1 and back["failed"] == 0, back
    with app.app_context():
        point = db.session.scalar(select(WaterloggingPoint).where(WaterloggingPoint.name == good["name"]))
        assert (point.street_contacts, point.cameras, point.leaders) == before[:3]
    # every phone of every pair is checked on the page form too
    units = unit_ids(app)
    form = form_data(reg, dict(_records(_tag())["waterlogging_points"],
                               drainage_contacts="刘洋18637418655、张三 1234"), units)
    html = logged_in(app, "weidu_handler").post(f"{base_url(reg)}/add", data=form,
                                                 follow_redirects=True).get_data(as_text=True)
    assert "姓名 电话" in html


@pytest.mark.parametrize("text,ok", [("李昭鹏15188533368", True), ("李昭鹏 15188533368、柴松杰 15736807268", True),
                                     ("王艳 0374-1234567", True), ("王艳", False), ("15188533368", False),
                                     ("李昭鹏15188533368 ???", False), ("李昭鹏 25188533368", False)])
def test_contact_parser(text, ok):
    assert (dc.check_contacts(text) is None) == ok


# ---------------------------------------------------------------------------- 专家 / 队伍
def test_expert_domains_are_multi_valued_and_age_derived(app):
    t = _tag()
    rec = dict(_records(t)["emergency_experts"], domains="医疗救护,防汛抗旱")
    bad = dict(_records(_tag())["emergency_experts"], domains="医疗救护、占卜")
    body = _import(app, "emergency_experts", [rec, bad])
    assert body["inserted"] == 1 and body["failed"] == 1 and "可选" in body["errors"][0]["message"]
    with app.app_context():
        expert = db.session.scalar(select(EmergencyExpert).where(EmergencyExpert.name == rec["name"]))
        assert expert.domains == "医疗救护、防汛抗旱"
        born = dt.date(1975, 3, 12)
        today = now().date()
        assert expert.age == today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    client = logged_in(app, "city_handler")
    base = f"{base_url(REGISTRIES['emergency_experts'])}/list/"
    pk = row_id(app, REGISTRIES["emergency_experts"], rec)
    assert pk in listed_ids(client.get(base, query_string={"s_domains": "防汛抗旱", "s_name": rec["name"]})
                            .get_data(as_text=True))
    assert pk not in listed_ids(client.get(base, query_string={"s_domains": "消防救援", "s_name": rec["name"]})
                                .get_data(as_text=True))


def test_rescue_team_types_and_founding_date(app):
    rec = dict(_records(_tag())["rescue_teams"], categories="综合，防汛，森林防灭火")
    late = dict(_records(_tag())["rescue_teams"], founded_on=(now().date() + dt.timedelta(days=3)).isoformat())
    body = _import(app, "rescue_teams", [rec, late])
    assert body["inserted"] == 1 and "成立时间" in body["errors"][0]["message"]
    from app.models.datacenter import RescueTeam
    with app.app_context():
        assert db.session.scalar(select(RescueTeam.categories).where(RescueTeam.code == rec["code"])) == \
            "综合、防汛、森林防灭火"


def test_manual_demo_rows(app):
    """The demo seeder stores the manual's sample rows (checked inside a rolled-back
    transaction: other tests may have changed or deleted the seeded rows)."""
    from app.models.datacenter import HotlineOrder, Shelter
    from app.models.org import AppUser, Unit

    models = [r.model for r in dc.DATACENTER_REGISTRIES]
    with app.app_context():
        try:
            for model in models:
                db.session.execute(model.__table__.delete())
            units = {u.name: u for u in db.session.scalars(select(Unit))}
            users = {u.username: u for u in db.session.scalars(select(AppUser))}
            dc._demo_datacenter(units, users)
            supply = db.session.scalar(select(EmergencySupply).where(EmergencySupply.code == "MT001"))
            assert (supply.name, supply.quantity, supply.measure_unit) == ("应急帐篷", 100, "顶")
            shelter = db.session.scalar(select(Shelter).where(Shelter.code == "SH001"))
            assert shelter.name == "市体育馆应急避难所" and (shelter.longitude, shelter.latitude) == (113.843813, 34.023286)
            assert db.session.scalar(select(HotlineOrder.unit_id).where(HotlineOrder.source_id == "1185206")) == \
                units["西大街街道"].id
            point = db.session.scalar(select(WaterloggingPoint).where(WaterloggingPoint.name == "八一路劳动路口东"))
            assert point.street_contacts == "李昭鹏 15188533368、柴松杰 15736807268"
            for model in models:
                assert db.session.scalar(select(model.id).limit(1)) is not None, model.__name__
        finally:
            db.session.rollback()
