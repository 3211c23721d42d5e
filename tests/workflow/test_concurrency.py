"""Two users acting on the same ticket at the same moment: exactly one wins (PostgreSQL only,
where ``SELECT … FOR UPDATE`` really locks; SQLite serialises writers anyway)."""
import os
import threading

import pytest

from app.extensions import db
from app.workflow import services
from app.workflow.errors import Conflict
from tests.workflow.helpers import act, approve, escalate_to_county, new_ticket, pending, unit, user

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="row locks are only real on PostgreSQL")


def race(app, calls):
    """Run each ``fn()`` of ``calls`` in its own thread and app context at the same moment."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                fn()
                results[i] = "ok"
            except Conflict as exc:
                results[i] = exc.message
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                results[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_concurrent_signs_exactly_one_wins(app):
    with app.app_context():
        tid = new_ticket()
        act("cs471_member", "escalate", tid, target="upper", reason="上报")
        approve("cs471_leader", tid, "escalation")
        db.session.remove()
    for _ in range(3):
        results = race(app, [lambda: services.sign(user("jindi_handler"), tid)] * 2)
        assert sorted(r == "ok" for r in results) == [False, True], results
        loser = next(r for r in results if r != "ok")
        assert "已被【金地社区-张昊】签收" in loser or "数据已被他人修改" in loser
        with app.app_context():
            # make it signable again for the next round: transfer back and forth is not needed; new ticket
            tid = new_ticket()
            act("cs471_member", "escalate", tid, target="upper", reason="上报")
            approve("cs471_leader", tid, "escalation")
            db.session.remove()


def test_two_concurrent_reviews_of_one_application_exactly_one_wins(app):
    with app.app_context():
        tid = new_ticket()
        escalate_to_county(tid)
        act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
            lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")
        act("weidu_handler", "assign", tid)
        act("weidu_zjj", "sign", tid)
        act("weidu_zjj", "apply_completion", tid, content="已修复", result="完成")
        app_id = pending(tid, "completion").id
        db.session.remove()
    results = race(app, [
        lambda: services.review_application(user("weidu_handler"), app_id, approve=True, opinion="同意"),
        lambda: services.review_application(user("weidu_head"), app_id, approve=False, opinion="驳回"),
    ])
    assert sorted(r == "ok" for r in results) == [False, True], results
    with app.app_context():
        from tests.workflow.helpers import timeline
        reviews = [e for e in timeline(tid) if e.action.startswith("办结审核")]
        assert len(reviews) == 1


def test_two_concurrent_http_signs(app):
    from tests.conftest import api_token
    with app.app_context():
        tid = new_ticket()
        act("cs471_member", "escalate", tid, target="upper", reason="上报")
        approve("cs471_leader", tid, "escalation")
        db.session.remove()
    token = api_token(app.test_client(), "jindi_handler")
    statuses = []
    barrier = threading.Barrier(2)

    def run():
        client = app.test_client()
        barrier.wait(timeout=10)
        resp = client.post(f"/api/v1/tickets/{tid}/sign", json={}, headers={"Authorization": f"Bearer {token}"})
        statuses.append((resp.status_code, resp.get_json().get("message")))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(s for s, _ in statuses) == [200, 409], statuses
