"""Deadlines (issue #9): working-day calendar, time limits, traffic lights, the overdue job, admin pages."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.base import now
from app.models.deadline import CalendarDay, TimeLimit
from app.models.dictionary import EventCategory
from app.models.ticket import OwnerPeriod, TimelineEntry
from app.services.deadlines import (WorkCalendar, add_working_days, deadline_for, flag_overdue, light, load_calendar,
                                    working_time)
from tests.conftest import login_page
from tests.workflow.helpers import LEAF, new_ticket, ticket, timeline

D = dt.datetime


def _days(first, last):
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


CAL = WorkCalendar(holidays=[*_days("2026-10-01", "2026-10-07"), dt.date(2027, 1, 1)],
                   workdays=[dt.date(2026, 10, 10)])


@pytest.mark.parametrize("start, days, expected", [
    (D(2026, 11, 25, 10), 1, D(2026, 11, 26, 10)),          # plain weekday
    (D(2026, 11, 27, 10), 1, D(2026, 11, 30, 10)),          # Friday → over the weekend to Monday
    (D(2026, 11, 28, 10), 1, D(2026, 12, 1, 0)),            # started on Saturday: counts all of Monday
    (D(2026, 9, 30, 10), 1, D(2026, 10, 8, 10)),            # 国庆 holidays skipped
    (D(2026, 10, 9, 10), 1, D(2026, 10, 10, 10)),           # Saturday 10-10 is a make-up workday
    (D(2026, 12, 31, 10), 1, D(2027, 1, 4, 10)),            # across the year end: 元旦 Friday + weekend
    (D(2026, 11, 23, 9), 5, D(2026, 11, 30, 9)),            # a working week
    (D(2026, 11, 25, 10), 0, D(2026, 11, 25, 10)),
])
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days, CAL) == expected
    assert working_time(start, expected, CAL) == dt.timedelta(days=days)


@pytest.mark.parametrize("start, end, hours", [
    (D(2026, 11, 27, 12), D(2026, 11, 30, 12), 24),         # weekend counts nothing
    (D(2026, 11, 28, 0), D(2026, 11, 30, 0), 0),
    (D(2026, 9, 30, 18), D(2026, 10, 8, 6), 12),             # holiday week counts nothing
    (D(2026, 10, 9, 23), D(2026, 10, 11, 1), 25),            # make-up Saturday counts, Sunday not
    (D(2026, 12, 31, 23), D(2027, 1, 4, 1), 2),              # year end
    (D(2026, 11, 30, 12), D(2026, 11, 30, 8), 0),            # end before start
])
def test_working_time(start, end, hours):
    assert working_time(start, end, CAL) == dt.timedelta(hours=hours)


START = D(2026, 11, 30)                                      # Monday 00:00
DEADLINE = D(2026, 12, 4, 4)                                 # 100 working hours later


@pytest.mark.parametrize("at, color", [
    (START + dt.timedelta(hours=79), "green"),               # 79 %
    (START + dt.timedelta(hours=80), "yellow"),              # 80 %
    (DEADLINE, "yellow"),                                    # 100 %: due now, not yet overdue
    (DEADLINE + dt.timedelta(seconds=1), "red"),
])
def test_light_thresholds(at, color):
    assert working_time(START, DEADLINE, CAL) == dt.timedelta(hours=100)
    assert light(START, DEADLINE, at, CAL)[0] == color


def test_light_texts():
    assert light(START, DEADLINE, START, CAL) == ("green", "剩余4个工作日")
    assert light(START, DEADLINE, DEADLINE - dt.timedelta(hours=3), CAL) == ("yellow", "剩余3小时")
    assert light(START, DEADLINE, DEADLINE + dt.timedelta(days=3, hours=2), CAL) == ("red", "超期3天")
    assert light(START, DEADLINE, DEADLINE + dt.timedelta(minutes=5), CAL) == ("red", "超期1小时")


def test_statutory_2026_calendar_is_seeded(ctx):
    cal = load_calendar()
    assert not cal.is_workday(dt.date(2026, 2, 17))          # 春节
    assert cal.is_workday(dt.date(2026, 2, 14))               # 调休上班 (Saturday)
    assert cal.is_workday(dt.date(2026, 9, 20))               # 调休上班 (Sunday)
    assert not cal.is_workday(dt.date(2026, 10, 7))
    assert cal.is_workday(dt.date(2026, 10, 8))


def test_limit_lookup_specific_category_beats_default(ctx):
    leaf = db.session.scalar(select(EventCategory).where(EventCategory.full_name == LEAF))
    other = db.session.scalar(select(EventCategory).where(EventCategory.level == 3, EventCategory.id != leaf.id))
    start = D(2026, 11, 23, 9)                                # Monday
    probe = lambda cat, urgency="一般": type("T", (), {"category_id": cat.id, "urgency": urgency})()  # noqa: E731
    assert deadline_for(probe(leaf), "handle", start) == D(2026, 11, 30, 9)       # default 一般: 5 working days
    assert deadline_for(probe(leaf, "重大"), "handle", start) == D(2026, 11, 24, 9)
    parent = TimeLimit(category_id=leaf.parent_id, urgency="一般", step="handle", amount=3, unit="day")
    db.session.add(parent)
    db.session.commit()
    try:
        assert deadline_for(probe(leaf), "handle", start) == D(2026, 11, 26, 9)   # the parent type's row
        own = TimeLimit(category_id=leaf.id, urgency="一般", step="handle", amount=6, unit="hour")
        db.session.add(own)
        db.session.commit()
        assert deadline_for(probe(leaf), "handle", start) == D(2026, 11, 23, 15)  # the leaf's own row wins
        if other.parent_id != leaf.parent_id:
            assert deadline_for(probe(other), "handle", start) == D(2026, 11, 30, 9)
        assert deadline_for(probe(leaf), "sign", start) == D(2026, 11, 24, 9)     # sign: default 1 day
    finally:
        db.session.execute(TimeLimit.__table__.delete().where(TimeLimit.category_id.in_([leaf.id, leaf.parent_id])))
        db.session.commit()


def _board(client, name, title, tid):
    html = client.get(f"/work/board/{name}?q={title}").get_data(as_text=True)
    return html if f'href="/work/ticket/{tid}"' in html else ""


def _period(tid):
    return db.session.scalar(select(OwnerPeriod).where(OwnerPeriod.ticket_id == tid))


def test_board_rows_show_the_light_and_counters_match(ctx, client, app):
    title = "路灯不亮-时限测试"
    tid = new_ticket(title)
    period = _period(tid)
    assert period.deadline == deadline_for(ticket(tid), "handle", period.started_at)
    login_page(client, "cs471_member")
    html = _board(client, "todo", title, tid)
    assert 'data-light="green"' in html and "剩余" in html
    assert not _board(client, "due_soon", title, tid) and not _board(client, "overdue", title, tid)

    period = _period(tid)
    period.started_at = now() - dt.timedelta(days=20)
    period.deadline = now() + dt.timedelta(hours=2)          # the flush hook moves the 80 % moment too
    db.session.commit()
    html = _board(client, "todo", title, tid)
    assert 'data-light="yellow"' in html and "即将超期" in html
    assert _board(client, "due_soon", title, tid) and not _board(client, "overdue", title, tid)

    period = _period(tid)
    period.deadline = now() - dt.timedelta(days=3, hours=1)
    db.session.commit()
    html = _board(client, "todo", title, tid)
    assert 'data-light="red"' in html and "超期3天" in html
    assert _board(client, "overdue", title, tid) and not _board(client, "due_soon", title, tid)
    data = client.get(f"/api/v1/tickets/{tid}").get_json()
    assert data["light"]["color"] == "red" and data["overdue"] is True
    # the list API carries the same light on each row
    listed = client.get(f"/api/v1/tickets/?q=(filters:!((col:id,opr:eq,value:{tid})))").get_json()
    assert listed["ids"] == [tid] and listed["result"][0]["light"] == data["light"]

    tiles = dict(re.findall(r'workbench-tile" href="([^"]+)" data-count="(\d+)"', client.get("/").get_data(as_text=True)))
    for board in ("due_soon", "overdue"):
        listed = re.search(r"共 (\d+) 条", client.get(f"/work/board/{board}").get_data(as_text=True)).group(1)
        assert int(tiles[f"/work/board/{board}"]) == int(listed)
    assert int(tiles["/work/board/overdue"]) >= 1


def test_flag_overdue_job_flags_once_and_is_idempotent(ctx, app):
    tid = new_ticket("井盖缺失-超期催办测试")
    period = _period(tid)
    period.deadline = now() - dt.timedelta(hours=5)
    db.session.commit()
    assert flag_overdue() >= 1
    db.session.expire_all()
    period = _period(tid)
    assert period.overdue_flagged_at is not None and period.reminder_count == 1
    assert [e.action for e in timeline(tid)].count("超期催办") == 1
    result = app.test_cli_runner().invoke(args=["portal", "flag-overdue"])
    assert result.exit_code == 0 and "新标记超期 0 项" in result.output
    assert flag_overdue() == 0
    db.session.expire_all()
    assert _period(tid).reminder_count == 1
    assert db.session.scalar(select(func.count(TimelineEntry.id)).where(
        TimelineEntry.ticket_id == tid, TimelineEntry.action == "超期催办")) == 1


def _count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize("form, message", [
    ({"day": "2026-10-05", "kind": "holiday", "name": "国庆节"}, "已经存在"),       # FAB's unique check on 日期
    ({"day": "2026-12-02", "kind": "workday", "name": "调休"}, "调休上班日必须是周六或周日"),
    ({"day": "2026-12-05", "kind": "holiday", "name": " "}, "请填写节日名称"),
])
def test_calendar_page_refuses_bad_input(ctx, client, form, message):
    login_page(client, "admin")
    before = _count(CalendarDay)
    html = client.post("/calendardayview/add", data=form, follow_redirects=True).get_data(as_text=True)
    assert message in html
    assert _count(CalendarDay) == before


def test_calendar_page_lists_and_adds(ctx, client):
    login_page(client, "admin")
    assert "春节" in client.get("/calendardayview/list/?psize_CalendarDayView=50").get_data(as_text=True)
    client.post("/calendardayview/add", data={"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
                follow_redirects=True)
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == dt.date(2027, 1, 1)))
    assert row is not None and row.kind == "holiday"
    assert add_working_days(D(2026, 12, 31, 10), 1) == D(2027, 1, 4, 10)
    db.session.delete(row)
    db.session.commit()


@pytest.mark.parametrize("form, message", [
    ({"urgency": "一般", "step": "handle", "amount": "0", "unit": "day"}, "时限必须是1到365之间的整数"),
    ({"urgency": "一般", "step": "sign", "amount": "800", "unit": "hour"}, "时限必须是1到720之间的整数"),
    ({"urgency": "紧急", "step": "handle", "amount": "2", "unit": "day"}, "该事件类型、紧急程度和环节的时限已存在"),
])
def test_time_limit_page_refuses_bad_input(ctx, client, form, message):
    login_page(client, "admin")
    before = _count(TimeLimit)
    html = client.post("/timelimitview/add", data=form, follow_redirects=True).get_data(as_text=True)
    assert message in html
    assert _count(TimeLimit) == before
    default = db.session.scalar(select(TimeLimit).where(TimeLimit.category_id.is_(None), TimeLimit.urgency == "紧急",
                                                        TimeLimit.step == "handle"))
    assert default.amount == 3


def test_time_limit_edit_refuses_and_default_cannot_be_deleted(ctx, client):
    login_page(client, "admin")
    row = db.session.scalar(select(TimeLimit).where(TimeLimit.category_id.is_(None), TimeLimit.urgency == "一般",
                                                    TimeLimit.step == "handle"))
    html = client.post(f"/timelimitview/edit/{row.id}", data={"urgency": "一般", "step": "handle", "amount": "-1",
                                                               "unit": "day"}, follow_redirects=True)
    assert "时限必须是1到365之间的整数" in html.get_data(as_text=True)
    html = client.post(f"/timelimitview/delete/{row.id}", follow_redirects=True).get_data(as_text=True)
    assert "默认时限不能删除" in html
    db.session.expire_all()
    row = db.session.get(TimeLimit, row.id)
    assert row is not None and row.amount == 5


def test_admin_pages_are_for_administrators_only(ctx, client):
    login_page(client, "cs471_member")
    assert client.get("/timelimitview/list/", follow_redirects=False).status_code in (302, 403)
    assert client.get("/calendardayview/list/", follow_redirects=False).status_code in (302, 403)


def test_supervision_deadline_counts_working_days(ctx):
    """督办时限 is counted on the working-day calendar like every other time limit."""
    from tests.workflow.helpers import act, escalate_to_county, unit

    tid = new_ticket()
    escalate_to_county(tid)
    act("weidu_handler", "open_ledger", tid, days=5, unit_type="department",
        lead_unit_id=unit("魏都区住房和城乡建设局").id, lead_task="修复")
    act("weidu_handler", "assign", tid)
    act("weidu_handler", "supervise", tid, reason="尽快处理", requirement="五个工作日内完成", days=5)
    sup = ticket(tid).supervisions[0]
    assert sup.deadline == add_working_days(sup.created_at, 5, load_calendar())
    # five working days always span a weekend: more than five calendar days
    assert sup.deadline - sup.created_at > dt.timedelta(days=5)
    assert "督办时限: 5个工作日" in timeline(tid)[-1].detail
