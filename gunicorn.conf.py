"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden by an environment variable of the same name in upper case
(``GUNICORN_WORKERS``, ``GUNICORN_THREADS``, ``GUNICORN_BIND`` …).  All state lives in the
database and Redis, so workers (and whole app servers behind a load balancer) are
interchangeable.  Run ``flask --app wsgi portal init`` once before starting: workers never
migrate or sync permissions themselves.
"""
import multiprocessing
import os


def _env(name, default):
    return os.environ.get(f"GUNICORN_{name}", default)


bind = _env("BIND", "0.0.0.0:8000")
# the app is CPU-bound Python between short database calls: one process per core, plus one
workers = int(_env("WORKERS", multiprocessing.cpu_count() + 1))
# a few threads per worker overlap the database round trips (SQLAlchemy's pool is per process)
worker_class = "gthread"
threads = int(_env("THREADS", 4))
# large imports/exports run as background jobs; a request longer than this is a bug
timeout = int(_env("TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then so a slow leak in a library never grows without bound
max_requests = int(_env("MAX_REQUESTS", 5000))
max_requests_jitter = 500
# the app is imported once per worker, after the fork: no database connection is shared
preload_app = False
# behind nginx / a load balancer: trust its X-Forwarded-* from these addresses only
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = _env("ACCESSLOG", "-")
errorlog = "-"
loglevel = _env("LOGLEVEL", "info")
