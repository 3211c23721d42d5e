"""The ticket workflow (事件流转): tickets, owner periods, tasks, ledgers, applications,
supervisions, feedback, attachments, the append-only timeline and outbound messages.

The behaviour lives in ``app.workflow``; these are rows only.  Status words shown in lists
are derived by ``app.workflow.status`` from the states stored here, never stored twice.
"""
import datetime as dt
import json
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text,
                        exists, or_, select, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import now
from app.models.dictionary import EventCategory
from app.models.org import AppUser, Unit


ticket_attachment = Table(
    "ticket_attachment",
    Model.metadata,
    Column("ticket_id", Integer, ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
    Column("attachment_id", Integer, ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True),
)


class Ticket(Model):
    """事件: one reported problem from report to finish."""

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_owner_state", "owner_unit_id", "state", "id"),
        Index("ix_ticket_unit_state", "unit_id", "state", "reported_at"),
        Index("ix_ticket_reporter_unit", "reporter_unit_id", "state"),
        Index("ix_ticket_reported_at", "reported_at"),
        Index("ix_ticket_finished_unit", "finished_unit_id", "id"),       # 已办: tickets my unit finished
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)            # 所属辖区
    grid_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))                  # 所属网格
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="网格巡查")      # 问题来源
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_category.id"))    # 事件类型 (leaf)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    party_name: Mapped[Optional[str]] = mapped_column(String(100))
    party_phone: Mapped[Optional[str]] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(10), nullable=False, default="一般")        # 一般/紧急/重大
    event_level: Mapped[Optional[str]] = mapped_column(String(20))                       # 事件等级 (一键上报: 突发应急)
    occurred_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)                 # 事发时间
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    reporter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    reporter_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    reporter_phone: Mapped[Optional[str]] = mapped_column(String(30))
    # the one machine state of the ticket: open, awaiting_ack, closed, pushed
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    owner_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))          # current owner (承办主体)
    ack_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))            # who confirms the finish
    converted: Mapped[Optional[str]] = mapped_column(String(20))                         # emergency / difficult
    pushed_12345: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    finished_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    finish_result: Mapped[Optional[str]] = mapped_column(Text)
    finish_content: Mapped[Optional[str]] = mapped_column(Text)
    acknowledged_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    grid: Mapped[Optional[Unit]] = relationship(foreign_keys=[grid_id])
    owner_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[owner_unit_id])
    reporter_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[reporter_unit_id])
    reporter: Mapped[Optional[AppUser]] = relationship(foreign_keys=[reporter_id])
    category: Mapped[Optional[EventCategory]] = relationship()
    periods: Mapped[list["OwnerPeriod"]] = relationship(back_populates="ticket", order_by="OwnerPeriod.id",
                                                        cascade="all, delete-orphan")
    tasks: Mapped[list["Task"]] = relationship(back_populates="ticket", order_by="Task.id",
                                               cascade="all, delete-orphan")
    ledgers: Mapped[list["Ledger"]] = relationship(order_by="Ledger.id", cascade="all, delete-orphan")
    applications: Mapped[list["Application"]] = relationship(back_populates="ticket", order_by="Application.id",
                                                             cascade="all, delete-orphan")
    supervisions: Mapped[list["Supervision"]] = relationship(back_populates="ticket", order_by="Supervision.id",
                                                             cascade="all, delete-orphan")
    feedbacks: Mapped[list["Feedback"]] = relationship(order_by="Feedback.id", cascade="all, delete-orphan")
    callbacks: Mapped[list["Callback"]] = relationship(order_by="Callback.id", cascade="all, delete-orphan")
    timeline: Mapped[list["TimelineEntry"]] = relationship(order_by="TimelineEntry.id", cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(secondary=ticket_attachment)

    @classmethod
    def scope_clause(cls, scope):
        """Tickets visible in ``scope`` (org-and-roles.md "Data scope"): held now or before by a
        unit in scope (owner periods, tasks), reported by one, or lying inside a scope subtree."""
        from app.security.scope import units_clause

        if scope.all:
            return true()
        period = exists().where(OwnerPeriod.ticket_id == cls.id, units_clause(OwnerPeriod.unit_id, scope))
        task = exists().where(Task.ticket_id == cls.id, units_clause(Task.unit_id, scope))
        from app.models.whistle import WhistleCheckin     # a unit called by a 街乡吹哨 sees the ticket
        called = exists().where(WhistleCheckin.ticket_id == cls.id, units_clause(WhistleCheckin.unit_id, scope))
        parts = [units_clause(cls.reporter_unit_id, scope), period, task, called]
        if scope.subtree_paths:
            # first: most tickets a territory sees lie in it, so the OR stops there and the EXISTS
            # over periods, tasks and check-ins run only for the tickets outside it
            parts.insert(0, units_clause(cls.unit_id, scope))
        if scope.user_id:
            parts.append(cls.reporter_id == scope.user_id)
        return or_(*parts)

    def __repr__(self):
        return self.title


class OwnerPeriod(Model):
    """One stretch of time during which one unit owns (承办) the ticket."""

    __tablename__ = "owner_period"
    # boards: my unit's periods in a state → ticket ids; data scope: this ticket's periods → units
    __table_args__ = (Index("ix_owner_period_unit_status", "unit_id", "status", "deadline"),
                      Index("ix_owner_period_unit_status_ticket", "unit_id", "status", "ticket_id"),
                      Index("ix_owner_period_ticket_unit", "ticket_id", "unit_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    from_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    via: Mapped[str] = mapped_column(String(20), nullable=False, default="report")  # report/escalation/transfer/department
    # pending_sign, open, finished, escalated, transferred, pushed
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending_sign")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    deadline: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    extended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    signed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    convert: Mapped[Optional[str]] = mapped_column(String(20))      # emergency / difficult at sign
    # deadline bookkeeping (app.services.deadlines): 签收 limit, the moments 80 % of each limit is
    # used (即将超期, kept as columns so lists and counters filter in SQL), the overdue job's mark
    sign_deadline: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    due_soon_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    sign_due_soon_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    overdue_flagged_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)     # 催办次数

    ticket: Mapped[Ticket] = relationship(back_populates="periods")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")


class Ledger(Model):
    """台账: the assignment plan of one holder (lead unit + task, co-units, 期限天数)."""

    __tablename__ = "ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    period_id: Mapped[Optional[int]] = mapped_column(ForeignKey("owner_period.id"))
    holder_task_id: Mapped[Optional[int]] = mapped_column(Integer)   # the task whose holder opened it
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_type: Mapped[str] = mapped_column(String(20), nullable=False)        # department / jurisdiction
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    lead_task: Mapped[str] = mapped_column(Text, nullable=False, default="")
    co_unit_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    assigned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    assigned_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    lead_unit: Mapped[Unit] = relationship(foreign_keys=[lead_unit_id])


class Task(Model):
    """任务: work given to one unit by assignment (交办); tasks form a tree."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_unit_status", "unit_id", "status", "deadline"),
                      Index("ix_task_unit_status_ticket", "unit_id", "status", "ticket_id"),
                      Index("ix_task_ticket_unit", "ticket_id", "unit_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    parent_task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id"), index=True)
    period_id: Mapped[Optional[int]] = mapped_column(ForeignKey("owner_period.id"))
    ledger_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ledger.id"))
    assigner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False, default="lead")   # lead / co
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # pending_sign, open, completed, returned, revoked, transferred
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending_sign")
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    deadline: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    extended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    signed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    sign_deadline: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)      # as on OwnerPeriod
    due_soon_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    sign_due_soon_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    overdue_flagged_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    ticket: Mapped[Ticket] = relationship(back_populates="tasks")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="joined")
    assigner_unit: Mapped[Unit] = relationship(foreign_keys=[assigner_unit_id])


class InTicketScope:
    """Rows that belong to a ticket are visible where their ticket is."""

    @classmethod
    def scope_clause(cls, scope):
        """Rows of tickets in scope.  Correlated: the scope is checked for the rows the rest of
        the query selects (my unit's few applications), not computed for every ticket first."""
        if scope.all:
            return true()
        return exists().where(Ticket.id == cls.ticket_id, Ticket.scope_clause(scope))


class Application(InTicketScope, Model):
    """申请: escalation, completion, extension or return, reviewed in 审核中心."""

    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_reviewer", "reviewer_unit_id", "kind", "status"),
        Index("ix_application_applicant", "applicant_unit_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)        # escalation/completion/extension/return
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id"))
    period_id: Mapped[Optional[int]] = mapped_column(ForeignKey("owner_period.id"))
    applicant_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    applicant_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    reviewer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    target_type: Mapped[Optional[str]] = mapped_column(String(20))       # escalation: upper / department
    target_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    task_text: Mapped[Optional[str]] = mapped_column(Text)
    days: Mapped[Optional[int]] = mapped_column(Integer)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    content: Mapped[Optional[str]] = mapped_column(Text)
    result: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")  # pending/approved/rejected
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    reviewed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    opinion: Mapped[Optional[str]] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="applications")
    applicant_unit: Mapped[Unit] = relationship(foreign_keys=[applicant_unit_id])
    reviewer_unit: Mapped[Unit] = relationship(foreign_keys=[reviewer_unit_id])
    target_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[target_unit_id])
    applicant: Mapped[Optional[AppUser]] = relationship(foreign_keys=[applicant_id])
    reviewer: Mapped[Optional[AppUser]] = relationship(foreign_keys=[reviewer_id])


class Supervision(InTicketScope, Model):
    """督办: a county or city unit urges the holder of a task."""

    __tablename__ = "supervision"
    __table_args__ = (
        Index("ix_supervision_target", "target_unit_id", "status"),
        Index("ix_supervision_supervisor", "supervisor_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id"))
    supervisor_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    target_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    requirement: Mapped[str] = mapped_column(Text, nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    deadline: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="待签收")    # 待签收/已签收/已反馈
    signed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    feedback: Mapped[Optional[str]] = mapped_column(Text)
    feedback_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    feedback_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    opinion: Mapped[Optional[str]] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(back_populates="supervisions")
    supervisor_unit: Mapped[Unit] = relationship(foreign_keys=[supervisor_unit_id])
    target_unit: Mapped[Unit] = relationship(foreign_keys=[target_unit_id])


class Feedback(Model):
    """处置反馈 of a task holder; may repeat."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("task.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    content: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)


class Callback(Model):
    """回访 by the county or city after the finish."""

    __tablename__ = "ticket_callback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    satisfaction: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)


class Attachment(Model):
    """An uploaded file, stored outside the web root under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stored_name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    content_type: Mapped[Optional[str]] = mapped_column(String(100))
    uploader_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    uploader_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)


class TimelineEntry(Model):
    """事件处置过程: one append-only line per action; nothing edits or deletes it."""

    __tablename__ = "timeline_entry"
    __table_args__ = (Index("ix_timeline_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    level: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    unit_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    user_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(50), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="—")

    @property
    def text(self):
        """``2025-10-27 16:00:17 【县区-魏都区-孟华宇】建立台账 派发主办单位: …``."""
        line = f"{self.at:%Y-%m-%d %H:%M:%S} 【{self.level}-{self.unit_name}-{self.user_name}】{self.action}"
        return line if not self.detail or self.detail == "—" else f"{line} {self.detail}"


class OutboundMessage(InTicketScope, Model):
    """A message to another platform (12345), stored in the action's transaction; an
    integration job delivers it (``app.integration.outbound``)."""

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_status", "status", "id"),
                      Index("ix_outbound_next_attempt", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(20), nullable=False, default="12345")
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="待发送")   # 待发送/已发送/失败
    idempotency_key: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # when the delivery job may try next; NULL once sent or given up (失败 then needs 重新发送)
    next_attempt_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, default=now)

    @property
    def title(self):
        """The pushed ticket's title, as sent."""
        try:
            return json.loads(self.payload).get("title") or ""
        except (TypeError, ValueError, AttributeError):
            return ""
