"""End-to-end registry import and export at 100,000 rows (党组织管理), with peak RSS.

    python bench/registry_bench.py [--rows 100000] [--runs 3]

Each step runs in a fresh subprocess on a fresh database (``DATABASE_URL`` or a SQLite
file under bench/out/) so peak RSS is the step's own.  Import = the whole pipeline of the
page and API: upload checks, calamine read, validation by the field declarations, unit
resolution inside the user's scope, upsert in batches, commit.  Export = the rows of a
search streamed to .xlsx.  Prints medians next to quality.md's targets.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
sys.path.insert(0, ROOT)


def make_file(path, rows):
    """A filled 党组织管理 template with ``rows`` valid rows (fixed seed)."""
    import random

    from app.excel import write_xlsx

    rnd = random.Random(20251027)
    communities = ["魏都区 / 西大街街道 / 金地社区", "魏都区 / 西大街街道 / 府后社区", "魏都区 / 文峰街道 / 文峰社区",
                   "建安区 / 尚集镇 / 吕桥村", "禹州市 / 许由街道 / 许由社区"]
    header = ["*党组织编码", "*党组织名称", "*组织类型", "*组织层级", "*行政区划", "成立时间", "批准成立单位",
              "党员活动中心地址", "党员人数", "负责人姓名", "负责人电话", "*状态"]
    import datetime as dt

    def gen():
        for i in range(rows):
            unit = rnd.choice(communities)
            yield [f"B{i:07d}", f"中共{unit.split(' / ')[-1]}第{i}支部委员会", rnd.choice(["社区", "企业", "农村"]),
                   "党支部", unit, dt.date(1990 + i % 30, 1 + i % 12, 1 + i % 28), "中共许昌市委组织部",
                   f"许昌市{unit.split(' / ')[0]}{i}号", rnd.randint(3, 200), rnd.choice(["张伟", "王芳", "李娜", "刘洋"]),
                   f"139{rnd.randint(10000000, 99999999)}", "正常"]
    write_xlsx(path, [("党组织管理", header, gen(), [None] * len(header))])


def _app():
    from app import create_app
    from app.bootstrap import prepare_database

    app = create_app("test", SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DB"], DEMO_PASSWORD="Bench@2025x")
    with app.app_context():
        prepare_database(seed_demo=True, echo=lambda *a: None)
    return app


def step_import(path):
    from app.extensions import db
    from app.registries.party import PartyOrgRegistry
    from app.security.scope import Scope

    app = _app()
    with app.app_context():
        start = time.perf_counter()
        report = PartyOrgRegistry().import_file(path, Scope(all=True), update_existing=True)
        elapsed = time.perf_counter() - start
        db.session.remove()
    assert report.failed == 0, report.summary_zh()
    return {"rows": report.inserted + report.updated, "seconds": elapsed}


def step_export(_):
    from app.extensions import db
    from app.registries.party import PartyOrgRegistry
    from app.security.scope import Scope

    app = _app()
    with app.app_context():
        reg = PartyOrgRegistry()
        stmt = reg.base_select(Scope(all=True), {"s_code": "B"})
        with tempfile.TemporaryFile() as fh:
            start = time.perf_counter()
            rows = reg.export(fh, stmt)
            elapsed = time.perf_counter() - start
        db.session.remove()
    return {"rows": rows, "seconds": elapsed}


def run_step(name, arg, db_url):
    env = dict(os.environ, BENCH_DB=db_url)
    out = subprocess.run([sys.executable, __file__, "--step", name, "--arg", arg], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--step")
    parser.add_argument("--arg")
    args = parser.parse_args()
    if args.step:
        result = {"import": step_import, "export": step_export}[args.step](args.arg)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"party_orgs_{args.rows}.xlsx")
    if not os.path.exists(path):
        make_file(path, args.rows)
    results = {"import": [], "export": []}
    for run in range(args.runs):
        db_url = os.environ.get("DATABASE_URL")
        if not db_url or db_url.startswith("sqlite"):
            db_file = os.path.join(OUT, f"bench-{run}.db")
            if os.path.exists(db_file):
                os.unlink(db_file)
            db_url = f"sqlite:///{db_file}"
        results["import"].append(run_step("import", path, db_url))
        results["export"].append(run_step("export", "", db_url))
    print(f"{'step':<8} {'rows':>8} {'rows/s (median)':>16} {'peak RSS MB (max)':>18}   target")
    targets = {"import": "≥ 10,000 rows/s, ≤ 400 MB", "export": "≥ 20,000 rows/s, ≤ 250 MB"}
    for step, runs in results.items():
        rate = statistics.median(r["rows"] / r["seconds"] for r in runs)
        rss = max(r["peak_rss_mb"] for r in runs)
        print(f"{step:<8} {runs[0]['rows']:>8} {rate:>16,.0f} {rss:>18.0f}   {targets[step]}")


if __name__ == "__main__":
    main()
