"""Workflow actions from 8 concurrent clients against gunicorn with 2 workers on PostgreSQL
(quality.md: ≥ 150 actions/s, no errors but the expected 409s).

    DATABASE_URL=postgresql://…/bench_city python bench/concurrency_bench.py [--clients 8] [--seconds 20]

Runs against the data set of ``bench/generate.py`` in that database.  Starts
``gunicorn -c gunicorn.conf.py wsgi:app`` with 2 workers on a free port, logs the clients
in through the API (``DEMO_PASSWORD``, default that of generate.py), then

1. sign races: for up to 40 tasks waiting for 魏都区住房和城乡建设局's signature, two clients
   sign with the version they both read: one must win, the other get 409;
2. throughput: every client sends 处置反馈 on the unit's open tasks for ``--seconds``.

Prints requests/s, median and p95 latency, and the count of each status (an error is
anything but 200 and the expected 409).
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
PASSWORD = os.environ.get("DEMO_PASSWORD", "Bench@2025x")
USER = "weidu_zjj"


def start_gunicorn(url, workers):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="development",
               GUNICORN_WORKERS=str(workers), GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESSLOG="/dev/null",
               GUNICORN_LOGLEVEL="warning")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env=env)
    import requests

    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            if requests.get(f"{base}/login/", timeout=10).status_code == 200:
                return proc, base
        except requests.RequestException:      # not listening yet, or still importing the app
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("gunicorn did not answer within 120 s")


def client(base):
    import requests

    http = requests.Session()
    resp = http.post(f"{base}/api/v1/security/login", json={"username": USER, "password": PASSWORD, "provider": "db"},
                     timeout=30)
    if resp.status_code != 200:
        raise SystemExit(f"login of {USER} refused: {resp.status_code} {resp.text[:200]}")
    http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return http


def task_tickets(url, status, limit):
    """Tickets where the user's unit has a task in ``status`` (newest first)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT t.ticket_id FROM task t JOIN ab_user u ON u.unit_id = t.unit_id JOIN ticket k ON k.id = t.ticket_id "
            "WHERE u.username = :user AND t.status = :status AND k.state = 'open' ORDER BY t.ticket_id DESC LIMIT :n"),
            {"user": USER, "status": status, "n": limit}).scalars().all()
    engine.dispose()
    return rows


def summary(label, samples, codes, seconds):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)] if samples else 0
    errors = sum(n for code, n in codes.items() if code not in (200, 409))
    print(f"| {label} | {len(samples):,} | {len(samples) / seconds:.1f} /s | "
          f"{statistics.median(samples) if samples else 0:.1f} ms | {p95:.1f} ms | "
          f"{codes.get(200, 0):,} | {codes.get(409, 0):,} | {errors:,} |", flush=True)
    return len(samples) / seconds, p95, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgresql://… (the data set of bench/generate.py)")
    proc, base = start_gunicorn(url, args.workers)
    try:
        sessions = [client(base) for _ in range(args.clients)]
        print(f"gunicorn -w {args.workers} on {url.rsplit('@', 1)[-1]}, {args.clients} clients as {USER}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
        print("| phase | requests | throughput | median | p95 | 200 | 409 | errors |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        lock = threading.Lock()

        def timed_post(http, tid, action, body):
            t0 = time.perf_counter()
            code = http.post(f"{base}/api/v1/tickets/{tid}/{action}", json=body, timeout=60).status_code
            return (time.perf_counter() - t0) * 1000, code

        # 1. sign races: two clients, one version, one winner
        pending = task_tickets(url, "pending_sign", 40)
        samples, codes, lost = [], Counter(), 0
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            for tid in pending:
                version = sessions[0].get(f"{base}/api/v1/tickets/{tid}", timeout=30).json()["version"]
                pair = [pool.submit(timed_post, sessions[k], tid, "sign", {"version": version}) for k in (1, 2)]
                got = sorted(f.result()[1] for f in pair)
                lost += got != [200, 409]
                for f in pair:
                    ms, code = f.result()
                    samples.append(ms)
                    codes[code] += 1
        summary("签收 races (2 clients, same version)", samples, codes, time.perf_counter() - started)
        if lost:
            print(f"\n**{lost} sign races did not end with exactly one 200 and one 409**\n")

        # 2. throughput: 处置反馈 from every client until the time is up
        open_ids = task_tickets(url, "open", 400)
        if not open_ids:
            raise SystemExit("no open task of the user's unit (run bench/generate.py)")
        samples, codes = [], Counter()
        deadline = time.perf_counter() + args.seconds

        def worker(k):
            http, n = sessions[k], k
            while time.perf_counter() < deadline:
                ms, code = timed_post(http, open_ids[n % len(open_ids)], "feedback", {"content": "已到现场，正在处置"})
                n += args.clients
                with lock:
                    samples.append(ms)
                    codes[code] += 1
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(worker, range(args.clients)))
        rate, p95, errors = summary(f"处置反馈 ({args.clients} clients, {len(open_ids)} tickets)", samples, codes,
                                    time.perf_counter() - started)
        print(f"\ntarget: ≥ 150 actions/s, no errors but the expected 409s → "
              f"{'met' if rate >= 150 and not errors and not lost else 'NOT met'}")
    finally:
        proc.terminate()
        proc.wait(15)


if __name__ == "__main__":
    main()
