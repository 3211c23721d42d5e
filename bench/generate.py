"""City-scale data set of quality.md, reproducibly (fixed seed), with bulk inserts.

    python bench/generate.py [--tickets 200000] [--seed 20251027]

Fills the database of ``DATABASE_URL`` (default: bench/out/city.db) after migrating it and
loading the demo tree: tickets spread over the demo grids and the last 365 days, each
with its owner periods up the chain (网格 → 村/社区 → 乡镇街道 → 县区), tasks for county-level
tickets, and timeline entries (about 5 per ticket: 1,000,000 for 200,000 tickets).
Rows are written with explicit ids in 5,000-row Core batches; PostgreSQL sequences are
moved past them afterwards.
"""
import argparse
import datetime as dt
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

TITLES = ["路面塌陷", "井盖缺失", "路灯不亮", "占道经营", "垃圾堆放", "违章搭建", "下水道堵塞", "绿化带破坏",
          "噪音扰民", "电动车充电隐患", "楼道杂物堆放", "积水严重"]
ROADS = ["延安路", "光明路", "许由路", "文峰路", "七一路", "建安大道", "魏文路", "八一路", "劳动路", "学院路"]
LEVELS = {"grid": "网格", "community": "村/社区", "township": "乡镇/街道", "county": "县区", "city": "市级",
          "county_dept": "县直职能部门", "city_dept": "市级职能部门"}
BATCH = 5000


def build(app, tickets, seed):
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.models.dictionary import EventCategory
    from app.models.org import Unit
    from app.models.ticket import OwnerPeriod, Task, Ticket, TimelineEntry

    rnd = random.Random(seed)
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    grids = [u for u in units.values() if u.kind == "grid"]
    depts = {u.parent_id: u for u in units.values() if u.kind == "county_dept"}
    children = {}
    for u in units.values():
        if u.kind in ("grid", "community"):
            children.setdefault(u.parent_id, []).append(u)
    leaves = db.session.scalars(select(EventCategory.id).where(EventCategory.level == 3)).all()
    start_id = (db.session.scalar(select(func.max(Ticket.id))) or 0) + 1
    ids = {"period": (db.session.scalar(select(func.max(OwnerPeriod.id))) or 0) + 1,
           "task": (db.session.scalar(select(func.max(Task.id))) or 0) + 1,
           "timeline": (db.session.scalar(select(func.max(TimelineEntry.id))) or 0) + 1}
    end = dt.datetime(2026, 11, 28, 18, 0, 0)
    batches = {"ticket": [], "period": [], "task": [], "timeline": []}
    tables = {"ticket": Ticket.__table__, "period": OwnerPeriod.__table__, "task": Task.__table__,
              "timeline": TimelineEntry.__table__}
    counts = dict.fromkeys(batches, 0)

    def flush(force=False):
        for name in ("ticket", "period", "task", "timeline"):     # parents before children
            if batches[name] and (force or len(batches["ticket"]) >= BATCH):
                db.session.execute(tables[name].insert(), batches[name])
                counts[name] += len(batches[name])
                batches[name] = []
        db.session.commit()

    def line(ticket_id, at, unit, action, detail="—", user="系统"):
        batches["timeline"].append(dict(id=ids["timeline"], ticket_id=ticket_id, at=at, level=LEVELS[unit.kind],
                                        unit_name=unit.name, user_name=user, action=action, detail=detail))
        ids["timeline"] += 1

    for n in range(tickets):
        tid = start_id + n
        grid = rnd.choice(grids)
        chain = [grid]
        while chain[-1].parent_id and units[chain[-1].parent_id].kind in ("community", "township", "county"):
            chain.append(units[chain[-1].parent_id])
        climb = rnd.choices([0, 1, 2, 3], weights=[45, 30, 15, 10])[0]
        reported = end - dt.timedelta(seconds=rnd.randint(0, 365 * 86400))
        urgency = rnd.choices(["一般", "紧急", "重大"], weights=[80, 15, 5])[0]
        days = {"一般": 5, "紧急": 3, "重大": 1}[urgency]
        finished = rnd.random() < 0.7
        at = reported
        owner = chain[climb]
        line(tid, at, grid, "新增", user="网格员")
        for level in range(climb + 1):
            unit = chain[level]
            last = level == climb
            status = ("finished" if finished else "open") if last else "escalated"
            batches["period"].append(dict(
                id=ids["period"], ticket_id=tid, unit_id=unit.id, via="report" if level == 0 else "escalation",
                status=status, started_at=at, deadline=at + dt.timedelta(days=days), extended=False,
                signed_at=at + dt.timedelta(minutes=30) if level else at,
                ended_at=None if (last and not finished) else at + dt.timedelta(hours=rnd.randint(2, 90))))
            ids["period"] += 1
            if level:
                line(tid, at + dt.timedelta(minutes=30), unit, "签收")
            if not last:
                at = at + dt.timedelta(hours=rnd.randint(1, 48))
                line(tid, at, unit, "提级上报", f"提级原因: 超出{LEVELS[unit.kind]}处置能力")
        targets = []
        if owner.kind == "county":
            targets = [("lead", depts.get(owner.id)), ("co", chain[2]), ("co", chain[1])]
        elif owner.kind in ("township", "community"):
            below = children.get(owner.id, [])
            targets = [("lead", rnd.choice(below))] + ([("co", rnd.choice(below))] if len(below) > 1 else [])
        for role, target in targets:
            if target is None:
                continue
            batches["task"].append(dict(
                id=ids["task"], ticket_id=tid, unit_id=target.id, assigner_unit_id=owner.id, role=role,
                text=f"请{target.name}{'牵头' if role == 'lead' else '协助'}处置", assigned_at=at,
                status="completed" if finished else "open", deadline=at + dt.timedelta(days=7), extended=False,
                signed_at=at + dt.timedelta(hours=2), ended_at=at + dt.timedelta(days=2) if finished else None))
            ids["task"] += 1
            line(tid, at + dt.timedelta(hours=1), owner, "交办", f"{'主办' if role == 'lead' else '协办'}单位: {target.name}")
            line(tid, at + dt.timedelta(hours=20), target, "处置反馈", "已到现场处置")
        finished_at = at + dt.timedelta(hours=rnd.randint(2, 200)) if finished else None
        if finished:
            line(tid, finished_at, owner, "办结", "办结结果: 已处置完毕")
            if owner.kind == "county":
                line(tid, finished_at + dt.timedelta(days=1), owner, "回访", "回访方式: 电话 满意度: 满意")
        road = rnd.choice(ROADS)
        batches["ticket"].append(dict(
            id=tid, unit_id=grid.parent_id, grid_id=grid.id, source=rnd.choices(
                ["网格巡查", "居民吹哨", "部门上报", "突发事件"], weights=[80, 10, 7, 3])[0],
            category_id=rnd.choice(leaves), title=f"{road}{rnd.choice(TITLES)}", description="现场核实情况属实",
            address=f"{road}{rnd.randint(1, 300)}号附近", party_name="群众", party_phone="13903740000",
            urgency=urgency, reported_at=reported, reporter_unit_id=grid.id, state="closed" if finished else "open",
            owner_unit_id=owner.id, pushed_12345=False, finished_at=finished_at,
            finished_unit_id=owner.id if finished else None, updated_at=finished_at or at, version=1))
        if len(batches["ticket"]) >= BATCH:
            flush()
    flush(force=True)
    if db.engine.dialect.name == "postgresql":
        for table in ("ticket", "owner_period", "task", "timeline_entry"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        db.session.commit()
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20251027)
    args = parser.parse_args()
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(HERE, "out", "city.db")
    from app import create_app
    from app.bootstrap import prepare_database

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DEMO_PASSWORD=os.environ.get("DEMO_PASSWORD", "Bench@2025x"))
    with app.app_context():
        prepare_database(seed_demo=True, echo=lambda *a: None)
        start = time.perf_counter()
        counts = build(app, args.tickets, args.seed)
        print(f"{url}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + f" in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
