"""A small time-limited cache for figures that may be a minute old (workbench charts).

With ``REDIS_URL`` set the values live in Redis, shared by every worker and app server;
otherwise in the process.  Only JSON-serialisable values are cached, keyed by what they
depend on (the caller's scope), so one user never sees figures computed for another
territory.  Anything that must be exact (counters that link to lists, pages, actions) is
never cached.
"""
import json
import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)
_local: dict = {}
_lock = threading.Lock()
_LOCAL_MAX = 1000


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("portal_cache_redis")
    if client is None:
        import redis

        client = current_app.extensions["portal_cache_redis"] = redis.Redis.from_url(url, socket_timeout=1)
    return client


def cached(key, ttl, compute):
    """``compute()``'s value, reused for ``ttl`` seconds under ``key``.  A cache that is down
    costs the computation, never the page."""
    key = f"portal:cache:{key}"
    client = _redis()
    if client is not None:
        try:
            raw = client.get(key)
            if raw is not None:
                return json.loads(raw)
        except Exception:   # Redis unavailable: compute as if nothing were cached
            log.warning("cache read failed for %s", key, exc_info=True)
            client = None
        value = compute()
        if client is not None:
            try:
                client.set(key, json.dumps(value, default=str), ex=ttl)
            except Exception:
                log.warning("cache write failed for %s", key, exc_info=True)
        return value
    now = time.monotonic()
    with _lock:
        hit = _local.get(key)
    if hit is not None and hit[0] > now:
        return json.loads(hit[1])
    value = compute()
    with _lock:
        if len(_local) >= _LOCAL_MAX:
            _local.clear()
        # stored as JSON so callers get the same shapes (lists, not tuples) with or without Redis
        _local[key] = (now + ttl, json.dumps(value, default=str))
    return value


def clear_local():
    """Forget the in-process entries (tests)."""
    with _lock:
        _local.clear()
