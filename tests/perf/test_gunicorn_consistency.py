"""Two gunicorn workers on PostgreSQL, eight concurrent API clients doing workflow actions: every
ticket stays consistent (each race on one version won exactly once, the loser told 409, no
duplicate task, one timeline entry per accepted action, no other error)."""
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.conftest import DEMO_PASSWORD
from tests.workflow.helpers import act, approve, new_ticket, unit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TICKETS = 6
FEEDBACKS = 5           # per client and ticket, in the last round

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="gunicorn workers sharing one database is a PostgreSQL set-up "
                                       "(SQLite serialises writers and has no row locks)")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(app, database_url):
    """gunicorn with the production settings file and 2 workers on the session's database."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database_url, APP_ENV="development",
               DEMO_PASSWORD=DEMO_PASSWORD, GUNICORN_WORKERS="2", GUNICORN_BIND=f"127.0.0.1:{port}",
               GUNICORN_ACCESSLOG="/dev/null", GUNICORN_LOGLEVEL="warning")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    import requests

    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if proc.poll() is not None:
                pytest.fail("gunicorn exited:\n" + proc.stdout.read())
            try:
                if requests.get(f"{base}/login/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:      # not listening yet, or still importing the app
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer within 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Client:
    """One API client with its own connection and bearer token."""

    def __init__(self, base, username):
        import requests

        self.base, self.http = base, requests.Session()
        resp = self.http.post(f"{base}/api/v1/security/login",
                              json={"username": username, "password": DEMO_PASSWORD, "provider": "db"}, timeout=30)
        assert resp.status_code == 200, resp.text
        self.http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def version(self, tid):
        resp = self.http.get(f"{self.base}/api/v1/tickets/{tid}", timeout=30)
        assert resp.status_code == 200, resp.text
        return resp.json()["version"]

    def post(self, tid, action, body):
        return self.http.post(f"{self.base}/api/v1/tickets/{tid}/{action}", json=body, timeout=60).status_code


def _timeline_counts(ids):
    from app.models.ticket import TimelineEntry

    return dict(db.session.execute(select(TimelineEntry.ticket_id, func.count()).where(
        TimelineEntry.ticket_id.in_(ids)).group_by(TimelineEntry.ticket_id)).all())


def test_concurrent_workflow_actions_leave_every_ticket_consistent(app, server):
    from app.models.ticket import OwnerPeriod, Task

    with app.app_context():
        ids = []
        for i in range(TICKETS):
            tid = new_ticket(f"并发一致性-{i}")
            act("cs471_member", "escalate", tid, target="upper", reason="需社区处理")
            approve("cs471_leader", tid, "escalation")
            ids.append(tid)
        grid_id = unit("CS-471").id if unit("CS-471") else None
        before = _timeline_counts(ids)
        db.session.remove()
    assert grid_id is not None
    community = [Client(server, "jindi_handler") for _ in range(4)]
    grid = [Client(server, "cs471_member") for _ in range(4)]
    accepted, statuses = Counter(), Counter()
    lock = threading.Lock()

    def race(clients, action, body):
        """Both of two clients send ``action`` on every ticket with the version they both read."""
        versions = {tid: clients[0].version(tid) for tid in ids}
        jobs = [(clients[k % len(clients)], tid) for tid in ids for k in range(2)]
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda job: (job[1], job[0].post(job[1], action, dict(body, version=versions[job[1]]))),
                                  jobs))
        per_ticket = defaultdict(list)
        for tid, code in codes:
            per_ticket[tid].append(code)
            with lock:
                statuses[code] += 1
                accepted[tid] += code == 200
        for tid, got in per_ticket.items():
            assert sorted(got) == [200, 409], (action, tid, got)

    race(community, "sign", {})                                                   # 签收 of the period
    race(community, "assign", {"unit_id": grid_id, "task": "请网格员现场处置", "days": 3})  # 交办 to the grid
    race(grid, "sign", {})                                                        # 签收 of the task

    def feedbacks(client):
        for tid in ids:
            for n in range(FEEDBACKS):
                code = client.post(tid, "feedback", {"content": f"第{n + 1}次现场反馈"})
                with lock:
                    statuses[code] += 1
                    accepted[tid] += code == 200
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(feedbacks, grid + grid))

    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] == 3 * TICKETS + 8 * TICKETS * FEEDBACKS, statuses
    with app.app_context():
        after = _timeline_counts(ids)
        for tid in ids:
            assert after[tid] - before[tid] == accepted[tid], (tid, before[tid], after[tid], accepted[tid])
            tasks = db.session.scalars(select(Task).where(Task.ticket_id == tid)).all()
            assert [(t.unit_id, t.status) for t in tasks] == [(grid_id, "open")], tid
            periods = db.session.scalars(select(OwnerPeriod).where(OwnerPeriod.ticket_id == tid,
                                                                   OwnerPeriod.status == "open")).all()
            assert len(periods) == 1 and periods[0].signed_at is not None, tid
        db.session.remove()
