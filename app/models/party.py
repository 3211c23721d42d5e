"""党建引领 registries (manual §七)."""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin
from app.models.org import Unit
from app.registries.crypto import HASH_TYPE, EncryptedString


class PartyOrg(TimestampMixin, Model):
    """党组织: an organisation in the party tree; 组织路径 is derived from the parents."""

    __tablename__ = "party_org"
    __scope_unit_column__ = "unit_id"
    __table_args__ = (Index("ix_party_org_unit_founded", "unit_id", "founded_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    org_type: Mapped[Optional[str]] = mapped_column(String(30))
    org_level: Mapped[Optional[str]] = mapped_column(String(30))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("party_org.id"), index=True)
    path_names: Mapped[Optional[str]] = mapped_column(String(1000))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    founded_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    approved_by: Mapped[Optional[str]] = mapped_column(String(200))
    center_address: Mapped[Optional[str]] = mapped_column(String(300))
    member_count: Mapped[Optional[int]] = mapped_column(Integer)
    leader_name: Mapped[Optional[str]] = mapped_column(String(50))
    leader_phone = mapped_column(EncryptedString, nullable=True)
    leader_phone_hash: Mapped[Optional[str]] = mapped_column(HASH_TYPE, index=True)
    status: Mapped[Optional[str]] = mapped_column(String(20))
    remark: Mapped[Optional[str]] = mapped_column(Text)

    parent: Mapped[Optional["PartyOrg"]] = relationship(remote_side=[id])
    unit: Mapped[Optional[Unit]] = relationship()

    def __repr__(self):
        return self.name
