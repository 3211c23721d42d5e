"""Table-driven: every action, in every reachable state, as every demo user.

An action either works (and then ``allowed_actions`` offered it) or is refused with
403/404/409 and a message, and a refused action changes nothing (ticket version and
timeline length stay the same).  Never a 500, through the services and through HTTP."""
import uuid

import pytest
from sqlalchemy import func, select

from app.demo import DEMO_USERNAMES
from app.extensions import db
from app.models.org import Unit
from app.models.platform_item import PlatformItem
from app.models.ticket import Ticket
from app.workflow import services
from app.workflow.errors import Conflict, Forbidden, Invalid, NotFound, WorkflowError
from app.workflow.table import ACTIONS, TABLE, diagram, validate_table
from tests.workflow.helpers import (act, approve, escalate_to_county, leaf_id, new_ticket, pending, report_body,
                                    ticket, timeline_count, unit, user)


def _ledger(tid):
    act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")


def _assigned(tid):
    escalate_to_county(tid)
    _ledger(tid)
    act("weidu_handler", "assign", tid)


def _zjj_open(tid):
    _assigned(tid)
    act("weidu_zjj", "sign", tid)


def _township_open(tid):
    act("cs471_member", "escalate", tid, target="upper", reason="上报")
    approve("cs471_leader", tid, "escalation")
    act("jindi_handler", "sign", tid)
    act("jindi_handler", "escalate", tid, target="upper", reason="上报")
    approve("jindi_head", tid, "escalation")
    act("xidajie_handler", "sign", tid)


def _whistle_input():
    return {"title": "道路塌陷", "description": "请社区和住建局报到", "address": "延安路", "urgency": "一般",
            "unit_ids": [unit("金地社区").id, unit("魏都区住房和城乡建设局").id], "multi_dept": True,
            "response_hours": 2}


SCENARIOS = {
    "grid_open": lambda tid: None,
    "grid_escalation_pending": lambda tid: act("cs471_member", "escalate", tid, target="upper", reason="上报"),
    "community_pending_sign": lambda tid: (act("cs471_member", "escalate", tid, target="upper", reason="上报"),
                                           approve("cs471_leader", tid, "escalation")),
    "community_open": lambda tid: (act("cs471_member", "escalate", tid, target="upper", reason="上报"),
                                   approve("cs471_leader", tid, "escalation"), act("jindi_handler", "sign", tid)),
    "county_open": escalate_to_county,
    "county_ledger": lambda tid: (escalate_to_county(tid), _ledger(tid)),
    "dept_pending_sign": _assigned,
    "dept_open_supervised": lambda tid: (_zjj_open(tid), act("weidu_handler", "supervise", tid, reason="快",
                                                             requirement="快", days=1)),
    "dept_applications_pending": lambda tid: (_zjj_open(tid),
                                              act("weidu_zjj", "apply_extension", tid, days=2, reason="慢"),
                                              act("weidu_zjj", "apply_completion", tid, content="好", result="好")),
    "awaiting_ack": lambda tid: (escalate_to_county(tid), act("weidu_handler", "finish", tid, result="好", content="好")),
    "closed": lambda tid: act("cs471_member", "finish", tid, result="好", content="好"),
    "pushed": lambda tid: act("cs471_member", "escalate", tid, target="12345", reason="热线"),
    "township_whistle": lambda tid: (_township_open(tid), act("xidajie_handler", "whistle", tid, **_whistle_input()),
                                     act("jindi_handler", "whistle_checkin", tid)),
}


# 一键上报, 部门上报, 平台疑难: scenarios whose ticket is created by another entry point
def _one_click():
    return services.SERVICES["one_click_report"](user("cs471_member"), **_entry_body()).id


def _entry_body():
    body = report_body()
    del body["party_name"], body["party_phone"]
    return body


def _platform_item():
    item = PlatformItem(source_id=f"TABLE-{uuid.uuid4().hex[:12]}", platform="12345", title="平台疑难-表驱动",
                        description="多部门推诿")
    db.session.add(item)
    db.session.commit()
    return item.id


def _platform_signed():
    return services.SERVICES["sign_platform_item"](user("city_handler"), _platform_item(), judgement="市级统筹",
                                                   category_id=leaf_id()).id


CREATED = {
    "one_click_county_pending": _one_click,
    "one_click_county_open": lambda: _then(_one_click(), ("weidu_handler", "sign")),
    "one_click_city_pending": lambda: _then(_one_click(), ("weidu_handler", "sign"), ("weidu_handler", "one_click_up")),
    "dept_report_pending": lambda: services.SERVICES["department_report"](user("weidu_zjj"), **_entry_body()).id,
    "platform_city_open": _platform_signed,
}


def _then(tid, *steps):
    for username, action in steps:
        act(username, action, tid)
    return tid


def build(name):
    if name in CREATED:
        return CREATED[name]()
    tid = new_ticket()
    SCENARIOS[name](tid)
    return tid


def _child(parent_id, kinds):
    return db.session.scalar(select(Unit.id).where(Unit.parent_id == parent_id, Unit.kind.in_(kinds)).order_by(Unit.id))


def _peer(u):
    return db.session.scalar(select(Unit.id).where(Unit.parent_id == u.parent_id, Unit.kind == u.kind,
                                                   Unit.id != u.id).order_by(Unit.id))


def valid_input(action, actor, tid):
    """A plausible input for ``action`` by ``actor`` (good enough to pass validation where allowed)."""
    u = actor.unit
    app = None
    name = action
    if ACTIONS[name].app_kind:
        app = pending(tid, ACTIONS[name].app_kind)
        return {"approve": True, "opinion": "同意", **({"application_id": app.id} if app else {})}
    return {
        "edit": {"title": "修改后的标题"},
        "delete": {},
        "escalate": {"target": "upper", "reason": "需要上级处理"},
        "sign": {},
        "transfer": {"unit_id": _peer(u), "reason": "辖区调整"},
        "open_ledger": {"days": 3, "unit_type": "department",
                        "lead_unit_id": _child(u.id, ["county_dept", "city_dept"]), "lead_task": "处置"},
        "assign": {"unit_id": _child(u.id, ["community", "grid"]), "task": "处置", "days": 2},
        "feedback": {"content": "已处置"},
        "apply_completion": {"content": "已处置", "result": "完成"},
        "apply_extension": {"days": 2, "reason": "需要时间"},
        "apply_return": {"reason": "不属于本单位"},
        "supervise": {"reason": "尽快", "requirement": "按期完成", "days": 2},
        "supervision_sign": {},
        "supervision_feedback": {"content": "已落实"},
        "supervision_opinion": {"opinion": "继续跟进"},
        "finish": {"result": "已办结", "content": "已处置"},
        "acknowledge": {},
        "callback": {"method": "电话", "content": "满意", "satisfaction": 5},
        "whistle": _whistle_input(),
        "whistle_checkin": {},
        "whistle_feedback": {"content": "已到场处置"},
        "close_whistle": {},
        "one_click_up": {"reason": "情况重大，直报市级"},
    }[name]


def snapshot(tid):
    db.session.expire_all()
    t = ticket(tid)
    return (t.version, timeline_count(tid)) if t is not None else None


def test_table_is_valid_and_draws_itself():
    validate_table()
    assert "stateDiagram-v2" in diagram() and "pending_sign --> open : 签收" in diagram()
    assert "建立台账" in diagram("text")
    assert all(a.roles and a.kinds and a.states for a in TABLE)
    assert set(services.SERVICES) == set(ACTIONS)


@pytest.mark.parametrize("scenario", list(SCENARIOS) + list(CREATED))
def test_every_action_as_every_user(ctx, scenario):
    tid = build(scenario)
    allowed_pairs = []
    for username in DEMO_USERNAMES:
        actor = user(username)
        try:
            visible = services.load_ticket(actor, tid, lock=False)
            allowed = set(services.allowed_actions(visible, actor))
            db.session.rollback()
        except NotFound:
            db.session.rollback()
            allowed = set()
        for action in ACTIONS:
            if ACTIONS[action].states == ("new",):    # creating actions have no ticket to refuse on
                continue
            if action in allowed:
                allowed_pairs.append((username, action))
                continue
            before = snapshot(tid)
            with pytest.raises((Forbidden, Conflict, NotFound)) as err:
                services.SERVICES[action](user(username), tid, **valid_input(action, user(username), tid))
            assert err.value.message and err.value.http_status in (403, 404, 409)
            assert snapshot(tid) == before, f"{username} {action} changed the ticket although refused"
    # every allowed action really works on a fresh ticket in the same state (or asks for better input)
    assert allowed_pairs or scenario in ("closed", "pushed")
    for username, action in allowed_pairs:
        fresh = build(scenario)
        actor = user(username)
        try:
            services.SERVICES[action](actor, fresh, **valid_input(action, actor, fresh))
        except Invalid as exc:
            assert exc.errors, (username, action)
        except WorkflowError as exc:     # pragma: no cover - a disagreement between table and service
            pytest.fail(f"{scenario}: {username} {action} offered but refused: {exc.message}")


API_NAMES = ["sign", "finish", "acknowledge", "escalate", "transfer", "ledger", "assign", "feedback",
             "apply-completion", "apply-extension", "apply-return", "supervise", "callback", "whistle",
             "close-whistle", "checkin", "whistle-feedback", "one-click-up"]


@pytest.mark.parametrize("scenario", ["community_open", "dept_open_supervised", "awaiting_ack", "township_whistle",
                                      "one_click_county_open"])
def test_every_api_action_as_every_user_never_500(app, api, scenario):
    with app.app_context():
        tid = build(scenario)
        db.session.remove()
    for username in DEMO_USERNAMES:
        client = api(username)
        for name in API_NAMES:
            with app.app_context():
                before = snapshot(tid)
                db.session.remove()
            resp = client.post(f"/api/v1/tickets/{tid}/{name}", json={"reason": "x", "content": "y", "result": "z"})
            assert resp.status_code in (200, 400, 403, 404, 409), (username, name, resp.get_data(as_text=True))
            assert resp.json.get("message") or resp.status_code == 200
            if resp.status_code != 200:
                with app.app_context():
                    assert snapshot(tid) == before, (username, name)
                    db.session.remove()
        for url in (f"/api/v1/tickets/{tid}", "/api/v1/applications/?q=(mine_to_review:!t)",
                    "/api/v1/supervisions/?q=(mine:supervising_me)", "/api/v1/tickets/?q=(page_size:5)"):
            resp = client.get(url)
            assert resp.status_code in (200, 404), (username, url, resp.get_data(as_text=True))


@pytest.mark.parametrize("action", ["one_click_report", "department_report", "sign_platform_item"])
def test_creating_actions_as_every_user(ctx, action):
    """An entry point works exactly for the roles and unit kinds of its row; a refusal creates nothing."""
    act_row = ACTIONS[action]
    for username in DEMO_USERNAMES:
        actor = user(username)
        permitted = bool({r.name for r in actor.roles} & set(act_row.roles)) and actor.unit.kind in act_row.kinds
        args = (_platform_item(),) if action == "sign_platform_item" else ()
        body = {"judgement": "研判", "category_id": leaf_id()} if args else _entry_body()
        before = db.session.scalar(select(func.count()).select_from(Ticket))
        try:
            services.SERVICES[action](actor, *args, **body)
        except (Forbidden, NotFound) as exc:
            assert not permitted and exc.message, (username, action)
            db.session.rollback()
            assert db.session.scalar(select(func.count()).select_from(Ticket)) == before
        else:
            assert permitted, (username, action)
            assert db.session.scalar(select(func.count()).select_from(Ticket)) == before + 1
