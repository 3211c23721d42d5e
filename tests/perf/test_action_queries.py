"""A workflow action through the API reads the user, their data scope and the working-day
calendar once, although the service, its commit and the answer (the whole ticket) all need
them; and the values kept for the request follow changes made during it."""
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.models.deadline import CalendarDay
from app.models.org import RoleDataScope
from app.security.scope import scope_for
from app.services.deadlines import load_calendar
from tests.perf.test_query_counts import statements
from tests.workflow.helpers import report_body, user


def _reads(seen, table):
    return [s for s in seen if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s.split(" WHERE ")[0]]


def test_one_action_reads_user_scope_and_calendar_once(app, api):
    member = api("cs471_member")
    with app.app_context():
        body = report_body()
    created = member.post("/api/v1/tickets/", json=body)
    assert created.status_code == 201, created.get_data(as_text=True)
    tid = created.json["id"]
    with app.app_context():
        with statements() as seen:
            resp = member.post(f"/api/v1/tickets/{tid}/escalate", json={"target": "upper", "reason": "网格无法处理"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["timeline"][-1]["action"] == "提级上报"
    assert len(_reads(seen, "ab_user")) == 1, _reads(seen, "ab_user")
    assert len(_reads(seen, "ab_role")) <= 1, _reads(seen, "ab_role")          # only FAB's Public role lookup
    assert len(_reads(seen, "role_data_scope")) == 1
    assert len(_reads(seen, "calendar_day")) <= 1


def test_request_values_follow_changes_made_in_the_request(app):
    with app.test_request_context():
        actor = user("weidu_handler")
        before = scope_for(actor)
        assert before.subtree_paths and not before.all
        row = db.session.scalar(select(RoleDataScope).where(RoleDataScope.role_id.in_([r.id for r in actor.roles]),
                                                           RoleDataScope.mode == "subtree"))
        row.mode = "all"
        db.session.flush()
        assert scope_for(actor).all
        db.session.rollback()

        day = dt.date(2031, 3, 3)                 # a Monday
        assert load_calendar().is_workday(day)
        db.session.add(CalendarDay(day=day, kind="holiday", name="测试假日"))
        db.session.flush()
        assert not load_calendar().is_workday(day)
        db.session.rollback()
