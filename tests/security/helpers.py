"""Helpers for the security tests: each test makes its own users (demo accounts stay untouched)."""
import uuid

from sqlalchemy import select

from app.extensions import appbuilder, db
from app.models.audit import OperationLog
from app.models.org import AppUser
from app.models.security import UserSecurity

PASSWORD = "Secur1ty@Test"


def make_user(app, role="网格员", password=PASSWORD, prefix="sec"):
    """A fresh active user with ``role``; returns its user name."""
    username = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with app.app_context():
        user = appbuilder.sm.add_user(username, "测试", "", f"{username}@xuchang.local",
                                      appbuilder.sm.find_role(role), password=password)
        assert user, "user not created"
        db.session.remove()
    return username


def user_id(app, username):
    with app.app_context():
        uid = db.session.scalar(select(AppUser.id).where(AppUser.username == username))
        db.session.remove()
        return uid


def state_of(app, username):
    """(session_version, must_change_password, failed_count, locked_until, password_changed_at)."""
    with app.app_context():
        uid = db.session.scalar(select(AppUser.id).where(AppUser.username == username))
        st = db.session.get(UserSecurity, uid)
        result = None if st is None else (st.session_version, st.must_change_password, st.failed_count,
                                           st.locked_until, st.password_changed_at)
        db.session.remove()
        return result


def set_state(app, username, **values):
    with app.app_context():
        uid = db.session.scalar(select(AppUser.id).where(AppUser.username == username))
        st = db.session.get(UserSecurity, uid)
        if st is None:
            st = UserSecurity(user_id=uid, session_version=1, must_change_password=False, failed_count=0)
            db.session.add(st)
        for key, value in values.items():
            setattr(st, key, value)
        db.session.commit()
        db.session.remove()


def login(client, username, password=PASSWORD, next_url=None):
    url = "/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password})


def api_login(client, username, password=PASSWORD, refresh=False):
    return client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db", "refresh": refresh})


def log_entries(app, target, category="login"):
    """[(action, result)] of the log entries about ``target``, oldest first."""
    with app.app_context():
        rows = db.session.execute(select(OperationLog.action, OperationLog.result)
                                  .where(OperationLog.category == category, OperationLog.target == target)
                                  .order_by(OperationLog.id)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def flashes(client):
    with client.session_transaction() as sess:
        return [m for _, m in sess.get("_flashes", [])]
