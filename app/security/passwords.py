"""Password policy: complexity, history (no reuse of the last 5), age (90 days), forced change.

The complexity check is FAB's ``FAB_PASSWORD_COMPLEXITY_VALIDATOR`` hook, so FAB's own user
add form, reset forms and the user REST API all apply it.  Every change of a password hash,
whatever the path (forms, REST API, ``sm.reset_password``), is seen by the ``after_flush``
listener of ``app.security.sessions``, which stores the history and bumps the session version.
"""
import datetime as dt
import re

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models.base import now
from app.models.security import PasswordHistory, UserSecurity

COMPLEXITY_MESSAGE = "密码至少8位，且须包含大写字母、小写字母、数字、特殊字符中的至少三类"
REUSE_MESSAGE = "新密码不能与最近{n}次使用过的密码相同"
MIN_LENGTH = 8
MAX_LENGTH = 128
HISTORY_SIZE = 5
MAX_AGE_DAYS = 90

_CLASSES = (re.compile(r"[A-Z]"), re.compile(r"[a-z]"), re.compile(r"[0-9]"), re.compile(r"[^A-Za-z0-9]"))


def password_classes(password):
    """How many of the four character classes (upper, lower, digit, symbol) occur."""
    return sum(1 for pattern in _CLASSES if pattern.search(password or ""))


def validate_password_complexity(password):
    """FAB's complexity hook: raise ``PasswordComplexityValidationError`` with the Chinese message."""
    password = password or ""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH or password_classes(password) < 3:
        raise PasswordComplexityValidationError(COMPLEXITY_MESSAGE)


def history_size():
    return int(current_app.config.get("PASSWORD_HISTORY_SIZE", HISTORY_SIZE))


def max_age():
    return dt.timedelta(days=int(current_app.config.get("PASSWORD_MAX_AGE_DAYS", MAX_AGE_DAYS)))


def recent_hashes(user):
    """The current password hash and those of the last passwords, newest first (≤ history size)."""
    n = history_size()
    rows = db.session.scalars(select(PasswordHistory.password_hash)
                              .where(PasswordHistory.user_id == user.id)
                              .order_by(PasswordHistory.id.desc()).limit(n)).all()
    hashes = [user.password] if user.password else []
    hashes += [h for h in rows if h not in hashes]
    return hashes[:n]


def is_reused(user, password):
    """True when ``password`` is the current one or one of the last ``PASSWORD_HISTORY_SIZE``."""
    return any(h and check_password_hash(h, password) for h in recent_hashes(user))


def reuse_message():
    return REUSE_MESSAGE.format(n=history_size())


def password_state(user_id):
    """The user's ``UserSecurity`` row, or ``None`` before the first need."""
    return db.session.get(UserSecurity, user_id)


def change_reason(state):
    """Why the user must change the password now, or ``None``."""
    if state is None:
        return None
    if state.must_change_password:
        return "管理员重置了您的密码，请先修改密码后再使用系统"
    if state.password_changed_at is not None and now() - state.password_changed_at > max_age():
        return f"您的密码已超过{max_age().days}天未修改，请先修改密码后再使用系统"
    return None
