"""后台任务: long imports and exports run outside the request; users follow their progress."""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import now

PENDING, RUNNING, DONE, FAILED = "待处理", "进行中", "已完成", "失败"


class BackgroundJob(Model):
    """One long-running job of one user, with progress and its result files."""

    __tablename__ = "background_job"
    __table_args__ = (Index("ix_background_job_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    params: Mapped[Optional[str]] = mapped_column(Text)          # JSON
    result_path: Mapped[Optional[str]] = mapped_column(String(500))
    result_name: Mapped[Optional[str]] = mapped_column(String(200))
    error_path: Mapped[Optional[str]] = mapped_column(String(500))
    message: Mapped[Optional[str]] = mapped_column(Text)
    result: Mapped[Optional[str]] = mapped_column(Text)          # JSON
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, nullable=False)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    @property
    def percent(self):
        if self.status == DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0
