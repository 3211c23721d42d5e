"""通知公告: a small unit-scoped record, the first user of the data-scope mechanism."""
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin
from app.models.org import Unit


class Notice(TimestampMixin, Model):
    """A notice published by a unit to the units below it."""

    __tablename__ = "notice"
    __scope_unit_column__ = "unit_id"
    __scope_owner_column__ = "created_by_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[Optional[str]] = mapped_column(Text)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    unit: Mapped[Unit] = relationship(lazy="joined")

    def __repr__(self):
        return self.title
