"""Values computed once per request (a user's data scope, the working-day calendar).

Kept on the request object, not on ``g``: a test's application context outlives its
requests, and a value must never leak from one request into the next.  Outside a request
nothing is remembered."""
from flask import has_request_context, request


def memo(name, key, compute):
    """``compute()``, or the value remembered under ``name`` for the same ``key`` in this request."""
    if not has_request_context():
        return compute()
    store = _store()
    hit = store.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = compute()
    store[name] = (key, value)
    return value


def forget(name):
    """Drop the remembered value (its source rows changed during the request)."""
    if has_request_context():
        _store().pop(name, None)


def _store():
    req = request._get_current_object()
    store = getattr(req, "_portal_memo", None)
    if store is None:
        store = req._portal_memo = {}
    return store
