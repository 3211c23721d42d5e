"""Rate limits per client address for public (anonymous) endpoints.

Built on the ``limits`` package that FAB's own Flask-Limiter uses.  Counts live in Redis when
``RATELIMIT_STORAGE_URI`` or ``REDIS_URL`` is configured, so that every gunicorn worker and app
server shares them; without Redis (development, tests) they are kept in process memory.
A moving window: a burst at the edge of two fixed windows cannot double the allowance.
"""
import logging

from flask import current_app
from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.audit import client_ip

_EXTENSION = "portal_rate_limiter"


def _limiter():
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        uri = current_app.config.get("RATELIMIT_STORAGE_URI") or current_app.config.get("REDIS_URL") or "memory://"
        limiter = current_app.extensions[_EXTENSION] = MovingWindowRateLimiter(
            storage_from_string(uri, wrap_exceptions=True))
    return limiter


def allow(bucket, limit):
    """Count one request of this client against ``limit`` (e.g. ``"10 per hour"``); False when over it."""
    try:
        return _limiter().hit(parse(limit), bucket, client_ip() or "unknown")
    except StorageError as exc:
        # an unreachable Redis must not take the public form down with it
        logging.getLogger(__name__).warning("rate limit storage unavailable: %s", exc)
        return True


def reset(bucket, limit, address):
    """Forget the counts of one client (administrators' unblock; tests)."""
    _limiter().clear(parse(limit), bucket, address)
