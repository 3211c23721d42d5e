"""City-scale data set of quality.md, reproducibly (fixed seed), with bulk inserts.

    python bench/generate.py [--tickets 200000] [--hotline 1000000] [--members 100000]
                             [--registry-rows 10000] [--seed 20251027] [--only tickets|registries]

Fills the database of ``DATABASE_URL`` (default: bench/out/city.db) after migrating it and
loading the demo tree:

* tickets spread over the demo grids and the last 365 days, each with its owner periods up
  the chain (网格 → 村/社区 → 乡镇街道 → 县区), tasks (lead and co units), applications
  (approved escalations and completions, pending completion/extension requests),
  supervisions, and timeline entries (about 7 per ticket: 1.4 million for 200,000 tickets; one
  ticket in 1,000 has about 50);
  open tickets are spread over 待签收 / 处理中 positions so the boards of county, township,
  community and department users have rows (tickets climb to the county at most);
* the registries: 12345 orders through ``bench/hotline_bench.py``'s generator, 100,000 party
  members and ``--registry-rows`` of every other registry through the registries' own import
  pipeline (validation, encryption of sensitive fields, blind indexes) from generated
  workbooks.

Tickets are written with explicit ids in 5,000-row Core batches; PostgreSQL sequences are
moved past them afterwards.  Registry rows that a registry's own checks refuse are counted
and reported, not stored.
"""
import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

TITLES = ["路面塌陷", "井盖缺失", "路灯不亮", "占道经营", "垃圾堆放", "违章搭建", "下水道堵塞", "绿化带破坏",
          "噪音扰民", "电动车充电隐患", "楼道杂物堆放", "积水严重"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "红霞",
         "建国", "志强", "海燕", "晓东", "文龙", "保珠"]
ROADS = ["延安路", "光明路", "许由路", "文峰路", "七一路", "建安大道", "魏文路", "八一路", "劳动路", "学院路"]
LEVELS = {"grid": "网格", "community": "村/社区", "township": "乡镇/街道", "county": "县区", "city": "市级",
          "county_dept": "县直职能部门", "city_dept": "市级职能部门"}
BATCH = 5000


def build(app, tickets, seed):
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.models.dictionary import EventCategory
    from app.models.org import Unit
    from app.models.ticket import Application, OwnerPeriod, Supervision, Task, Ticket, TimelineEntry

    rnd = random.Random(seed)
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    grids = [u for u in units.values() if u.kind == "grid"]
    depts = {}
    for u in sorted(units.values(), key=lambda u: u.id):
        if u.kind == "county_dept":
            depts.setdefault(u.parent_id, []).append(u)
    children = {}
    for u in units.values():
        if u.kind in ("grid", "community"):
            children.setdefault(u.parent_id, []).append(u)
    leaves = db.session.scalars(select(EventCategory.id).where(EventCategory.level == 3)).all()
    start_id = (db.session.scalar(select(func.max(Ticket.id))) or 0) + 1
    models = {"ticket": Ticket, "period": OwnerPeriod, "task": Task, "application": Application,
              "supervision": Supervision, "timeline": TimelineEntry}
    ids = {name: (db.session.scalar(select(func.max(m.id))) or 0) + 1 for name, m in models.items() if name != "ticket"}
    end = dt.datetime(2026, 11, 28, 18, 0, 0)
    batches = {name: [] for name in models}
    tables = {name: m.__table__ for name, m in models.items()}
    counts = dict.fromkeys(batches, 0)

    def flush(force=False):
        for name in models:     # parents before children
            if batches[name] and (force or len(batches["ticket"]) >= BATCH):
                db.session.execute(tables[name].insert(), batches[name])
                counts[name] += len(batches[name])
                batches[name] = []
        db.session.commit()

    def line(ticket_id, at, unit, action, detail="—", user="系统"):
        batches["timeline"].append(dict(id=ids["timeline"], ticket_id=ticket_id, at=at, level=LEVELS[unit.kind],
                                        unit_name=unit.name, user_name=user, action=action, detail=detail))
        ids["timeline"] += 1

    def application(tid, kind, applicant, reviewer, at, status, period_id=None, task_id=None, **extra):
        # executemany needs the same keys in every row
        extra = dict(dict.fromkeys(("target_type", "content", "result", "days", "reason")), **extra)
        batches["application"].append(dict(
            id=ids["application"], kind=kind, ticket_id=tid, task_id=task_id, period_id=period_id,
            applicant_unit_id=applicant.id, applied_at=at, reviewer_unit_id=reviewer.id, status=status,
            reviewed_at=None if status == "pending" else at + dt.timedelta(hours=3),
            opinion=None if status == "pending" else "同意", **extra))
        ids["application"] += 1

    for n in range(tickets):
        tid = start_id + n
        grid = rnd.choice(grids)
        chain = [grid]
        while chain[-1].parent_id and units[chain[-1].parent_id].kind in ("community", "township", "county"):
            chain.append(units[chain[-1].parent_id])
        climb = rnd.choices([0, 1, 2, 3], weights=[40, 25, 15, 20])[0]
        reported = end - dt.timedelta(seconds=rnd.randint(0, 365 * 86400))
        # the newest tickets are the ones still open: most old work is finished
        age_days = (end - reported).days
        finished = rnd.random() < (0.93 if age_days > 30 else 0.45)
        urgency = rnd.choices(["一般", "紧急", "重大"], weights=[80, 15, 5])[0]
        days = {"一般": 5, "紧急": 3, "重大": 1}[urgency]
        at = reported
        owner = chain[climb]
        # an open ticket just escalated waits for the upper unit to sign (待签收)
        owner_pending = not finished and climb > 0 and rnd.random() < 0.25
        line(tid, at, grid, "新增", user="网格员")
        period_id = None
        for level in range(climb + 1):
            unit = chain[level]
            last = level == climb
            status = ("finished" if finished else ("pending_sign" if owner_pending else "open")) if last else "escalated"
            period_id = ids["period"]
            batches["period"].append(dict(
                id=period_id, ticket_id=tid, unit_id=unit.id, via="report" if level == 0 else "escalation",
                from_unit_id=chain[level - 1].id if level else None,
                status=status, started_at=at, deadline=at + dt.timedelta(days=days), extended=False,
                signed_at=None if status == "pending_sign" else (at + dt.timedelta(minutes=30) if level else at),
                ended_at=None if (last and not finished) else at + dt.timedelta(hours=rnd.randint(2, 90))))
            ids["period"] += 1
            if level and status != "pending_sign":
                line(tid, at + dt.timedelta(minutes=30), unit, "签收")
            if not last:
                application(tid, "escalation", unit, unit, at, "approved", period_id=period_id, target_type="upper",
                            reason=f"超出{LEVELS[unit.kind]}处置能力")
                at = at + dt.timedelta(hours=rnd.randint(1, 48))
                line(tid, at, unit, "提级上报", f"提级原因: 超出{LEVELS[unit.kind]}处置能力")
        targets = []
        if owner_pending:
            targets = []
        elif owner.kind == "county":
            targets = [("lead", rnd.choice(depts[owner.id]) if depts.get(owner.id) else None),
                       ("co", chain[2]), ("co", chain[1])]
        elif owner.kind in ("township", "community"):
            below = children.get(owner.id, [])
            targets = [("lead", rnd.choice(below))] + ([("co", rnd.choice(below))] if len(below) > 1 else [])
        for role, target in targets:
            if target is None:
                continue
            task_status = "completed" if finished else rnd.choices(["pending_sign", "open"], weights=[30, 70])[0]
            task_deadline = at + dt.timedelta(days=7)
            batches["task"].append(dict(
                id=ids["task"], ticket_id=tid, unit_id=target.id, assigner_unit_id=owner.id, role=role,
                period_id=period_id, text=f"请{target.name}{'牵头' if role == 'lead' else '协助'}处置",
                assigned_at=at, status=task_status, deadline=task_deadline, extended=False,
                signed_at=None if task_status == "pending_sign" else at + dt.timedelta(hours=2),
                ended_at=at + dt.timedelta(days=2) if finished else None))
            line(tid, at + dt.timedelta(hours=1), owner, "交办", f"{'主办' if role == 'lead' else '协办'}单位: {target.name}")
            if task_status != "pending_sign":
                line(tid, at + dt.timedelta(hours=20), target, "处置反馈", "已到现场处置")
            if role == "lead" and (finished or task_status == "open"):
                kind = "completion" if finished else rnd.choices(
                    [None, "completion", "extension"], weights=[60, 28, 12])[0]
                if kind:
                    application(tid, kind, target, owner, at + dt.timedelta(days=1),
                                "approved" if finished else "pending", task_id=ids["task"],
                                content="已处置完毕" if kind == "completion" else None,
                                result="已修复" if kind == "completion" else None,
                                days=3 if kind == "extension" else None,
                                reason="需协调施工队" if kind == "extension" else None)
                if not finished and owner.kind == "county" and rnd.random() < 0.3:
                    batches["supervision"].append(dict(
                        id=ids["supervision"], ticket_id=tid, task_id=ids["task"], supervisor_unit_id=owner.id,
                        target_unit_id=target.id, reason="群众反映强烈", requirement="三日内处置到位", days=3,
                        created_at=at + dt.timedelta(days=2), deadline=at + dt.timedelta(days=5), status="待签收"))
                    ids["supervision"] += 1
                    line(tid, at + dt.timedelta(days=2), owner, "督办", f"督办对象: {target.name}")
            ids["task"] += 1
        if targets and n % 1000 == 0:
            # a long-running ticket: its detail page shows about 50 timeline entries
            for k in range(45):
                line(tid, at + dt.timedelta(days=1, hours=k), targets[0][1] or owner, "处置反馈", f"第{k + 1}次现场处置进展")
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
            address=f"{road}{rnd.randint(1, 300)}号附近", party_name=rnd.choice(SURNAMES) + rnd.choice(GIVEN),
            party_phone=f"139{rnd.randint(10000000, 99999999)}",
            urgency=urgency, reported_at=reported, reporter_unit_id=grid.id, state="closed" if finished else "open",
            owner_unit_id=owner.id, pushed_12345=False, finished_at=finished_at,
            finished_unit_id=owner.id if finished else None, updated_at=finished_at or at, version=1))
        if len(batches["ticket"]) >= BATCH:
            flush()
    flush(force=True)
    if db.engine.dialect.name == "postgresql":
        for table in [m.__tablename__ for m in models.values()]:
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        db.session.commit()
    return counts


def _id_card(rnd, born):
    """A resident ID number of 许昌 (4110xx) with a valid GB 11643 check digit."""
    from app.registries.fields import ID_CHECK, ID_WEIGHTS

    body = f"4110{rnd.choice(['02', '03', '23', '24', '25', '81', '82'])}{born:%Y%m%d}{rnd.randint(100, 999)}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def _cell(rnd, f, i, row, pools, refs):
    """One realistic cell of field ``f`` in row ``i`` (``pools``: unit names, enum labels).

    ``row`` holds the row's shared values (a birth date, an advancing date) so cross-field
    checks hold (ID number ↔ birth date, later dates not before earlier ones); business keys
    are made unique by ``i``."""
    key = f.key
    if f.kind == "unit":
        return rnd.choice(pools["community"] if key == "community" else pools["any"])
    if f.kind == "ref":
        pool = refs.get(f.ref[0])
        return rnd.choice(pool) if pool else None
    if f.is_enum:
        labels = pools["labels"].get(f)
        if labels is None:      # dictionary choices are a query: once per field, not per cell
            labels = pools["labels"][f] = [label for value, label in (f.choices() or []) if value not in ("", None)]
        return rnd.choice(labels) if labels else None
    if f.sensitive == "idcard":
        return _id_card(rnd, row["born"])
    if key == "birth_date":
        return row["born"]
    if f.sensitive == "phone" or key.endswith("phone") or key == "mobile":
        return f"1{rnd.choice('3589')}{rnd.randint(0, 9)}{rnd.randint(10000000, 99999999)}"
    if f.kind == "bool":
        return rnd.choice(["是", "否"])
    if f.kind in ("date", "datetime"):
        # each date of a row lies a little after the previous one
        row["at"] += dt.timedelta(days=rnd.randint(0, 20), seconds=rnd.randint(0, 86399))
        return row["at"].date() if f.kind == "date" else row["at"]
    if f.kind in ("int", "float", "decimal"):
        if key == "longitude":
            return round(rnd.uniform(113.6, 114.1), 6)
        if key == "latitude":
            return round(rnd.uniform(33.9, 34.2), 6)
        low, high = f.min_value or 0, f.max_value if f.max_value is not None else 500
        if key.endswith("_full"):
            low, high = 60, 100
        elif key.endswith("_score"):
            high = 60                               # scores stay below the full marks
        return rnd.randint(int(low), int(high)) if f.kind == "int" else round(rnd.uniform(low, high), 1)
    if key == "email":
        return f"user{i}@xuchang.gov.cn"
    if key == "credit_code":
        from app.registries.datacenter import _CREDIT_CHARS, _CREDIT_WEIGHTS

        body = f"91411000{i:09d}"
        return body + _CREDIT_CHARS[(31 - sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS))
                                     % 31) % 31]
    if key.endswith("_contacts") or key == "leaders":
        return "、".join(f"{rnd.choice(SURNAMES)}{rnd.choice(GIVEN)} 139{rnd.randint(10000000, 99999999)}"
                        for _ in range(rnd.randint(1, 2)))
    if key == "cameras":
        return f"XC:CAM:{i % 9000 + 1000}"
    if key in ("street", "area"):
        return rnd.choice(pools["township_names"])
    if key == "county":
        return rnd.choice(pools["county_names"])
    if key in ("code", "serial_no", "case_no", "letter_no", "petition_no", "source_id", "major_code", "minor_code"):
        text = f"XC{i:07d}"
    elif f.sensitive == "name" or key in ("name", "leader_name", "leader", "keeper", "writer", "requester",
                                           "claimer_name", "reporter", "evaluator", "reception_leader"):
        text = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (str(i) if key in KEYED else "")
    elif f.sensitive == "address" or "address" in key or key in ("location", "hukou"):
        text = f"许昌市{rnd.choice(ROADS)}{rnd.randint(1, 300)}号"
    elif f.kind == "text":
        text = f"{rnd.choice(ROADS)}{rnd.choice(TITLES)}，已安排专人跟进处理。"
    else:
        text = f"{f.label}{i}" if key in KEYED else f"{rnd.choice(ROADS)}{f.label}"
    return text[:f.max_length] if f.max_length else text


def _row(rnd, fields, i, pools, refs):
    row = {"born": dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randint(0, 20000)),
           "at": dt.datetime(2015, 1, 1) + dt.timedelta(days=i % 3000, seconds=rnd.randint(0, 86399))}
    return [_cell(rnd, f, i, row, pools, refs) for f in fields]


KEYED = set()


def build_registries(user, members, rows, hotline, seed, echo=print):
    """Registry rows through each registry's import as ``user`` (a city user: city-wide
    registries refuse others), 12345 orders through hotline_bench's generator."""
    from sqlalchemy import func, select

    from app.excel import write_xlsx
    from app.extensions import db
    from app.models.org import Unit
    from app.registries import all_registries
    from app.security.scope import Scope

    rnd = random.Random(seed + 1)
    rows_ = db.session.execute(select(Unit.full_name, Unit.name, Unit.kind)).all()
    pools = {"any": [f for f, _, k in rows_ if k in ("community", "township", "grid")],
             "community": [f for f, _, k in rows_ if k == "community"],
             "township_names": [n for _, n, k in rows_ if k == "township"],
             "county_names": [n for _, n, k in rows_ if k == "county"], "labels": {}}
    refs, counts = {}, {}
    for reg in all_registries():
        model = reg.model
        have = db.session.scalar(select(func.count()).select_from(model))
        if reg.name == "hotline_orders":
            if have < hotline:
                sys.path.insert(0, HERE)
                from hotline_bench import generate as generate_orders

                generate_orders(db, hotline - have)
            counts[reg.name] = db.session.scalar(select(func.count()).select_from(model))
            continue
        want = members if reg.name == "party_members" else rows
        if have < want:
            KEYED.clear()
            KEYED.update(reg.business_key)
            fields = [f for f in reg.fields if f.in_form]
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, f"{reg.name}.xlsx")
                data = (_row(rnd, fields, have + i, pools, refs) for i in range(want - have))
                write_xlsx(path, [(reg.title, [f.label for f in fields], data, [None] * len(fields))])
                report = reg().import_file(path, Scope(all=True), update_existing=False, user=user)
            echo(f"  {reg.title}: {report.inserted:,} rows stored, {report.failed:,} refused by its checks"
                 f" in {time.perf_counter() - started:.1f} s"
                 + (f" (first: {report.errors[0]})" if report.errors else ""))
        for f in reg.fields:
            if f.kind == "ref" and f.ref[0] not in refs:
                refs[f.ref[0]] = [str(k) for k in db.session.scalars(
                    select(getattr(f.ref[0], f.ref[1])).order_by(f.ref[0].id).limit(5000))]
        if any(f.kind == "ref" and f.ref[0] is model for r in all_registries() for f in r.fields):
            key_attr = next(f.ref[1] for r in all_registries() for f in r.fields if f.kind == "ref" and f.ref[0] is model)
            refs[model] = [str(k) for k in db.session.scalars(select(getattr(model, key_attr))
                                                              .order_by(model.id).limit(5000))]
        counts[reg.name] = db.session.scalar(select(func.count()).select_from(model))
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--hotline", type=int, default=1_000_000, help="12345 orders")
    parser.add_argument("--members", type=int, default=100_000, help="party members")
    parser.add_argument("--registry-rows", type=int, default=10_000, help="rows of every other registry")
    parser.add_argument("--seed", type=int, default=20251027)
    parser.add_argument("--only", choices=("tickets", "registries"))
    args = parser.parse_args()
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(HERE, "out", "city.db")
    from sqlalchemy import func, select

    from app import create_app
    from app.bootstrap import prepare_database
    from app.extensions import db
    from app.models.ticket import Ticket
    from hotline_bench import settle

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DEMO_PASSWORD=os.environ.get("DEMO_PASSWORD", "Bench@2025x"))
    with app.app_context():
        prepare_database(seed_demo=True, echo=lambda *a: None)
        started = time.perf_counter()
        if args.only != "registries":
            have = db.session.scalar(select(func.count()).select_from(Ticket))
            if have >= args.tickets:
                print(f"{url}: {have:,} tickets already there")
            else:
                counts = build(app, args.tickets - have, args.seed)
                print(f"{url}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                      + f" in {time.perf_counter() - started:.0f} s", flush=True)
        if args.only != "tickets":
            from flask import g

            from app.models.org import AppUser

            with app.test_request_context():
                # the registries' checks read the importing user's scope from the request
                g.user = db.session.scalar(select(AppUser).where(AppUser.username == "city_handler"))
                counts = build_registries(g.user, args.members, args.registry_rows, args.hotline, args.seed)
            print("registries: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        settle(db.engine)
        print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
