"""A small time-limited cache for figures that may be a minute old (workbench charts).

With ``REDIS_URL`` set the values live in Redis, shared by every worker and app server;
otherwise in the process.  Only JSON-serialisable values are cached, keyed by what they
depend on (the caller's scope), so one user never sees figures computed for another
territory.  Anything that must be exact (counters that link to lists, pages, actions) is
never cached.

A value past its ``ttl`` may still be served for ``stale_for`` seconds while one background
thread (one across all processes with Redis) computes the next: a page then never waits for
a computation that takes longer than the page itself, except the very first one.
"""
import json
import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)
_local: dict = {}
_refreshing: set = set()
_lock = threading.Lock()
_LOCAL_MAX = 1000
_PREFIX = "portal:cache:"


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("portal_cache_redis")
    if client is None:
        import redis

        client = current_app.extensions["portal_cache_redis"] = redis.Redis.from_url(url, socket_timeout=1)
    return client


class _Down(Exception):
    """The shared cache did not answer."""


def _read(key):
    """``(fresh_until, value)`` or None; raises ``_Down`` when Redis fails."""
    client = _redis()
    if client is not None:
        try:
            raw = client.get(key)
        except Exception as exc:
            log.warning("cache read failed for %s", key, exc_info=True)
            raise _Down() from exc
        entry = json.loads(raw) if raw is not None else None
        # anything else under the key (an older format) is a miss
        return (entry["fresh_until"], entry["value"]) if isinstance(entry, dict) and "fresh_until" in entry else None
    with _lock:
        hit = _local.get(key)
    if hit is None or hit[0] <= time.time():
        return None
    return hit[1], json.loads(hit[2])


def _write(key, value, ttl, stale_for):
    at = time.time()
    client = _redis()
    if client is not None:
        try:
            client.set(key, json.dumps({"fresh_until": at + ttl, "value": value}, default=str),
                       ex=int(ttl + stale_for))
        except Exception:
            log.warning("cache write failed for %s", key, exc_info=True)
        return
    # stored as JSON so callers get the same shapes (lists, not tuples) with or without Redis
    raw = json.dumps(value, default=str)
    with _lock:
        if len(_local) >= _LOCAL_MAX:
            _local.clear()
        _local[key] = (at + ttl + stale_for, at + ttl, raw)


def store(key, value, ttl, stale_for=0):
    """Put ``value`` under ``key`` as if just computed (scheduled refreshes)."""
    _write(_PREFIX + key, value, ttl, stale_for)


def cached(key, ttl, compute, stale_for=0):
    """``compute()``'s value, reused for ``ttl`` seconds under ``key``, then for ``stale_for``
    more while a background refresh runs.  A cache that is down costs the computation, never
    the page."""
    key = _PREFIX + key
    try:
        entry = _read(key)
    except _Down:
        return compute()
    if entry is not None:
        fresh_until, value = entry
        if fresh_until <= time.time():
            _refresh_behind(key, ttl, stale_for, compute)
        return value
    value = compute()
    _write(key, value, ttl, stale_for)
    return value


def _claim(key, seconds):
    """True for the one caller that should refresh ``key`` now."""
    client = _redis()
    if client is not None:
        try:
            return bool(client.set(key + ":refreshing", "1", nx=True, ex=max(int(seconds), 1)))
        except Exception:
            log.warning("cache lock failed for %s", key, exc_info=True)
            return False
    with _lock:
        if key in _refreshing:
            return False
        _refreshing.add(key)
        return True


def _release(key):
    client = _redis()
    if client is not None:
        try:
            client.delete(key + ":refreshing")
        except Exception:   # the lock expires by itself
            log.warning("cache unlock failed for %s", key, exc_info=True)
        return
    with _lock:
        _refreshing.discard(key)


def _refresh_behind(key, ttl, stale_for, compute):
    """Recompute in a thread with its own app context (and so its own database session);
    ``compute`` must not use objects of the caller's session."""
    # a refresh that hangs frees the key after a while for another caller to try
    if not _claim(key, max(ttl, 30)):
        return
    app = current_app._get_current_object()

    def refresh():
        with app.app_context():
            try:
                _write(key, compute(), ttl, stale_for)
            except Exception:
                log.exception("background refresh failed for %s", key)
            finally:
                _release(key)

    _spawn(refresh)


def _spawn(fn):
    threading.Thread(target=fn, name="cache-refresh", daemon=True).start()


def clear_local():
    """Forget the in-process entries (tests)."""
    with _lock:
        _local.clear()
        _refreshing.clear()
