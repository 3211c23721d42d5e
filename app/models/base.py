"""Shared column mixins and time helpers."""
import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column

CITY_TZ = ZoneInfo("Asia/Shanghai")


def now():
    """Current wall-clock time in the city's time zone, naive (as stored)."""
    return dt.datetime.now(CITY_TZ).replace(tzinfo=None, microsecond=0)


class TimestampMixin:
    """创建时间 / 更新时间 columns, maintained by SQLAlchemy."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, onupdate=now, nullable=False)
