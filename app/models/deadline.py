"""Deadline configuration (workflow.md "Deadline"): the working-day calendar and the time
limits per 事件类型 × 紧急程度 × step.  The arithmetic lives in ``app.services.deadlines``."""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin
from app.models.dictionary import EventCategory

HOLIDAY, WORKDAY = "holiday", "workday"
DAY_KIND_LABELS = {HOLIDAY: "节假日", WORKDAY: "调休上班日"}
SIGN, HANDLE = "sign", "handle"
STEP_LABELS = {SIGN: "签收", HANDLE: "办理"}
DAYS, HOURS = "day", "hour"
LIMIT_UNIT_LABELS = {DAYS: "工作日", HOURS: "工作小时"}


class CalendarDay(TimestampMixin, Model):
    """A date that departs from the weekly rule: a public holiday on a weekday (节假日) or a
    weekend day worked instead (调休上班日).  Dates not listed: Monday–Friday work, weekends rest."""

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=HOLIDAY)
    name: Mapped[str] = mapped_column(String(50), nullable=False, default="")       # 春节, 国庆节 …
    remark: Mapped[Optional[str]] = mapped_column(String(200))

    @property
    def kind_label(self):
        return DAY_KIND_LABELS.get(self.kind, self.kind)

    @property
    def weekday_label(self):
        return "周" + "一二三四五六日"[self.day.weekday()] if self.day else ""

    def __repr__(self):
        return f"{self.day} {self.kind_label}"


class TimeLimit(TimestampMixin, Model):
    """办理时限: how long one step may take for one 事件类型 (empty = 全部事件类型) and 紧急程度.
    The most specific category wins (leaf, then its parents, then the row for all types)."""

    __tablename__ = "time_limit"
    __table_args__ = (UniqueConstraint("category_id", "urgency", "step", name="uq_time_limit_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_category.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(10), nullable=False)        # 一般/紧急/重大
    step: Mapped[str] = mapped_column(String(10), nullable=False)           # sign / handle
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    unit: Mapped[str] = mapped_column(String(10), nullable=False, default=DAYS)   # day / hour (working)
    remark: Mapped[Optional[str]] = mapped_column(String(200))

    category: Mapped[Optional[EventCategory]] = relationship(lazy="joined")

    @property
    def category_label(self):
        return self.category.full_name if self.category is not None else "全部事件类型"

    @property
    def step_label(self):
        return STEP_LABELS.get(self.step, self.step)

    @property
    def limit_label(self):
        return f"{self.amount}{LIMIT_UNIT_LABELS.get(self.unit, self.unit)}"

    def __repr__(self):
        return f"{self.category_label} {self.urgency} {self.step_label} {self.limit_label}"
