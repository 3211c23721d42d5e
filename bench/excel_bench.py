"""Benchmark of the Excel layer (quality.md: export ≥ 20,000 rows/s in ≤ 250 MB).

Writes a 100,000-row × 20-column workbook (10 Chinese strings, 4 ints, 3 dates,
3 floats) with ``app.excel.write_xlsx``, then reads it back with ``inspect_upload``
+ ``open_rows`` + ``parse_rows``. It also reads the same data as Excel itself saves
it (shared strings, written once by xlsxwriter, untimed). Every measurement runs
in a fresh subprocess so ``ru_maxrss`` is that step's peak; medians of 3 runs.

    python bench/excel_bench.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app.excel import Column, inspect_upload, open_rows, parse_rows, write_xlsx  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
PLACES = ["魏都区", "建安区", "东城区", "襄城县", "鄢陵县", "禹州市", "长葛市"]
STREETS = ["西大街", "南关街道", "丁庄街道", "高桥营街道", "七里店街道", "文峰路", "五一路"]
KINDS = ["str"] * 10 + ["int"] * 4 + ["date"] * 3 + ["float"] * 3
HEADERS = ["姓名", "性别", "民族", "所属区县", "所属街道", "社区", "网格", "详细地址", "工作单位",
           "备注", "年龄", "家庭人口", "网格编号", "楼栋号", "出生日期", "登记日期", "入党日期",
           "月收入", "住房面积", "补贴金额"]
COLUMNS = ([Column(f"s{i}", HEADERS[i], required=(i == 0), max_length=100) for i in range(10)]
           + [Column(f"i{i}", HEADERS[10 + i], "int", min_value=0) for i in range(4)]
           + [Column(f"d{i}", HEADERS[14 + i], "date") for i in range(3)]
           + [Column(f"f{i}", HEADERS[17 + i], "float") for i in range(3)])


def make_rows(n: int, seed: int = 20240501):
    """Deterministic rows; mostly unique strings (a row number is in most of them)."""
    rnd = random.Random(seed)
    base = date(1950, 1, 1)
    for i in range(n):
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
        place, street = rnd.choice(PLACES), rnd.choice(STREETS)
        yield [name, "男" if i % 2 else "女", "汉族", place, street, f"{street}第{i % 40}社区",
               f"第{i % 300}网格", f"河南省许昌市{place}{street}{i % 997}号{i % 30}单元",
               f"许昌市{place}城市管理局第{i % 50}科", f"第{i}条测试记录",
               18 + i % 70, 1 + i % 6, i % 3000, i % 120,
               base + timedelta(days=i % 20000), date(2024, 1, 1) + timedelta(days=i % 300),
               base + timedelta(days=(i * 7) % 25000),
               round(rnd.uniform(1000, 20000), 2), round(rnd.uniform(30, 200), 1), i * 0.5]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_generate(path: str, rows: int) -> dict:
    t = time.perf_counter()
    for _ in make_rows(rows):
        pass
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb()}


def step_write(path: str, rows: int) -> dict:
    t = time.perf_counter()
    write_xlsx(path, [("数据", HEADERS, make_rows(rows), KINDS)])
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(),
            "size_mb": os.path.getsize(path) / 2**20}


def step_read(path: str, rows: int) -> dict:
    t0 = time.perf_counter()
    inspect_upload(path)
    t1 = time.perf_counter()
    header, data = open_rows(path, max_rows=rows)
    t2 = time.perf_counter()
    good = sum(1 for _, record, _ in parse_rows(COLUMNS, header, data, data.start_row) if record)
    t3 = time.perf_counter()
    if good != rows:
        raise SystemExit(f"expected {rows} valid rows, got {good}")
    return {"seconds": t3 - t0, "inspect": t1 - t0, "open": t2 - t1, "parse": t3 - t2,
            "peak_mb": peak_mb()}


def excel_style_copy(path: str, rows: int) -> None:
    """The same data with shared strings, as Excel saves it (untimed set-up)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("数据")
    fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(make_rows(rows), 1):
        for c, v in enumerate(row):
            if isinstance(v, date):
                sheet.write_datetime(r, c, datetime(v.year, v.month, v.day), fmt)
            else:
                sheet.write(r, c, v)
    book.close()


STEPS = {"generate": step_generate, "write": step_write, "read": step_read}


def run_step(step: str, path: str, rows: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--step", step, "--path", path,
                          "--rows", str(rows)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def median(results: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args.path, args.rows)))
        return

    rows, runs = args.rows, args.runs
    with tempfile.TemporaryDirectory(prefix="excel-bench-") as tmp:
        ours, excel = os.path.join(tmp, "export.xlsx"), os.path.join(tmp, "excel-style.xlsx")
        gen = [run_step("generate", ours, rows) for _ in range(runs)]
        write = [run_step("write", ours, rows) for _ in range(runs)]
        read = [run_step("read", ours, rows) for _ in range(runs)]
        excel_style_copy(excel, rows)
        read_excel = [run_step("read", excel, rows) for _ in range(runs)]

    print(f"Excel layer, {rows:,} rows × 20 columns, median of {runs} runs "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n")
    print(f"{'step':<44} {'rows/s':>9} {'seconds':>8} {'peak RSS':>9}")
    table = [
        ("row generation only (baseline)", gen),
        (f"write .xlsx (incl. generation; {median(write, 'size_mb'):.1f} MB file)", write),
        ("read+parse our export (inline strings)", read),
        ("read+parse Excel-style file (shared strings)", read_excel),
    ]
    for label, results in table:
        seconds = median(results, "seconds")
        print(f"{label:<44} {rows / seconds:>9,.0f} {seconds:>8.2f} "
              f"{median(results, 'peak_mb'):>6.0f} MB")
    for label, results in (("our export", read), ("Excel-style", read_excel)):
        print(f"  {label}: inspect_upload {median(results, 'inspect'):.2f} s, "
              f"open_rows {median(results, 'open'):.2f} s, "
              f"parse_rows {median(results, 'parse'):.2f} s "
              f"({rows / median(results, 'parse'):,.0f} rows/s)")


if __name__ == "__main__":
    main()
