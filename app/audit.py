"""Writing the operation log.  Entries are added to the current session so that an
action and its log entry commit (or roll back) together; ``record_now`` commits on its
own for events that must survive a failed request (out-of-scope attempts, failed logins).
"""
import json

from flask import g, has_request_context, request

from app.extensions import db
from app.models.audit import OperationLog
from app.models.base import now

SECRET_KEYS = ("password", "passwd", "token", "secret", "csrf", "authorization")
MAX_DETAIL = 2000


def client_ip():
    if not has_request_context():
        return None
    return request.remote_addr


def _is_secret(key):
    return any(s in str(key).lower() for s in SECRET_KEYS)


def _clean(value):
    # nested bodies (JSON objects in lists …) hide secrets as well as the top level does
    if isinstance(value, dict):
        return {k: ("***" if _is_secret(k) else _clean(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def redact(params):
    """Drop secrets from request parameters and truncate the JSON to 2,000 characters."""
    if not params:
        return None
    text = json.dumps(_clean(dict(params)), ensure_ascii=False, default=str)
    return text[:MAX_DETAIL]


def _entry(category, action, target=None, result="成功", detail=None, user=None):
    if user is None and has_request_context():
        user = getattr(g, "user", None)
    user_id = getattr(user, "id", None)
    return OperationLog(
        user_id=user_id,
        username=getattr(user, "username", None),
        ip=client_ip(),
        category=category,
        action=action,
        target=None if target is None else str(target)[:200],
        result=result,
        detail=None if detail is None else detail[:MAX_DETAIL] if isinstance(detail, str) else redact(detail),
    )


def record(category, action, target=None, result="成功", detail=None, user=None):
    """Add a log entry to the current transaction."""
    entry = _entry(category, action, target, result, detail, user)
    db.session.add(entry)
    return entry


def record_now(category, action, target=None, result="成功", detail=None, user=None):
    """Write a log entry in its own transaction, independent of the request's."""
    entry = _entry(category, action, target, result, detail, user)
    with db.engine.begin() as conn:
        conn.execute(OperationLog.__table__.insert().values(
            at=now(),
            user_id=entry.user_id, username=entry.username, ip=entry.ip, category=entry.category,
            action=entry.action, target=entry.target, result=entry.result, detail=entry.detail,
        ))
