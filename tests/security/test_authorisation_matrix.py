"""Authorisation matrix: every role of ``app.security.roles`` × every route of the app's url_map.

A user per role is created in 魏都区; records of 建安区 ("another county") are looked up per
model (one sample id each; a ticket is created when the demo data has none).  The routes are
read from ``app.url_map`` when the test runs, so pages and APIs added later are covered too:

* GET lists: never a 500; a scoped list never shows the other county's record;
* GET details with the other county's id: 404 whenever the role may use the view at all (else
  401/403/redirect) — never the data, never a 500;
* POST/PUT/DELETE on the other county's id (edit, delete, bulk actions, workflow actions):
  refused (404, or 403 without the permission), the record unchanged;
* workflow API actions a role may not do on a ticket it can see: 403, nothing changed.
"""
import datetime as dt
import re
import uuid

import pytest
from flask_appbuilder import ModelRestApi, ModelView
from sqlalchemy import inspect as sa_inspect, not_, select

from app.extensions import appbuilder, db
from app.models.base import now
from app.models.job import BackgroundJob
from app.models.org import AppUser, Unit
from app.models.ticket import Application, Supervision, Ticket
from app.security.roles import ROLE_PERMISSIONS, ROLE_SCOPE
from app.security.scope import scope_clause, scope_for
from app.api.tickets import ACTION_SERVICES
from app.workflow.table import ACTIONS
from tests.security.helpers import PASSWORD, api_login, login

HOME, OTHER = "魏都区", "建安区"
# path arguments that name a row of a known model (besides FAB's ``pk`` of a model view)
ARG_MODELS = {"ticket_id": Ticket, "app_id": Application, "sup_id": Supervision, "job_id": BackgroundJob}
SKIP_ENDPOINTS = {"static", "appbuilder.static", "LocaleView.index"}
DENIED = {301, 302, 303, 401, 403, 404, 405}
# GET views that show one row: a role that may use the view must get exactly 404
DETAIL_METHODS = {"show", "get", "detail", "status", "download", "errors"}


def _unit_id(name):
    return db.session.scalar(select(Unit.id).where(Unit.name == name))


def _other_ticket():
    """A ticket held only by 建安区 (made here when the demo data has none)."""
    home = scope_for(_probe_user())
    found = db.session.scalar(select(Ticket.id).where(not_(Ticket.scope_clause(home))).limit(1))
    if found is not None:
        return found
    other = _unit_id(OTHER)
    template = db.session.scalar(select(Ticket).limit(1))
    reporter = db.session.scalar(select(AppUser.id).where(AppUser.username == "jianan_handler"))
    at = now()
    ticket = Ticket(title="建安区矩阵测试事件", description="授权矩阵测试", address="建安区", category_id=template.category_id,
                    urgency="一般", party_name="测试", party_phone="13800000000", source="网格巡查", state="open",
                    reported_at=at, reporter_id=reporter, reporter_unit_id=other, unit_id=other, grid_id=other,
                    owner_unit_id=other, updated_at=at)
    db.session.add(ticket)
    db.session.commit()
    return ticket.id


_PROBE = {}


def _probe_user():
    return db.session.get(AppUser, _PROBE["id"])


def _snapshot(model, pk):
    row = db.session.get(model, pk, populate_existing=True)
    if row is None:
        return None
    return tuple(repr(getattr(row, a.key)) for a in sa_inspect(model).column_attrs)


def _models_of_views():
    """model → [view] for every FAB model view and REST API."""
    out = {}
    for view in appbuilder.baseviews:
        model = getattr(getattr(view, "datamodel", None), "obj", None)
        if model is not None and isinstance(view, (ModelView, ModelRestApi)):
            out.setdefault(model, []).append(view)
    return out


@pytest.fixture(scope="module")
def world(app):
    """Users per role (home county), clients and tokens, the other county's sample rows."""
    with app.app_context():
        home = _unit_id(HOME)
        users = {}
        for role in ROLE_PERMISSIONS:
            name = f"mx_{uuid.uuid4().hex[:8]}"
            user = appbuilder.sm.add_user(name, f"矩阵{role}", "", f"{name}@xuchang.local",
                                          appbuilder.sm.find_role(role), password=PASSWORD)
            user.unit_id = home
            db.session.commit()
            users[role] = name
        _PROBE["id"] = db.session.scalar(select(AppUser.id).where(AppUser.username == users["管理员"]))
        probe_scope = scope_for(_probe_user())
        foreign = {Ticket: _other_ticket()}
        for model in list(_models_of_views()) + [Application, Supervision]:
            if model in foreign or not (hasattr(model, "scope_clause") or hasattr(model, "__scope_unit_column__")):
                continue
            pk = db.session.scalar(select(model.id).where(not_(scope_clause(model, probe_scope))).limit(1))
            if pk is not None:
                foreign[model] = pk
        # a job belongs to its owner only: another user's job is "another county's" row here
        job = BackgroundJob(kind="registry_export", title="矩阵测试", params="{}", user_id=db.session.scalar(
            select(AppUser.id).where(AppUser.username == "jianan_handler")), status="已完成")
        db.session.add(job)
        db.session.commit()
        foreign[BackgroundJob] = job.id
        own_ticket = db.session.scalar(select(Ticket.id).where(Ticket.scope_clause(probe_scope),
                                                               Ticket.state == "open").limit(1))
        snapshots = {(m, pk): _snapshot(m, pk) for m, pk in foreign.items()}
        own_before = _snapshot(Ticket, own_ticket)
        db.session.remove()
    clients, tokens = {}, {}
    for role, name in users.items():
        client = app.test_client()
        assert login(client, name).status_code == 302, role
        clients[role] = client
        tokens[role] = api_login(app.test_client(), name).json["access_token"]
    return {"users": users, "clients": clients, "tokens": tokens, "foreign": foreign, "snapshots": snapshots,
            "own_ticket": own_ticket, "own_before": own_before}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS or "static" in rule.rule:
            continue
        yield rule


def _view_of(endpoint):
    name = endpoint.split(".", 1)[0]
    return next((v for v in appbuilder.baseviews if v.__class__.__name__ == name), None)


def _model_for(rule):
    """The model whose row the rule's single id argument names, or None."""
    args = set(rule.arguments)
    if args in ({"pk"}, {"name", "pk"}):
        view = _view_of(rule.endpoint)
        return getattr(getattr(view, "datamodel", None), "obj", None)
    for arg, model in ARG_MODELS.items():
        if arg in args and args - {arg} <= {"action"}:
            return model
    return None


def _url(rule, pk, action=None):
    values = {}
    for arg in rule.arguments:
        if arg in ("pk",) or arg in ARG_MODELS:
            values[arg] = pk
        elif arg in ("action", "name"):
            values[arg] = action
    return rule.build(values, append_unknown=False)[1]


class _Crash:
    """An exception the test client propagated (TESTING): what a browser would see as a 500."""

    status_code = 599
    is_json = False

    def __init__(self, exc):
        self.exc = exc


def _call(world, role, method, url, api):
    try:
        return _send(world, role, method, url)
    except Exception as exc:       # noqa: BLE001  (reported as a failure with the route)
        return _Crash(exc)


def _send(world, role, method, url):
    if url.startswith("/api/"):
        client = world["clients"][role].application.test_client()
        return getattr(client, method.lower())(url, headers={"Authorization": f"Bearer {world['tokens'][role]}"},
                                               json={})
    client = world["clients"][role]
    return getattr(client, method.lower())(url, data={})


def _actions_of(rule):
    """Action names to try on a ``<name>``/``<action>`` route."""
    if "name" in rule.arguments:
        view = _view_of(rule.endpoint)
        return sorted(getattr(view, "actions", {}) or {}) or ["none"]
    if rule.endpoint.startswith("TicketWorkView"):
        from app.views.tickets import FORMS
        return sorted(FORMS)
    if rule.endpoint.startswith("TicketApi"):
        return sorted(ACTION_SERVICES)
    return ["sign", "feedback", "opinion"]


def test_every_route_for_every_role(app, world):
    failures, checked_404 = [], 0
    list_ok = {}            # (role, view name) → the role may use the view (its list answered 200)
    rules = list(_rules(app))
    foreign = world["foreign"]
    for role in world["users"]:
        # 1) GET without arguments: lists, forms, exports … no 500, no other county's row
        for rule in rules:
            if rule.arguments or "GET" not in rule.methods:
                continue
            resp = _call(world, role, "GET", rule.rule, api=rule.rule.startswith("/api/"))
            if resp.status_code >= 500:
                failures.append(f"{role} GET {rule.rule}: {resp.status_code} {getattr(resp, 'exc', '')!r:.150}")
                continue
            view = _view_of(rule.endpoint)
            model = getattr(getattr(view, "datamodel", None), "obj", None)
            if resp.status_code == 200 and view is not None:
                list_ok[(role, view.__class__.__name__)] = True
            if model in foreign and resp.status_code == 200 and ROLE_SCOPE[role].value != "all":
                pk = foreign[model]
                if resp.is_json and isinstance(resp.json, dict) and isinstance(resp.json.get("ids"), list):
                    if pk in resp.json["ids"]:
                        failures.append(f"{role} GET {rule.rule}: lists {model.__name__} #{pk} of {OTHER}")
                elif resp.mimetype == "text/html" and re.search(rf"/show/{pk}[\"'?]", resp.get_data(as_text=True)):
                    failures.append(f"{role} GET {rule.rule}: links {model.__name__} #{pk} of {OTHER}")
        # 2) and 3) routes naming one row: the other county's row, every method
        for rule in rules:
            model = _model_for(rule)
            if model is None or model not in foreign:
                continue
            sees_all = ROLE_SCOPE[role].value == "all" and model is not BackgroundJob
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            if sees_all:
                methods = [m for m in methods if m == "GET"]     # its changes would be allowed: read only
            for method in methods:
                for action in (_actions_of(rule) if {"name", "action"} & set(rule.arguments) else [None]):
                    url = _url(rule, foreign[model], action)
                    resp = _call(world, role, method, url, api=url.startswith("/api/"))
                    code = resp.status_code
                    if code >= 500:
                        failures.append(f"{role} {method} {url}: {code} {getattr(resp, 'exc', '')!r:.150}")
                    elif sees_all:
                        continue        # 系统管理员 sees every county; only "no 500" applies
                    elif code not in DENIED and not (code == 400 and method != "GET" and resp.is_json
                                                     and "CSRF" in str(resp.json)):
                        failures.append(f"{role} {method} {url}: {code} for a row of {OTHER}")
                    elif method == "GET" and rule.endpoint.rsplit(".", 1)[1] in DETAIL_METHODS \
                            and list_ok.get((role, rule.endpoint.split(".")[0])) and code != 404:
                        failures.append(f"{role} GET {url}: {code}, expected 404")
                    elif code == 404:
                        checked_404 += 1
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:80])
    assert checked_404 > 50, checked_404            # the matrix really reached the views
    with app.app_context():
        for (model, pk), before in world["snapshots"].items():
            assert _snapshot(model, pk) == before, f"{model.__name__} #{pk} of {OTHER} changed"
        db.session.remove()


def test_workflow_actions_a_role_may_not_do_answer_403(app, world):
    tid = world["own_ticket"]
    assert tid is not None
    failures = []
    for role in world["users"]:
        headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
        client = app.test_client()
        for action, service in sorted(ACTION_SERVICES.items()):
            if role in ACTIONS[service].roles:
                continue
            resp = client.post(f"/api/v1/tickets/{tid}/{action}", headers=headers, json={})
            if resp.status_code != 403 or not resp.json.get("message"):
                failures.append(f"{role} {action}: {resp.status_code} {resp.get_data(as_text=True)[:120]}")
        for method, service in (("put", "edit"), ("delete", "delete")):
            if role not in ACTIONS[service].roles:
                resp = getattr(client, method)(f"/api/v1/tickets/{tid}", headers=headers, json={"title": "越权修改"})
                if resp.status_code != 403:
                    failures.append(f"{role} {method.upper()} ticket: {resp.status_code}")
        # the pages: refused with a message, never a 500
        page = world["clients"][role]
        from app.views.tickets import FORMS
        for action in sorted(FORMS):
            if action in ACTIONS and role not in ACTIONS[action].roles:
                resp = page.post(f"/work/ticket/{tid}/{action}", data={"reason": "越权", "content": "越权"})
                if resp.status_code >= 500:
                    failures.append(f"{role} page {action}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    with app.app_context():
        assert _snapshot(Ticket, tid) == world["own_before"], "a refused action changed the ticket"
        db.session.remove()
