"""平台疑难 (§五): items from other platforms (bulk API idempotent on 来源编号, Excel import), the city's
问题研判-平台疑难 list, 签收 with 研判, then ledger → assignment → completion → finish as usual."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models.platform_item import PlatformItem
from app.models.ticket import Ticket, TimelineEntry
from tests.registries.helpers import logged_in, read_xlsx, upload, workbook_bytes
from tests.registries.test_datacenter_registries import feed_user  # noqa: F401  (fixture: 接口对接 account)
from tests.workflow.helpers import leaf_id, unit

API = "/api/v1/platform-items"


def _ok(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.json


def _item(source_id, **extra):
    rec = {"source_id": source_id, "platform": "12345", "title": f"疑难-{source_id}", "description": "反复投诉未解决",
           "difficulty_reason": "涉及多个部门职责交叉", "process_detail": "已派单三次，均被退回",
           "item_type": "城乡建设类", "address": "许昌市魏都区", "occurred_at": "2025-09-15 09:00:00",
           "county": "魏都区"}
    rec.update(extra)
    return rec


def _row(app, source_id):
    with app.app_context():
        return db.session.scalar(select(PlatformItem).where(PlatformItem.source_id == source_id))


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (PlatformItem, Ticket,
                                                                                       TimelineEntry))


def _sign_body(app, **extra):
    with app.app_context():
        body = {"judgement": "属市级统筹事项，交市住建局牵头", "judged_at": "2025-10-27 10:00:00",
                "category_id": leaf_id(), "county": "魏都区", "town": "西大街街道", "village": "金地社区",
                "longitude": 113.826, "latitude": 34.027}
    body.update(extra)
    return body


def test_same_batch_twice_updates_and_never_duplicates(app, api, feed_user):  # noqa: F811
    client = api(feed_user)
    batch = [_item("PD-IDEM-1"), _item("PD-IDEM-2")]
    first = _ok(client.post(f"{API}/bulk", json=batch))
    assert (first["inserted"], first["updated"], first["failed"]) == (2, 0, 0)
    before = _counts(app)
    batch[0]["description"] = "补充：已有 30 户联名投诉"
    second = _ok(client.post(f"{API}/bulk", json=batch))
    assert (second["inserted"], second["updated"], second["failed"]) == (0, 2, 0)
    assert _counts(app) == before and _row(app, "PD-IDEM-1").description == "补充：已有 30 户联名投诉"
    # one record on POST / is the same upsert
    third = _ok(client.post(f"{API}/", json=_item("PD-IDEM-1", title="疑难-改标题")))
    assert (third["inserted"], third["updated"]) == (0, 1) and _row(app, "PD-IDEM-1").title == "疑难-改标题"
    assert _counts(app) == before
    # per-record errors; the 研判 is the city's, never the feed's
    bad = client.post(f"{API}/bulk", json=[{"source_id": "PD-BAD", "title": ""},
                                           _item("PD-BAD-2", judgement="已研判"),
                                           _item("PD-BAD-3", longitude=200, latitude=34)])
    body = _ok(bad)
    assert body["failed"] == 3 and body["inserted"] == 0
    assert {e["index"] for e in body["errors"]} == {0, 1, 2} and "judgement" in body["errors"][1]["errors"]
    assert _counts(app) == before
    # a county clerk cannot push (no 接口对接 permission) and sees no city-wide item
    assert api("weidu_handler").post(f"{API}/bulk", json=[_item("PD-COUNTY")]).status_code == 403
    assert api("weidu_handler").post(f"{API}/", json=_item("PD-COUNTY")).status_code == 403
    assert _row(app, "PD-COUNTY") is None


def test_full_path_import_sign_ledger_assign_complete_finish(app, api):
    city_page = logged_in(app, "city_handler")
    # Excel: template, import (the registry machinery)
    template = city_page.get("/platformitemregistryview/template/")
    assert template.status_code == 200
    header = read_xlsx(template.data)[0]
    assert "来源编号" in header[0] and any("疑难原因说明" in str(h) for h in header)
    rows = [["PD-XLS-1", "万人助企", "疫情期间遗留项目欠款拖欠问题-导入", "市投资集团无法支付合同款项", "涉及法律诉讼，付款受阻",
             "已发函协调，未取得进展", "服务类", "许昌市", "2025-09-15 00:00:00", "", "", "", None, None]]
    data = workbook_bytes([h.rstrip("*") for h in header][:len(rows[0])], rows)
    resp = upload(city_page, "/platformitemregistryview/import/", data)
    assert resp.status_code == 200 and resp.json["inserted"] == 1, resp.get_data(as_text=True)
    item = _row(app, "PD-XLS-1")
    assert item.title == "疫情期间遗留项目欠款拖欠问题-导入" and item.signed_at is None
    # listed in the city's 问题研判-平台疑难 with 签收, with the manual's demo item
    tab = city_page.get("/work/board/difficult").get_data(as_text=True)
    assert "疫情期间遗留项目欠款拖欠问题-导入" in tab and f"/work/platform-item/{item.id}/sign" in tab
    assert "疫情期间遗留项目欠款拖欠问题" in tab and "疑难原因说明" in tab
    # the sign dialog shows the item and asks for the 研判
    form = city_page.get(f"/work/platform-item/{item.id}/sign").get_data(as_text=True)
    for label in ("研判结果", "研判时间", "问题(事项)类型", "事发涉及县", "事发涉及镇/街道", "事发涉及村/社区", "经度", "纬度",
                  "涉及法律诉讼，付款受阻"):
        assert label in form, label
    before = _counts(app)
    html = city_page.post(f"/work/platform-item/{item.id}/sign", data={"judgement": "", "category_id": ""},
                          follow_redirects=True).get_data(as_text=True)
    assert "研判结果不能为空" in html and _counts(app) == before
    body = _sign_body(app)
    data = {k: str(v) for k, v in body.items()}
    data["urgency"] = "紧急"
    resp = city_page.post(f"/work/platform-item/{item.id}/sign", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    tid = int(re.findall(r"/work/ticket/(\d+)", resp.headers["Location"])[0])
    item = _row(app, "PD-XLS-1")
    assert item.ticket_id == tid and item.judgement == body["judgement"] and item.signed_at is not None
    assert item.village == "金地社区" and item.judged_at.strftime("%Y-%m-%d %H:%M") == "2025-10-27 10:00"
    city = api("city_handler")
    t = _ok(city.get(f"/api/v1/tickets/{tid}"))
    assert t["source"] == "平台疑难" and t["owner_unit_id"] == unit_id(app, "许昌市") and t["status"] == "open"
    assert t["urgency"] == "紧急" and t["timeline"][-1]["action"] == "平台疑难签收"
    assert "属市级统筹事项" in t["timeline"][-1]["detail"] and t["unit"].endswith("金地社区")
    assert "ledger" in t["allowed_actions"]
    # the item's detail links its ticket
    show = city_page.get(f"/platformitemregistryview/show/{item.id}").get_data(as_text=True)
    assert f'href="/work/ticket/{tid}"' in show
    # 建立台账 → 交办 → the department signs and applies for completion → 已确认 → 办结
    zjj_id = unit_id(app, "市住房和城乡建设局")
    _ok(city.post(f"/api/v1/tickets/{tid}/ledger", json={"days": 5, "unit_type": "department",
                                                         "lead_unit_id": zjj_id, "lead_task": "牵头协调付款",
                                                         "co_unit_ids": []}))
    assert f"/work/ticket/{tid}/assign" in city_page.get("/work/board/difficult").get_data(as_text=True)
    _ok(city.post(f"/api/v1/tickets/{tid}/assign", json={}))
    zjj = api("city_zjj")
    _ok(zjj.post(f"/api/v1/tickets/{tid}/sign", json={}))
    _ok(zjj.post(f"/api/v1/tickets/{tid}/feedback", json={"content": "已约谈投资集团"}))
    _ok(zjj.post(f"/api/v1/tickets/{tid}/apply-completion", json={"content": "款项已拨付", "result": "已解决"}))
    apps = _ok(city.get(f"/api/v1/applications/?q=(mine_to_review:!t,kind:completion,status:pending,"
                        f"ticket_id:{tid})"))
    _ok(city.post(f"/api/v1/applications/{apps['result'][0]['id']}/review", json={"approve": True, "opinion": "同意"}))
    t = _ok(city.post(f"/api/v1/tickets/{tid}/finish", json={"result": "已办结", "content": "合同款项已全部支付"}))
    assert t["state"] == "closed" and t["status_words"]["事件状态"] == "已办结"
    assert f"/work/platform-item/{item.id}/sign" not in city_page.get("/work/board/difficult").get_data(as_text=True)


def unit_id(app, name):
    with app.app_context():
        return unit(name).id


def test_sign_refusals_change_nothing(app, api, feed_user):  # noqa: F811
    _ok(api(feed_user).post(f"{API}/bulk", json=[_item("PD-REFUSE")]))
    item_id = _row(app, "PD-REFUSE").id
    before = _counts(app)
    body = _sign_body(app)
    # outside the scope (a county, a department): 404; a head of the city: 403
    for username in ("weidu_handler", "city_zjj", "cs471_member"):
        resp = api(username).post(f"{API}/{item_id}/sign", json=body)
        assert resp.status_code in (403, 404), (username, resp.status_code)
    assert api("weidu_handler").post(f"{API}/{item_id}/sign", json=body).status_code == 404
    assert logged_in(app, "weidu_handler").get(f"/work/platform-item/{item_id}/sign").status_code == 404
    resp = api("city_head").post(f"{API}/{item_id}/sign", json=body)
    assert resp.status_code == 403 and resp.json["message"]
    assert api("city_handler").post(f"{API}/999999/sign", json=body).status_code == 404
    # bad input: 400 with every field's reason
    resp = api("city_handler").post(f"{API}/{item_id}/sign", json={"judgement": "", "category_id": "类",
                                                                    "judged_at": "昨天", "longitude": 500})
    assert resp.status_code == 400
    assert {"judgement", "category_id", "judged_at", "longitude"} <= set(resp.json["errors"])
    assert _counts(app) == before and _row(app, "PD-REFUSE").signed_at is None
    # signed once; a second sign is refused in Chinese, naming who signed
    t = _ok(api("city_handler").post(f"{API}/{item_id}/sign", json=body), 201)
    assert t["source"] == "平台疑难"
    after = _counts(app)
    resp = api("city_handler").post(f"{API}/{item_id}/sign", json=body)
    assert resp.status_code == 409 and "已被【姜红晓】签收" in resp.json["message"]
    assert _counts(app) == after


def test_demo_data_fills_the_tabs(app):
    page = logged_in(app, "city_handler")
    tab = page.get("/work/board/difficult").get_data(as_text=True)
    assert "疫情期间遗留项目欠款拖欠问题" in tab and "万人助企" in tab
    menu = page.get("/").get_data(as_text=True)
    assert "问题研判-平台疑难" in menu and "问题研判-一键直报" in menu and "平台疑难事项" in menu
    county = logged_in(app, "weidu_handler")
    assert "暂无待签收的平台疑难事项" in county.get("/work/board/difficult").get_data(as_text=True)
    # the demo 一键上报 and 部门上报 wait in 魏都区's 问题研判 tabs
    assert "天然气管道泄露" in county.get("/work/board/one_click").get_data(as_text=True)
    assert "政策咨询" in county.get("/work/board/triage").get_data(as_text=True)
