"""Server time of the pages quality.md sets targets for, at city scale, next to the targets.

    python bench/web_bench.py [--runs 20] [--only boards|registries|detail|workbench|action]

Runs against the data set of ``bench/generate.py`` (``DATABASE_URL`` or bench/out/city.db)
through the app's test client (the whole request: routing, security, queries, template),
logged in as the demo users (password ``DEMO_PASSWORD``, default that of generate.py):

* every ticket board of ``app.views.tickets.BOARDS`` for a county user (weidu_handler) and the
  city user (city_handler): first page and page 5,000 (or the deepest page the list has),
  without a filter and with 问题来源=网格巡查; target p95 ≤ 150 ms, deep page ≤ 3 × first;
* every registry list as city_handler: first page and page 5,000 (or the deepest);
* the detail page of a ticket with about 50 timeline entries (p95 ≤ 80 ms);
* the workbench 首页 of the county and city handlers (p95 ≤ 200 ms; charts cached for a minute
  as in production, the uncached first request shown on its own line);
* one workflow action alone: 处置反馈 through the JSON API (p95 ≤ 60 ms).

Each figure is the median and p95 of ``--runs`` requests after two warm-ups.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

PASSWORD = os.environ.get("DEMO_PASSWORD", "Bench@2025x")
DEEP = 5000
TOTAL_RE = re.compile(r"共\s*(\d+)\s*条")


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]


def timed(call, runs, ok=(200,)):
    """(median ms, p95 ms, last response) of ``runs`` calls after two warm-ups."""
    for _ in range(2):
        resp = call()
        assert resp.status_code in ok, (resp.status_code, resp.get_data(as_text=True)[:300])
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        resp = call()
        samples.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code in ok, resp.status_code
    return (*percentiles(samples), resp)


def login(app, username):
    client = app.test_client()
    resp = client.post("/login/", data={"username": username, "password": PASSWORD}, follow_redirects=True)
    assert resp.status_code == 200 and "/logout" in resp.get_data(as_text=True), f"login failed for {username}"
    return client


class Table:
    def __init__(self):
        print("| what | median | p95 | target | met |")
        print("| --- | --- | --- | --- | --- |")

    def row(self, what, median, p95, target, met):
        verdict = "—" if met is None else "yes" if met else "**no**"
        print(f"| {what} | {median:.1f} ms | {p95:.1f} ms | {target} | {verdict} |", flush=True)


def list_pair(table, client, label, base, runs, page_arg="page"):
    """First page and page 5,000 (or the deepest page) of one list."""
    sep = "&" if "?" in base else "?"
    m1, p1, resp = timed(lambda: client.get(base), runs)
    found = TOTAL_RE.search(resp.get_data(as_text=True))
    total = int(found.group(1)) if found else 0
    table.row(f"{label}, page 1 ({total:,} rows)", m1, p1, "p95 ≤ 150 ms", p1 <= 150)
    deepest = min(DEEP, max(1, -(-total // 20)))
    if deepest > 1:
        md, pd, _ = timed(lambda: client.get(f"{base}{sep}{page_arg}={deepest}"), runs)
        table.row(f"{label}, page {deepest:,}", md, pd, f"≤ 3 × page 1 ({md / m1:.1f} ×)", md <= 3 * max(m1, 1))


def bench_boards(app, table, runs):
    from app.views.tickets import BOARDS

    for user in ("weidu_handler", "city_handler"):
        client = login(app, user)
        for name, (title, _) in BOARDS.items():
            for filt, query in (("", ""), ("问题来源=网格巡查", "source=网格巡查")):
                base = f"/work/board/{name}" + (f"?{query}" if query else "")
                list_pair(table, client, f"{title} ({user}{', ' + filt if filt else ''})", base, runs)


def bench_registries(app, table, runs):
    from app.registries.views import RegistryView

    client = login(app, "city_handler")
    with app.test_request_context():
        from flask import url_for

        views = [(v.registry.title, url_for(f"{type(v).__name__}.list")) for v in app.appbuilder.baseviews
                 if isinstance(v, RegistryView)]
    for title, url in views:
        if client.get(url).status_code == 403:      # a registry the city handler's roles do not open
            print(f"| {title}: not open to city_handler | — | — | — | — |")
            continue
        list_pair(table, client, f"{title} (city_handler)", url, runs)


def _long_ticket(app):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models.ticket import TimelineEntry

    with app.app_context():
        return db.session.execute(select(TimelineEntry.ticket_id, func.count()).group_by(TimelineEntry.ticket_id)
                                  .having(func.count() >= 45).order_by(TimelineEntry.ticket_id.desc())
                                  .limit(1)).first()


def bench_detail(app, table, runs):
    found = _long_ticket(app)
    if found is None:
        print("no ticket with ≥ 45 timeline entries (run bench/generate.py)")
        return
    client = login(app, "city_handler")
    m, p, _ = timed(lambda: client.get(f"/work/ticket/{found[0]}"), runs)
    table.row(f"ticket detail, {found[1]} timeline entries (city_handler)", m, p, "p95 ≤ 80 ms", p <= 80)
    m, p, _ = timed(lambda: client.get(f"/api/v1/tickets/{found[0]}"), runs)
    table.row(f"ticket detail API, {found[1]} timeline entries", m, p, "p95 ≤ 80 ms", p <= 80)


def bench_workbench(app, table, runs):
    """Counters are live on every request; the charts are cached for ``CHART_CACHE_SECONDS``,
    so the first request after expiry (cold) is timed on its own."""
    from app.services.cache import clear_local

    for user in ("weidu_handler", "city_handler"):
        client = login(app, user)
        clear_local()
        t0 = time.perf_counter()
        assert client.get("/").status_code == 200
        cold = (time.perf_counter() - t0) * 1000
        table.row(f"workbench 首页 ({user}), charts not cached (once a minute)", cold, cold, "—", None)
        m, p, _ = timed(lambda: client.get("/"), runs)
        table.row(f"workbench 首页 ({user})", m, p, "p95 ≤ 200 ms", p <= 200)


def open_task_tickets(app, username, limit):
    """Tickets where ``username``'s unit holds an open task (处置反馈 may repeat on them)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import AppUser
    from app.models.ticket import Task, Ticket

    with app.app_context():
        unit_id = db.session.scalar(select(AppUser.unit_id).where(AppUser.username == username))
        return db.session.scalars(select(Task.ticket_id).join(Ticket, Ticket.id == Task.ticket_id).where(
            Task.unit_id == unit_id, Task.status == "open", Ticket.state == "open")
            .order_by(Task.ticket_id.desc()).limit(limit)).all()


def bench_action(app, table, runs):
    client = app.test_client()
    resp = client.post("/api/v1/security/login", json={"username": "weidu_zjj", "password": PASSWORD,
                                                       "provider": "db"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {resp.json['access_token']}"}
    ids = open_task_tickets(app, "weidu_zjj", runs + 2)
    if not ids:
        print("no open task of weidu_zjj's unit (run bench/generate.py)")
        return
    turn = iter(range(10 ** 9))

    def feedback():
        tid = ids[next(turn) % len(ids)]
        return client.post(f"/api/v1/tickets/{tid}/feedback", json={"content": "已到现场，正在处置"}, headers=headers)

    m, p, _ = timed(feedback, runs)
    table.row("one workflow action (处置反馈 via API, weidu_zjj)", m, p, "p95 ≤ 60 ms", p <= 60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("boards", "registries", "detail", "workbench", "action"))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(HERE, "out", "city.db")

    import logging

    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models.ticket import Ticket, TimelineEntry

    logging.disable(logging.WARNING)
    # charts cached as in production (the test profile turns the cache off)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DEMO_PASSWORD=PASSWORD,
                     CHART_CACHE_SECONDS=60)
    with app.app_context():
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        lines = db.session.scalar(select(func.count()).select_from(TimelineEntry))
        dialect = db.engine.dialect.name
    print(f"database: {dialect}, {tickets:,} tickets, {lines:,} timeline entries; {args.runs} runs after 2 warm-ups;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    table = Table()
    steps = {"boards": bench_boards, "registries": bench_registries, "detail": bench_detail,
             "workbench": bench_workbench, "action": bench_action}
    for name, step in steps.items():
        if args.only in (None, name):
            step(app, table, args.runs)


if __name__ == "__main__":
    main()
