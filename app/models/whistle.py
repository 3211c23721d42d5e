"""街乡吹哨 (manual §1.3.6–§1.3.9): a township calls communities or departments to a ticket; each
called unit checks in (报到) within the response time and feeds back; the township ends it (吹哨办结).

Rows only; the behaviour lives in ``app.workflow.services`` and the transition table."""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, select, true
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.models.base import now
from app.models.org import AppUser, Unit
from app.models.ticket import Ticket


class Whistle(Model):
    """One 街乡吹哨 of a township on a ticket it owns or holds a task of."""

    __tablename__ = "whistle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)         # the whistling township
    period_id: Mapped[Optional[int]] = mapped_column(ForeignKey("owner_period.id"))
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id"))
    title: Mapped[str] = mapped_column(String(200), nullable=False)                     # 问题标题
    description: Mapped[str] = mapped_column(Text, nullable=False)                      # 问题详细描述
    address: Mapped[str] = mapped_column(String(300), nullable=False)                   # 事发地点
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    urgency: Mapped[str] = mapped_column(String(10), nullable=False, default="一般")
    multi_dept: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)    # 是否多部门协同
    response_hours: Mapped[int] = mapped_column(Integer, nullable=False)                # 响应时限(小时)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")     # open / closed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))

    ticket: Mapped[Ticket] = relationship(backref=backref("whistles", order_by="Whistle.id",
                                                          cascade="all, delete-orphan"))
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    created_by: Mapped[Optional[AppUser]] = relationship(foreign_keys=[created_by_id])
    checkins: Mapped[list["WhistleCheckin"]] = relationship(back_populates="whistle", order_by="WhistleCheckin.id",
                                                            cascade="all, delete-orphan")

    @property
    def respond_by(self):
        """The check-in deadline: whistle time + 响应时限."""
        return self.created_at + dt.timedelta(hours=self.response_hours)


class WhistleCheckin(Model):
    """One unit called by a whistle (期望报到部门): 待报到 → 已报到 → 已反馈."""

    __tablename__ = "whistle_checkin"
    __table_args__ = (Index("ix_whistle_checkin_unit", "unit_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    whistle_id: Mapped[int] = mapped_column(ForeignKey("whistle.id", ondelete="CASCADE"), nullable=False, index=True)
    # the ticket again, so that data scope ("a unit called to a ticket may see it") is one indexed EXISTS
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="待报到")
    checked_in_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    checked_in_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)   # checked in after 响应时限

    whistle: Mapped[Whistle] = relationship(back_populates="checkins")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    checked_in_by: Mapped[Optional[AppUser]] = relationship(foreign_keys=[checked_in_by_id])
    feedbacks: Mapped[list["WhistleFeedback"]] = relationship(order_by="WhistleFeedback.id",
                                                              cascade="all, delete-orphan")

    @property
    def missed(self):
        """Not checked in although the response time has passed (up to 吹哨办结)."""
        if self.status != "待报到":
            return False
        at = self.whistle.closed_at if self.whistle.status == "closed" else now()
        return at is not None and at > self.whistle.respond_by

    @classmethod
    def scope_clause(cls, scope):
        """Check-ins of tickets in scope."""
        if scope.all:
            return true()
        return cls.ticket_id.in_(select(Ticket.id).where(Ticket.scope_clause(scope)))


class WhistleFeedback(Model):
    """反馈 of a checked-in unit (may repeat); its files are also the ticket's attachments."""

    __tablename__ = "whistle_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("whistle_checkin.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    content: Mapped[str] = mapped_column(Text, nullable=False)
    attachment_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
