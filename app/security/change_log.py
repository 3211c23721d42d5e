"""Permission and user changes in the 操作日志, whichever page or API makes them.

FAB's role, user and permission views write through the ORM, so one ``before_flush`` hook on
the session sees every change of an ``ab_role`` or ``ab_user`` row (including the role's
permission list and the user's role list) and adds one log entry per changed object to the
same flush.  Changes made outside a request by a signed-in user (bootstrap, demo data,
permission sync at start) are the system's own and are not logged here.
"""
from flask import g, has_request_context
from flask_appbuilder.security.sqla.models import Role, User
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.audit import record

# columns FAB touches on every log-in; they are the login log's business
_LOGIN_BOOKKEEPING = {"last_login", "login_count", "fail_login_count", "changed_on", "changed_by_fk",
                      "changed_by", "password_changed_at", "session_epoch"}
_SECRET = {"password"}


def _label(value):
    if isinstance(value, (list, tuple, set)):          # a collection's history (roles, permissions)
        return "、".join(sorted(str(getattr(v, "name", v)) for v in value))
    return str(getattr(value, "name", value))


def _changes(obj):
    """{attribute: "old → new"} of the changed, loggable attributes (password only named)."""
    state = inspect(obj)
    out = {}
    for attr in state.mapper.attrs:
        key = attr.key
        if key in _LOGIN_BOOKKEEPING:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        if key in _SECRET:
            out[key] = "已修改"
            continue
        if hasattr(attr, "direction"):          # a collection: roles, permissions
            added, removed = _label(hist.added or ()), _label(hist.deleted or ())
            out[key] = "".join(p for p in (f"+{added}" if added else "", f" -{removed}" if removed else ""))
        else:
            old = hist.deleted[0] if hist.deleted else None
            out[key] = f"{_label(old) if old is not None else '—'} → {_label(hist.added[0]) if hist.added else '—'}"
    return out


def _actor():
    """The signed-in user of a page (cookie) or API (token) request; None outside requests."""
    if not has_request_context():
        return None
    from app.extensions import appbuilder
    try:
        return appbuilder.sm.current_user
    except Exception:                       # no user loader for this request (static files, errors)
        return getattr(g, "user", None)


# FAB's users REST API maps ab_user with its own ``User`` class, the pages with ``AppUser``
# (a subclass): the hook matches the base class so both are logged.

def _log_changes(session, flush_context, instances):
    actor = _actor()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    for obj in list(session.new):
        if isinstance(obj, User):
            record("security", "新增用户", target=obj.username, user=actor, detail={"角色": _label(obj.roles)})
        elif isinstance(obj, Role):
            record("security", "新增角色", target=obj.name, user=actor)
    for obj in list(session.dirty):
        if isinstance(obj, (User, Role)) and session.is_modified(obj):
            changes = _changes(obj)
            if changes:
                what = "修改用户" if isinstance(obj, User) else "修改角色权限"
                target = obj.username if isinstance(obj, User) else obj.name
                record("security", what, target=target, user=actor, detail=changes)
    for obj in list(session.deleted):
        if isinstance(obj, User):
            record("security", "删除用户", target=obj.username, user=actor)
        elif isinstance(obj, Role):
            record("security", "删除角色", target=obj.name, user=actor)


def install_change_log():
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", _log_changes):
        event.listen(Session, "before_flush", _log_changes)
