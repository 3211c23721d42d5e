"""Log-in with lockout: 5 failed log-ins lock the account for 15 minutes.

One function, ``authenticate``, serves the login page and ``POST /api/v1/security/login``
(both call ``sm.auth_user_db``).  Whatever the reason of a refusal (unknown user, disabled
account, locked account, wrong password) the caller shows the same message, and every path
computes exactly one password hash of the same cost, so neither message nor time tells
whether a user name exists.  Counters live in ``user_security`` and are incremented in SQL,
so several app servers share them.
"""
import datetime as dt
from types import SimpleNamespace

from flask import current_app, has_request_context, request
from flask_appbuilder.security.utils import is_null_password
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from app.audit import record
from app.extensions import db
from app.models.base import now
from app.models.security import UserSecurity

LOGIN_FAILED_MESSAGE = "用户名或密码错误，或账号已被锁定"
MAX_FAILURES = 5
LOCK_MINUTES = 15
LOGIN = "login"


def max_failures():
    return int(current_app.config.get("LOGIN_MAX_FAILURES", MAX_FAILURES))


def lock_duration():
    return dt.timedelta(minutes=int(current_app.config.get("LOGIN_LOCK_MINUTES", LOCK_MINUTES)))


def channel():
    """页面 (login form) or 接口 (REST API), for the log."""
    return "接口" if has_request_context() and request.path.startswith("/api/") else "页面"


def ensure_state(user_id):
    """The user's ``UserSecurity`` row, created when missing (safe against a concurrent insert)."""
    state = db.session.get(UserSecurity, user_id)
    if state is not None:
        return state
    try:
        with db.session.begin_nested():
            db.session.add(UserSecurity(user_id=user_id, session_version=1, must_change_password=False,
                                        failed_count=0))
    except IntegrityError:
        pass
    return db.session.get(UserSecurity, user_id)


def is_locked(state):
    return bool(state is not None and state.locked_until is not None and state.locked_until > now())


def _dummy_check(password):
    """Spend the time of one real password check (the hash of an unknown or locked user)."""
    check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], password or "")


def _who(username):
    return SimpleNamespace(id=None, username=(username or "")[:128])


def authenticate(sm, username, password):
    """FAB's ``auth_user_db`` with lockout and login log; the user or ``None``."""
    if not username:
        return None
    if is_null_password(password):
        _dummy_check(password)
        return None
    user = sm.find_user(username=username)
    if user is None:
        user = sm.find_user(email=username)
    else:
        sm.find_user(email=username)          # balance the two look-ups of an unknown name
    if user is None or not user.is_active:
        _dummy_check(password)
        record(LOGIN, "登录失败", target=username[:200], result="失败",
               detail={"方式": channel(), "原因": "用户不存在" if user is None else "账号已停用"},
               user=_who(username) if user is None else user)
        db.session.commit()
        return None
    state = ensure_state(user.id)
    if is_locked(state):
        _dummy_check(password)
        record(LOGIN, "登录失败", target=user.username, result="账号锁定中",
               detail={"方式": channel(), "锁定至": state.locked_until.isoformat(sep=" ")}, user=user)
        db.session.commit()
        return None
    if check_password_hash(user.password or "", password):
        state.failed_count = 0
        state.locked_until = None
        if state.password_changed_at is None:
            state.password_changed_at = now()     # accounts older than the policy start their clock
        sm.update_user_auth_stat(user, True)     # commits; calls on_user_login (login log)
        return user
    _register_failure(user)
    sm.update_user_auth_stat(user, False)        # commits; FAB's fail_login_count
    return None


def _register_failure(user):
    db.session.execute(update(UserSecurity).where(UserSecurity.user_id == user.id)
                       .values(failed_count=UserSecurity.failed_count + 1))
    count = db.session.scalar(select(UserSecurity.failed_count).where(UserSecurity.user_id == user.id))
    record(LOGIN, "登录失败", target=user.username, result="失败",
           detail={"方式": channel(), "原因": "密码错误", "连续失败次数": count}, user=user)
    if count >= max_failures():
        until = now() + lock_duration()
        db.session.execute(update(UserSecurity).where(UserSecurity.user_id == user.id)
                           .values(failed_count=0, locked_until=until))
        record(LOGIN, "账号锁定", target=user.username, result=f"锁定{int(lock_duration().total_seconds() // 60)}分钟",
               detail={"方式": channel(), "连续失败次数": count, "锁定至": until.isoformat(sep=" ")}, user=user)


def unlock(user, by=None):
    """Clear the lock and the failure counter (an administrator's action)."""
    state = ensure_state(user.id)
    was_locked = is_locked(state)
    state.failed_count = 0
    state.locked_until = None
    record(LOGIN, "解除锁定", target=user.username, result="成功" if was_locked else "未锁定", user=by)
    return was_locked
