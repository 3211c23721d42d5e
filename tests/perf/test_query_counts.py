"""No N+1 queries: every list page issues the same SQL statements whether it shows a few rows or
a full page (statements counted with a SQLAlchemy engine event listener; an eager ``IN`` load
may appear once more or less, never once per row)."""
import contextlib
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import event, func, insert, inspect, select, update

from app.extensions import db
from tests.registries.helpers import logged_in
from tests.workflow.helpers import act, approve, escalate_to_county, new_ticket, unit

BOARD_USERS = {"patrol": "cs471_member", "done": "cs471_member"}      # every other board: 金地社区
# boards the fixture surely fills; the deadline boards depend on the deadline rules in force
FILLED = ("patrol", "done", "pending", "todo", "triage", "ledger_todo")


@contextlib.contextmanager
def statements():
    """Collect the SQL statements run inside the block."""
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


class Statements(list):
    """The statements of one request."""

    def grown(self, fewer):
        """Statements run more often here than in ``fewer``."""
        mine, theirs = Counter(self), Counter(fewer)
        return [(n - theirs[s], s) for s, n in mine.items() if n > theirs[s]]

    def per_row(self, fewer):
        """The N+1 suspects: statements that grew, except one eager ``IN (…)`` load each (its
        parameter count follows the rows; SQLAlchemy skips it when every target is already
        loaded, so a page may have one more of them)."""
        return [f"{n} × {s[:300]} … {s[-200:]}" for n, s in self.grown(fewer) if n > 1 or " IN (" not in s]

    def same_as(self, fewer):
        return len(self) - len(fewer) <= len(self.grown(fewer)) - len(self.per_row(fewer)) and not self.per_row(fewer)


def counted(app, client, url):
    """(SQL statements, page text) of one GET."""
    with app.app_context():
        with statements() as seen:
            resp = client.get(url)
    assert resp.status_code == 200, url
    return Statements(seen), resp.get_data(as_text=True)


@pytest.fixture(scope="module")
def busy_community(app):
    """25 tickets escalated to 金地社区: 13 waiting for its signature, 12 signed (half of them
    past their deadline, half close to it), so the boards of cs471_member and jindi_handler fill."""
    from app.models.base import now
    from app.models.ticket import OwnerPeriod

    with app.app_context():
        ids = []
        for i in range(25):
            tid = new_ticket(f"查询次数测试-{i}")
            act("cs471_member", "escalate", tid, target="upper", reason="需社区处理")
            approve("cs471_leader", tid, "escalation")
            if i % 2:
                act("jindi_handler", "sign", tid)
            ids.append(tid)
        # tickets 魏都区 finished: its 我的已办 rows run the 回访 check, which reads the callbacks
        for i in range(6):
            tid = new_ticket(f"查询次数测试-办结-{i}")
            escalate_to_county(tid)
            act("weidu_handler", "finish", tid, result="已解决", content="区级处置完毕")
            ids.append(tid)
        period_ids = db.session.scalars(select(OwnerPeriod.id).where(
            OwnerPeriod.unit_id == unit("金地社区").id, OwnerPeriod.status == "open",
            OwnerPeriod.ticket_id.in_(ids))).all()
        columns = inspect(OwnerPeriod).columns.keys()
        for n, pid in enumerate(period_ids):
            values = {"deadline": now() - dt.timedelta(days=3) if n % 2 else now() + dt.timedelta(hours=1)}
            if "due_soon_at" in columns:
                values["due_soon_at"] = now() - dt.timedelta(days=4 if n % 2 else 1)
            db.session.execute(update(OwnerPeriod).where(OwnerPeriod.id == pid).values(**values))
        db.session.commit()
        db.session.remove()
    return ids


def _boards():
    from app.views.tickets import BOARDS

    return list(BOARDS)


@pytest.mark.parametrize("name", ["done", "ledger_done"])
def test_county_done_boards_statements_do_not_grow_with_rows(app, busy_community, monkeypatch, name):
    import app.views.tickets as views

    client = logged_in(app, "weidu_handler")
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    few, html_few = counted(app, client, f"/work/board/{name}")
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    many, html_many = counted(app, client, f"/work/board/{name}")
    assert html_many.count("查询次数测试-办结-") > html_few.count("查询次数测试-办结-") > 0, name
    assert "回访" in html_many
    assert many.same_as(few), f"{name}: {len(few)} statements for 2 rows, {len(many)} for 5: {many.per_row(few)}"


@pytest.mark.parametrize("name", _boards())
def test_ticket_board_statements_do_not_grow_with_rows(app, busy_community, monkeypatch, name):
    import app.views.tickets as views

    client = logged_in(app, BOARD_USERS.get(name, "jindi_handler"))
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    few, html_few = counted(app, client, f"/work/board/{name}")
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    many, html_many = counted(app, client, f"/work/board/{name}")
    if name in FILLED:
        assert html_many.count("查询次数测试-") > html_few.count("查询次数测试-") > 0, name
    assert many.same_as(few), f"{name}: {len(few)} statements for 2 rows, {len(many)} for 10: {many.per_row(few)}"


def _clone_first_row(model, n):
    """Insert ``n`` copies of the first row of ``model``, its unique text columns made unique;
    returns their ids (none when the table's uniqueness cannot be met this way)."""
    table = model.__table__
    first = db.session.execute(select(table).order_by(table.c.id).limit(1)).mappings().first()
    if first is None:
        return []
    unique = {c.name for c in table.columns if c.unique}
    unique |= {c.name for ix in table.indexes if ix.unique for c in ix.columns}
    unique |= {c.name for con in table.constraints if type(con).__name__ == "UniqueConstraint" for c in con.columns}
    rows = []
    for i in range(n):
        row = {k: v for k, v in first.items() if k != "id"}
        for col in unique:
            if isinstance(row.get(col), str):
                row[col] = f"{row[col][:40]}Q{i}"
            elif isinstance(row.get(col), (dt.date, dt.datetime)):
                row[col] = row[col] - dt.timedelta(days=i + 1)
        rows.append(row)
    try:
        with db.session.begin_nested():
            return list(db.session.scalars(insert(table).returning(table.c.id), rows))
    except Exception:       # uniqueness the clone cannot satisfy (hashes, composite keys): keep the rows
        return []


def test_registry_list_statements_do_not_grow_with_rows(app):
    from app.registries.views import RegistryView

    with app.test_request_context():
        from flask import url_for

        views = [(v.registry, url_for(f"{type(v).__name__}.list")) for v in app.appbuilder.baseviews
                 if isinstance(v, RegistryView)]
    clones = {}
    with app.app_context():
        for reg, _ in views:
            have = db.session.scalar(select(func.count()).select_from(reg.model))
            if have < 21:
                clones[reg.model] = _clone_first_row(reg.model, 21 - have)
        db.session.commit()
        full = [reg.name for reg, _ in views
                if db.session.scalar(select(func.count()).select_from(reg.model)) >= 20]
        db.session.remove()
    try:
        assert len(full) >= len(views) // 2, full
        client = logged_in(app, "city_handler")
        for reg, url in views:
            few, html_few = counted(app, client, f"{url}?page_size=10")
            many, html_many = counted(app, client, f"{url}?page_size=20")
            if reg.name in full:
                assert html_many.count('name="rowid"') > html_few.count('name="rowid"') > 0, reg.title
            assert many.same_as(few), \
                f"{reg.title}: {len(few)} statements for 10 rows, {len(many)} for 20: {many.per_row(few)}"
    finally:
        # the registry tests that run later count their own rows: take the copies away again
        with app.app_context():
            for model, ids in clones.items():
                if ids:
                    db.session.execute(model.__table__.delete().where(model.__table__.c.id.in_(ids)))
            db.session.commit()
            db.session.remove()


def test_review_and_supervision_list_statements_do_not_grow(app, busy_community):
    leader = logged_in(app, "cs471_leader")
    few, _ = counted(app, leader, "/work/applications/escalation/review")
    with app.app_context():
        for i in range(6):
            act("cs471_member", "escalate", new_ticket(f"查询次数测试-审核-{i}"), target="upper", reason="需社区处理")
        db.session.remove()
    many, html = counted(app, leader, "/work/applications/escalation/review")
    assert "查询次数测试-审核-5" in html
    assert many.same_as(few), \
        f"审核中心: {len(few)} statements before, {len(many)} with 6 more applications: {many.per_row(few)}"

    def supervised_ticket(title):
        tid = new_ticket(title)
        escalate_to_county(tid)
        act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
            lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")
        act("weidu_handler", "assign", tid)
        act("weidu_handler", "supervise", tid, reason="尽快", requirement="三日内", days=3)

    with app.app_context():
        supervised_ticket("查询次数测试-督办-0")
        db.session.remove()
    weidu, zjj = logged_in(app, "weidu_handler"), logged_in(app, "weidu_zjj")
    before = {"mine": counted(app, weidu, "/work/supervisions/mine")[0],
              "me": counted(app, zjj, "/work/supervisions/me")[0]}
    with app.app_context():
        for i in range(1, 4):
            supervised_ticket(f"查询次数测试-督办-{i}")
        db.session.remove()
    after = {"mine": counted(app, weidu, "/work/supervisions/mine"),
             "me": counted(app, zjj, "/work/supervisions/me")}
    for side, (n, html) in after.items():
        assert "查询次数测试-督办-3" in html, side
        assert n.same_as(before[side]), \
            f"督办 {side}: {len(before[side])} statements with 1 row, {len(n)} with 4: {n.per_row(before[side])}"


def test_ticket_list_api_with_lights_does_not_grow_with_rows(app, busy_community):
    """``GET /api/v1/tickets/`` adds each row's traffic light from one preload of the page."""
    from tests.conftest import ApiClient

    client = ApiClient(app.test_client(), "jindi_handler")

    def listed(size):
        with app.app_context():
            with statements() as seen:
                resp = client.get(f"/api/v1/tickets/?q=(page_size:{size},order_column:id,order_direction:desc)")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert len(resp.json["result"]) == size and all("light" in row for row in resp.json["result"])
        return Statements(seen), resp.json

    few, _ = listed(2)
    many, data = listed(10)
    assert any(row["light"] for row in data["result"])
    assert many.same_as(few), f"{len(few)} statements for 2 rows, {len(many)} for 10: {many.per_row(few)}"
