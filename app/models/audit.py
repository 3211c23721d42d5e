"""操作日志: an append-only record of who did what, from where, to which record, with what result."""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import now


class OperationLog(Model):
    """One audited event.  No view or API of the app may edit or delete a row."""

    __tablename__ = "operation_log"
    __table_args__ = (Index("ix_operation_log_at", "at"), Index("ix_operation_log_user_at", "username", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(Integer)
    username: Mapped[Optional[str]] = mapped_column(String(128))
    ip: Mapped[Optional[str]] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(30), nullable=False)   # view, action, import, export, login …
    action: Mapped[str] = mapped_column(String(100), nullable=False)
    target: Mapped[Optional[str]] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(30), nullable=False, default="成功")
    detail: Mapped[Optional[str]] = mapped_column(Text)

    def __repr__(self):
        return f"{self.at} {self.username} {self.action}"
