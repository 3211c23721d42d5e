"""Dictionaries: the generic enumeration table and the three-level 事件类型 tree."""
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin


class DictType(TimestampMixin, Model):
    """A kind of enumeration (紧急程度, 物资类型 …), identified by a stable ``code``."""

    __tablename__ = "dict_type"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    remark: Mapped[Optional[str]] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    items: Mapped[list["DictItem"]] = relationship(back_populates="dict_type", order_by="DictItem.sort_order")

    def __repr__(self):
        return self.name


class DictItem(TimestampMixin, Model):
    """One value of an enumeration: label shown, value stored, order, tag colour, default."""

    __tablename__ = "dict_item"
    __table_args__ = (UniqueConstraint("dict_type_id", "value", name="uq_dict_item_value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dict_type_id: Mapped[int] = mapped_column(ForeignKey("dict_type.id"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[str] = mapped_column(String(100), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tag_color: Mapped[Optional[str]] = mapped_column(String(20))
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    dict_type: Mapped[DictType] = relationship(back_populates="items", lazy="joined")

    def __repr__(self):
        return self.label


class EventCategory(TimestampMixin, Model):
    """事件类型: a three-level tree; tickets store a leaf and show ``full_name``."""

    __tablename__ = "event_category"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_category.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    full_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    parent: Mapped[Optional["EventCategory"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["EventCategory"]] = relationship(back_populates="parent")

    @property
    def is_leaf(self):
        return self.level == 3

    def __repr__(self):
        return self.full_name or self.name
