"""首页 charts: the single-pass computation gives the figures of a plain per-ticket count over the
tickets the scope shows; the cache serves expired figures while one refresh runs, and the
scheduled refresh fills it for every county and city territory."""
import datetime as dt
import json
import re
import threading
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.base import now
from app.models.org import AppUser, Unit
from app.models.ticket import Task, Ticket
from app.security.scope import scope_for
from app.services import cache
from tests.registries.helpers import logged_in


def _page_charts(client):
    """The chart data the 首页 hands to its scripts."""
    html = client.get("/").get_data(as_text=True)
    return json.loads(re.search(r'id="workbench-data">(.*?)</script>', html, re.S).group(1))


def _user(username):
    return db.session.scalar(select(AppUser).where(AppUser.username == username))


def _unit(name):
    return db.session.scalar(select(Unit).where(Unit.name == name))


@pytest.fixture(scope="module")
def extra_tickets(app):
    """Tickets beyond the demo data: one of 建安区 that a 魏都区 unit worked on through a (live,
    overdue) task, which 魏都区 sees; one of 建安区 alone, which it does not; one of its own,
    finished today."""
    with app.app_context():
        weidu, jianan = _unit("魏都区"), _unit("建安区")
        town = _unit("西大街街道")
        at = now()
        made = []

        def ticket(unit, title, **fields):
            row = Ticket(unit_id=unit.id, title=title, source=fields.pop("source", "部门上报"),
                         reported_at=fields.pop("reported_at", at - dt.timedelta(days=3)), **fields)
            db.session.add(row)
            db.session.flush()
            made.append(row.id)
            return row

        helped = ticket(jianan, "图表测试-魏都协办", state="open", reporter_unit_id=jianan.id)
        db.session.add(Task(ticket_id=helped.id, unit_id=town.id, assigner_unit_id=jianan.id, status="open",
                            deadline=at - dt.timedelta(days=1)))
        ticket(jianan, "图表测试-建安自办", state="closed", source="领导批示", reporter_unit_id=jianan.id,
               finished_at=at - dt.timedelta(days=1))
        ticket(weidu, "图表测试-魏都已办", state="closed", reporter_unit_id=weidu.id,
               reported_at=at - dt.timedelta(days=40), finished_at=at - dt.timedelta(hours=1))
        db.session.commit()
        ids = dict(helped=made[0], other=made[1], own=made[2])
    yield ids
    with app.app_context():
        for row in db.session.scalars(select(Ticket).where(Ticket.id.in_(made))):
            db.session.delete(row)
        db.session.commit()


def reference_charts(user, scope, days=30):
    """What the charts show, counted ticket by ticket in Python over ``Ticket.scope_clause``."""
    from app.services.workbench import LIVE
    from app.workflow.table import STATE_LABELS

    tickets = db.session.execute(select(Ticket.id, Ticket.unit_id, Ticket.state, Ticket.source, Ticket.reported_at,
                                        Ticket.finished_at).where(Ticket.scope_clause(scope))).all()
    paths = dict(db.session.execute(select(Unit.id, Unit.path)).all())
    children = db.session.scalars(select(Unit).where(Unit.parent_id == user.unit_id, Unit.kind.in_(
        ("county", "township"))).order_by(Unit.sort_order, Unit.id)).all()
    at = now()
    start = (at - dt.timedelta(days=days - 1)).replace(hour=0, minute=0, second=0)
    axis = [(start + dt.timedelta(days=i)).date().isoformat() for i in range(days)]
    new = Counter(t.reported_at.date().isoformat() for t in tickets if t.reported_at >= start)
    done = Counter(t.finished_at.date().isoformat() for t in tickets if t.finished_at and t.finished_at >= start)
    spans = [(t.finished_at - t.reported_at).total_seconds() / 86400 for t in tickets if t.finished_at]
    visible = {t.id for t in tickets}
    overdue = Counter(name for name, ticket_id in db.session.execute(
        select(Unit.name, Task.ticket_id).join(Unit, Unit.id == Task.unit_id)
        .where(Task.status.in_(LIVE), Task.deadline < at)) if ticket_id in visible)
    return {
        "by_state": [(STATE_LABELS.get(s, s), n) for s, n in sorted(Counter(t.state for t in tickets).items())],
        "by_source": sorted(Counter(t.source for t in tickets).items()),
        "by_area": [(c.name, sum(1 for t in tickets if paths[t.unit_id].startswith(c.path))) for c in children],
        "trend": {"days": axis, "new": [new[d] for d in axis], "finished": [done[d] for d in axis]},
        "overdue_by_unit": sorted(overdue.items(), key=lambda item: (-item[1], item[0]))[:10],
        "avg_handling_days": round(sum(spans) / len(spans), 1) if spans else None,
    }, visible


@pytest.mark.parametrize("username", ["weidu_handler", "jianan_handler", "city_handler"])
def test_charts_equal_a_per_ticket_count(ctx, extra_tickets, username):
    from app.services.workbench import charts

    user = _user(username)
    scope = scope_for(user)
    expected, visible = reference_charts(user, scope)
    assert charts(user, scope) == expected
    if username == "weidu_handler":
        # handled by a 魏都区 unit through a task: counted although it lies in 建安区
        assert extra_tickets["helped"] in visible and extra_tickets["other"] not in visible
    assert sum(expected["trend"]["new"]) and sum(expected["trend"]["finished"])


def test_no_charts_below_the_county(ctx):
    from app.services.workbench import charts

    user = _user("cs471_member")
    assert charts(user, scope_for(user)) is None


# --- stale-while-revalidate ----------------------------------------------------------------
@pytest.fixture()
def clock(monkeypatch):
    """``time.time`` of the cache module, moved by hand; background refreshes collected, not run."""
    state = {"now": 1_000_000.0, "spawned": []}
    monkeypatch.setattr(cache.time, "time", lambda: state["now"])
    monkeypatch.setattr(cache, "_spawn", state["spawned"].append)
    cache.clear_local()
    yield state
    cache.clear_local()


def _counting(values):
    calls = []

    def compute():
        calls.append(1)
        value = values[len(calls) - 1]
        if isinstance(value, Exception):
            raise value
        return value
    return compute, calls


def test_expired_value_is_served_while_one_refresh_runs(ctx, clock):
    compute, calls = _counting([{"n": 1}, {"n": 2}])
    assert cache.cached("swr", 60, compute, stale_for=600) == {"n": 1}          # the very first: inline
    clock["now"] += 30
    assert cache.cached("swr", 60, compute, stale_for=600) == {"n": 1} and len(calls) == 1
    clock["now"] += 60                                                          # expired, still kept
    assert cache.cached("swr", 60, compute, stale_for=600) == {"n": 1}
    assert cache.cached("swr", 60, compute, stale_for=600) == {"n": 1}
    assert len(calls) == 1 and len(clock["spawned"]) == 1                       # one refresh, not run yet
    clock["spawned"].pop()()
    assert cache.cached("swr", 60, compute, stale_for=600) == {"n": 2} and len(calls) == 2
    assert not clock["spawned"]


def test_value_past_its_stale_time_is_computed_inline(ctx, clock):
    compute, calls = _counting([[1], [2]])
    cache.cached("old", 60, compute, stale_for=100)
    clock["now"] += 161
    assert cache.cached("old", 60, compute, stale_for=100) == [2] and not clock["spawned"]


def test_failed_refresh_keeps_the_old_value_and_lets_the_next_caller_retry(ctx, clock):
    compute, calls = _counting([{"n": 1}, RuntimeError("database away"), {"n": 3}])
    cache.cached("fails", 60, compute, stale_for=600)
    clock["now"] += 61
    assert cache.cached("fails", 60, compute, stale_for=600) == {"n": 1}
    clock["spawned"].pop()()                                                    # logs, never raises
    assert cache.cached("fails", 60, compute, stale_for=600) == {"n": 1}
    clock["spawned"].pop()()
    assert cache.cached("fails", 60, compute, stale_for=600) == {"n": 3}


def test_background_refresh_uses_its_own_app_context(app, ctx, monkeypatch):
    """The real thread: it loads the user again in its own session and stores that user's charts."""
    from app.views.home import _compute

    threads = []

    def spawn(fn):
        thread = threading.Thread(target=fn)
        thread.start()
        threads.append(thread)
    monkeypatch.setattr(cache, "_spawn", spawn)
    cache.clear_local()
    user = _user("weidu_handler")
    scope = scope_for(user)
    key = f"bg-{uuid.uuid4().hex}"
    cache.store(key, {"stale": True}, ttl=0, stale_for=600)
    assert cache.cached(key, 60, _compute(user.id, scope), stale_for=600) == {"stale": True}
    threads[0].join(30)
    fresh = cache.cached(key, 60, _compute(user.id, scope), stale_for=600)
    assert fresh == json.loads(json.dumps(reference_charts(user, scope)[0]))
    cache.clear_local()


@pytest.fixture()
def redis_cache(app):
    """The cache on the local Redis (database 15), when one answers."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except Exception:
        pytest.skip("no local Redis")
    app.config["REDIS_URL"] = url
    app.extensions.pop("portal_cache_redis", None)
    yield redis.Redis.from_url(url)
    app.config["REDIS_URL"] = None
    app.extensions.pop("portal_cache_redis", None)


def test_redis_serves_stale_values_with_one_refresh_across_processes(ctx, redis_cache, monkeypatch):
    spawned = []
    monkeypatch.setattr(cache, "_spawn", spawned.append)
    key = f"test-swr-{uuid.uuid4().hex}"
    compute, calls = _counting([{"n": 1}, {"n": 2}])
    try:
        cache.store(key, {"n": 0}, ttl=0, stale_for=600)                      # expired at once
        assert cache.cached(key, 60, compute, stale_for=600) == {"n": 0}
        assert cache.cached(key, 60, compute, stale_for=600) == {"n": 0}
        assert len(spawned) == 1 and redis_cache.exists(cache._PREFIX + key + ":refreshing")
        spawned.pop()()
        assert not redis_cache.exists(cache._PREFIX + key + ":refreshing")
        assert cache.cached(key, 60, compute, stale_for=600) == {"n": 1} and len(calls) == 1
        assert 600 < redis_cache.ttl(cache._PREFIX + key) <= 660
    finally:
        redis_cache.delete(cache._PREFIX + key, cache._PREFIX + key + ":refreshing")


def test_a_cache_that_is_down_costs_the_computation_not_the_page(ctx, app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("portal_cache_redis", None)
    try:
        compute, calls = _counting([[1], [2]])
        assert cache.cached("down", 60, compute, stale_for=600) == [1]
        assert cache.cached("down", 60, compute, stale_for=600) == [2]
        cache.store("down", [3], 60)                                            # logs, never raises
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("portal_cache_redis", None)


# --- the page and the scheduled refresh ----------------------------------------------------
@pytest.fixture()
def chart_cache(app):
    app.config["CHART_CACHE_SECONDS"] = 60
    cache.clear_local()
    yield
    app.config["CHART_CACHE_SECONDS"] = 0
    cache.clear_local()


def test_keys_follow_the_territory(ctx):
    from app.views.home import chart_key

    keys = {name: chart_key(_user(name).unit_id, scope_for(_user(name)))
            for name in ("weidu_handler", "jianan_handler", "city_handler")}
    assert len(set(keys.values())) == 3
    assert keys["city_handler"].endswith(":all")


def test_beat_task_fills_the_cache_for_every_county_and_city(app, chart_cache, extra_tickets, monkeypatch):
    import app.services.workbench as workbench
    from app.jobs.celery_app import refresh_charts_task
    from app.views.home import chart_key

    expected = {}
    with app.app_context():                     # pages below run in their own contexts (their own g.user)
        assert refresh_charts_task() >= 3       # 魏都区, 建安区, 许昌市 at least
        for name in ("weidu_handler", "jianan_handler", "city_handler"):
            user = _user(name)
            scope = scope_for(user)
            expected[name] = json.loads(json.dumps(reference_charts(user, scope)[0]))
            fresh_until, value = cache._read(cache._PREFIX + chart_key(user.unit_id, scope))
            assert value == expected[name] and fresh_until > time.time()
        db.session.remove()

    def no_computation(*args, **kwargs):
        raise AssertionError("charts computed while the page was served")
    monkeypatch.setattr(workbench, "charts", no_computation)
    for name in ("weidu_handler", "jianan_handler", "city_handler"):
        assert _page_charts(logged_in(app, name)) == expected[name]         # each its own territory


def test_page_serves_an_expired_value_and_refreshes_behind(app, chart_cache, monkeypatch):
    from app.views.home import chart_key

    spawned = []
    monkeypatch.setattr(cache, "_spawn", spawned.append)
    with app.app_context():
        user = _user("weidu_handler")
        key = chart_key(user.unit_id, scope_for(user))
        db.session.remove()
    client = logged_in(app, "weidu_handler")
    first = _page_charts(client)                                    # inline, then cached
    assert first["by_area"] and not spawned
    with app.app_context():
        cache.store(key, dict(first, by_area=[["过期的区域", 7]]), ttl=0, stale_for=600)
    assert _page_charts(client)["by_area"] == [["过期的区域", 7]] and len(spawned) == 1
    spawned.pop()()
    assert _page_charts(client) == first
