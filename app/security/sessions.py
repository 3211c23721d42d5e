"""Sessions: idle timeout, absolute limit, server-side revocation, 在线用户, forced change.

FAB never sets ``session.permanent`` and Flask's cookie session lives 31 days; a cookie copied
before log-out still works after it.  Here:

* at log-in the session becomes permanent (``PERMANENT_SESSION_LIFETIME`` = the idle timeout)
  and carries the login time, the last-seen time, the user's *session version* and the id of
  its ``online_session`` row;
* every request checks, on the server, the idle timeout (30 min), the absolute limit (8 h), the
  version (``user_security.session_version``) and that the ``online_session`` row still exists;
* log-out, a password change, disabling the account and a forced log-out bump the version and
  delete the user's ``online_session`` rows: every earlier cookie is refused;
* JWT access and refresh tokens carry the version as claim ``sv`` and are refused (401) once
  it moved on;
* a user who must change the password (reset by an administrator, or older than 90 days) can
  reach only the change-password page and log-out; the API answers 403.
"""
import datetime as dt
import secrets
import time

from flask import current_app, flash, g, has_request_context, jsonify, redirect, request, session, url_for
from flask_appbuilder.security.sqla.models import User
from flask_login import logout_user, user_logged_in
from sqlalchemy import delete, event, insert, inspect as sa_inspect, or_, select, update
from sqlalchemy.orm import Session

from app.audit import client_ip, record
from app.extensions import db
from app.models.base import now
from app.models.security import OnlineSession, PasswordHistory, UserSecurity
from app.security.passwords import change_reason

SV, SID, LOGIN_AT, SEEN_AT = "_portal_sv", "_portal_sid", "_portal_login_at", "_portal_seen_at"
SESSION_KEYS = (SV, SID, LOGIN_AT, SEEN_AT)
IDLE_MINUTES = 30
MAX_HOURS = 8
SEEN_WRITE_SECONDS = 60          # last-seen is written to the database at most once a minute
EXPIRED_MESSAGE = "登录已超时或已失效，请重新登录"
LOGIN = "login"


def idle_seconds():
    return int(current_app.config.get("SESSION_IDLE_MINUTES", IDLE_MINUTES)) * 60


def max_seconds():
    return int(current_app.config.get("SESSION_MAX_HOURS", MAX_HOURS)) * 3600


# --- session version ---------------------------------------------------------------------

def current_version(user_id):
    """The user's session version (1 before the first bump)."""
    version = db.session.scalar(select(UserSecurity.session_version).where(UserSecurity.user_id == user_id))
    return 1 if version is None else version


def bump_session_version(user_id, conn=None):
    """Invalidate every session cookie and token of the user; drop the user's online sessions.

    ``conn`` lets the flush listener run the statements on the flushing connection.
    """
    execute = (conn or db.session).execute
    result = execute(update(UserSecurity).where(UserSecurity.user_id == user_id)
                     .values(session_version=UserSecurity.session_version + 1)
                     .execution_options(synchronize_session=False))
    if not result.rowcount:
        execute(insert(UserSecurity).values(user_id=user_id, session_version=2, must_change_password=False,
                                            failed_count=0))
    execute(delete(OnlineSession).where(OnlineSession.user_id == user_id)
            .execution_options(synchronize_session=False))


def force_logout(user_id, by=None, username=None):
    """在线用户 → 强制下线: end every session and token of one user."""
    bump_session_version(user_id)
    record(LOGIN, "强制下线", target=username or user_id, user=by)


# --- log-in / log-out --------------------------------------------------------------------

def _on_logged_in(sender, user, **extra):
    """Flask-Login signal: make the session permanent and register it as online."""
    from app.security.lockout import ensure_state

    for key in SESSION_KEYS:
        session.pop(key, None)
    session.permanent = True
    state = ensure_state(user.id)
    t = time.time()
    sid = secrets.token_urlsafe(32)
    session[SV] = state.session_version
    session[SID] = sid
    session[LOGIN_AT] = session[SEEN_AT] = t
    stamp = now()
    # forget sessions that timed out without a log-out
    db.session.execute(delete(OnlineSession).where(or_(OnlineSession.last_seen_at < stamp - _td(idle_seconds()),
                                                       OnlineSession.login_at < stamp - _td(max_seconds())))
                       .execution_options(synchronize_session=False))
    db.session.add(OnlineSession(id=sid, user_id=user.id, username=user.username, ip=client_ip(),
                                 user_agent=(request.headers.get("User-Agent") or "")[:300],
                                 login_at=stamp, last_seen_at=stamp))
    db.session.commit()


def _td(seconds):
    return dt.timedelta(seconds=seconds)


def on_logout(user):
    """Log-out: bump the version (every copy of the cookie dies), log it, clear the session."""
    bump_session_version(user.id)
    record(LOGIN, "退出", target=user.username, user=user)
    db.session.commit()
    clear_session()


def clear_session():
    for key in SESSION_KEYS:
        session.pop(key, None)


# --- every request -----------------------------------------------------------------------

def _is_api():
    return request.path.startswith("/api/")


def _session_valid(user_id):
    try:
        user_id = int(user_id)
        login_at, seen_at = float(session[LOGIN_AT]), float(session[SEEN_AT])
        sv, sid = int(session[SV]), str(session[SID])
    except (KeyError, TypeError, ValueError):
        return None
    t = time.time()
    if t - seen_at > idle_seconds() or t - login_at > max_seconds():
        return None
    state = db.session.get(UserSecurity, user_id, populate_existing=True)
    if (state.session_version if state is not None else 1) != sv:
        return None
    row = db.session.execute(select(OnlineSession.user_id, OnlineSession.last_seen_at)
                             .where(OnlineSession.id == sid)).first()
    if row is None or row.user_id != user_id:
        return None
    stamp = now()
    if (stamp - row.last_seen_at).total_seconds() > idle_seconds() + SEEN_WRITE_SECONDS:
        return None
    if (stamp - row.last_seen_at).total_seconds() >= SEEN_WRITE_SECONDS:
        db.session.execute(update(OnlineSession).where(OnlineSession.id == sid).values(last_seen_at=stamp)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        state = db.session.get(UserSecurity, user_id, populate_existing=True)
    session[SEEN_AT] = t
    return state or False


def _exempt_endpoints():
    sm = current_app.appbuilder.sm
    from app.security.views import PortalResetMyPasswordView

    auth = sm.auth_view.__class__.__name__ if sm.auth_view is not None else "AuthDBView"
    mine = PortalResetMyPasswordView.__name__
    return {"static", "appbuilder.static", f"{auth}.logout", f"{auth}.login", f"{mine}.this_form_get",
            f"{mine}.this_form_post", "LocaleView.index"}


def check_session():
    """``before_request``: refuse expired or revoked sessions; hold back a forced password change."""
    if request.endpoint in ("static", "appbuilder.static"):
        return None
    user_id = session.get("_user_id")
    if user_id is None:
        return None
    state = _session_valid(user_id)
    if state is None:
        logout_user()
        clear_session()
        if not _is_api():
            flash(EXPIRED_MESSAGE, "warning")
        return None        # the view now sees an anonymous user: login page or 401
    reason = change_reason(state or None)
    if reason and request.endpoint not in _exempt_endpoints():
        if _is_api():
            return jsonify(message=reason), 403
        from app.security.views import PortalResetMyPasswordView

        flash(reason, "warning")
        return redirect(url_for(f"{PortalResetMyPasswordView.__name__}.this_form_get"))
    return None


def refresh_current_session(user_id):
    """After one's own password change: keep this session (only) alive with the new version."""
    session[SV] = current_version(user_id)
    sid = secrets.token_urlsafe(32)
    stamp = now()
    db.session.add(OnlineSession(id=sid, user_id=user_id, username=getattr(g.user, "username", ""),
                                 ip=client_ip(), user_agent=(request.headers.get("User-Agent") or "")[:300],
                                 login_at=stamp, last_seen_at=stamp))
    db.session.commit()
    session[SID] = sid


# --- JWT -----------------------------------------------------------------------------------

def install_jwt_checks(jwt_manager):
    """Put the session version into every token and refuse tokens of an older version."""

    @jwt_manager.additional_claims_loader
    def _claims(identity):
        try:
            return {"sv": current_version(int(identity))}
        except (TypeError, ValueError):
            return {}

    @jwt_manager.token_in_blocklist_loader
    def _revoked(header, payload):
        try:
            user_id = int(payload.get("sub"))
        except (TypeError, ValueError):
            return True
        state = db.session.get(UserSecurity, user_id, populate_existing=True)
        if payload.get("sv") != (state.session_version if state is not None else 1):
            return True
        return bool(change_reason(state))

    @jwt_manager.revoked_token_loader
    def _revoked_answer(header, payload):
        try:
            reason = change_reason(db.session.get(UserSecurity, int(payload.get("sub"))))
        except (TypeError, ValueError):
            reason = None
        if reason:
            return jsonify(message=reason), 403
        return jsonify(message="登录凭证已失效，请重新登录"), 401


# --- password and account changes, whatever the path -----------------------------------

def _actor_id():
    if not has_request_context():
        return None
    user = g.get("_login_user") or g.get("user")
    try:
        return user.id if user is not None and user.is_authenticated else None
    except Exception:
        return None


def _after_flush(session_, flush_context):
    changed = [obj for obj in list(session_.new) + list(session_.dirty) if isinstance(obj, User)]
    if not changed:
        return
    conn = session_.connection()
    for user in changed:
        state = sa_inspect(user)
        is_new = user in session_.new
        password = state.attrs.password.history
        if password.added and user.password and user.id is not None:
            _password_set(conn, user, is_new)
        active = state.attrs.active.history
        if not is_new and active.added and active.added[0] is False and True in (active.deleted or ()):
            bump_session_version(user.id, conn)


def _password_set(conn, user, is_new):
    stamp = now()
    conn.execute(insert(PasswordHistory).values(user_id=user.id, password_hash=user.password, created_at=stamp))
    actor = None if is_new else _actor_id()
    values = {"password_changed_at": stamp}
    if not is_new and actor is not None:
        # set by someone else (an administrator's reset): to be changed at the next log-in
        values["must_change_password"] = actor != user.id
    exists = conn.execute(select(UserSecurity.user_id).where(UserSecurity.user_id == user.id)).first()
    if exists:
        conn.execute(update(UserSecurity).where(UserSecurity.user_id == user.id).values(**values)
                     .execution_options(synchronize_session=False))
    else:
        conn.execute(insert(UserSecurity).values(user_id=user.id, session_version=1, failed_count=0,
                                                 must_change_password=values.get("must_change_password", False),
                                                 password_changed_at=stamp))
    if not is_new:
        bump_session_version(user.id, conn)


def init_sessions(app, appbuilder):
    app.config.setdefault("SESSION_IDLE_MINUTES", IDLE_MINUTES)
    app.config.setdefault("SESSION_MAX_HOURS", MAX_HOURS)
    app.before_request(check_session)
    user_logged_in.connect(_on_logged_in, app)
    install_jwt_checks(appbuilder.sm.jwt_manager)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def init_security(app):
    """Called once by ``create_app`` after ``appbuilder.init_app``: the whole of issue #8's machinery."""
    from app.extensions import appbuilder
    from app.security.headers import init_headers
    from app.security.passwords import validate_password_complexity

    app.config["FAB_PASSWORD_COMPLEXITY_ENABLED"] = True
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", validate_password_complexity)
    from app.security.audit_log import install_append_only_guard
    from app.security.limits import init_limits

    init_headers(app)
    init_sessions(app, appbuilder)
    init_limits(app)
    install_append_only_guard()
    from app.security.change_log import install_change_log

    install_change_log()
