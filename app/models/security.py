"""Per-user security state, kept out of FAB's ``ab_user`` table.

* ``user_security``: session version (bumped on log-out, password change, disabling and
  forced log-out: every earlier session cookie and API token is refused), password age and
  the forced-change flag, failed-login counter and lock.
* ``password_history``: hashes of the passwords a user had (the last 5 may not be reused).
* ``online_session``: one row per signed-in browser session (在线用户).
"""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import now


class UserSecurity(Model):
    """Security state of one user (created on first need)."""

    __tablename__ = "user_security"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    password_changed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    def __repr__(self):
        return f"UserSecurity({self.user_id}, v{self.session_version})"


class PasswordHistory(Model):
    """One password (hash) a user has had, newest last."""

    __tablename__ = "password_history"
    __table_args__ = (Index("ix_password_history_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)


class OnlineSession(Model):
    """A signed-in browser session: who, from where, since when, last seen."""

    __tablename__ = "online_session"
    __table_args__ = (Index("ix_online_session_user_id", "user_id"),
                      Index("ix_online_session_last_seen_at", "last_seen_at"))

    id: Mapped[str] = mapped_column(String(64), primary_key=True)     # random, kept in the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    username: Mapped[str] = mapped_column(String(128), nullable=False)
    ip: Mapped[Optional[str]] = mapped_column(String(64))
    user_agent: Mapped[Optional[str]] = mapped_column(String(300))
    login_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)

    user = relationship("AppUser", lazy="joined", viewonly=True)

    def __repr__(self):
        return f"{self.username}@{self.ip}"
