"""居民吹哨 (manual §二): problems residents report through the public form, and their photos.

The resident's name, phone and home address are personal data: encrypted at rest like the
registries' sensitive fields (``EncryptedString``), with a keyed hash of the phone for
exact-match search.  The behaviour lives in ``app.workflow.resident``.
"""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, or_, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import now
from app.models.org import AppUser, Unit, UnitKind
from app.registries.crypto import HASH_TYPE, EncryptedString

# status → 中文 (列表 and API)
WHISTLE_STATUS_LABELS = {"pending": "待核实", "verified": "已核实", "closed": "已办结", "escalated": "已提级上报"}


class ResidentWhistle(Model):
    """One resident's report: 所属村/社区, 详细说明, 相关照片, 反馈人, 手机号, 家庭住址, 反馈时间."""

    __tablename__ = "resident_whistle"
    __table_args__ = (Index("ix_resident_whistle_community_status", "community_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref_no: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)         # JMyyyymmddNNNN
    community_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)     # 所属村/社区
    description: Mapped[str] = mapped_column(Text, nullable=False)                       # 详细说明
    reporter_name = mapped_column(EncryptedString, nullable=False)                       # 反馈人
    phone = mapped_column(EncryptedString, nullable=False)                               # 手机号
    phone_hash: Mapped[Optional[str]] = mapped_column(HASH_TYPE, index=True)
    address = mapped_column(EncryptedString, nullable=False)                             # 家庭住址
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)   # 反馈时间
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    note: Mapped[Optional[str]] = mapped_column(Text)                                    # 办结说明 / 提级意见
    handled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    handled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    community: Mapped[Unit] = relationship(lazy="joined")
    handled_by: Mapped[Optional[AppUser]] = relationship()
    photos: Mapped[list["ResidentWhistlePhoto"]] = relationship(
        back_populates="whistle", order_by="ResidentWhistlePhoto.id", cascade="all, delete-orphan")

    @property
    def status_label(self):
        return WHISTLE_STATUS_LABELS.get(self.status, self.status)

    @classmethod
    def scope_clause(cls, scope):
        """Records of communities in scope, and of the community above a grid in scope (the
        grid members of a community see its residents' whistles)."""
        from app.security.scope import units_clause

        if scope.all:
            return true()
        grids_parent = select(Unit.parent_id).where(Unit.kind == UnitKind.GRID.value, units_clause(Unit.id, scope))
        return or_(units_clause(cls.community_id, scope), cls.community_id.in_(grids_parent))


class ResidentWhistlePhoto(Model):
    """相关照片: an image stored outside the web root under a random name."""

    __tablename__ = "resident_whistle_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    whistle_id: Mapped[int] = mapped_column(ForeignKey("resident_whistle.id", ondelete="CASCADE"), nullable=False,
                                            index=True)
    stored_name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    content_type: Mapped[Optional[str]] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)

    whistle: Mapped[ResidentWhistle] = relationship(back_populates="photos")
