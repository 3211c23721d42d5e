"""平台疑难 (manual §五): problems other platforms (12345, 运管服, 万人助企 …) could not solve.

They arrive through the bulk API or an Excel import, keyed by the source's own id, and wait
in the city's 问题研判-平台疑难 list until a city handler signs them with the 研判 fields;
signing starts a ticket (``ticket_id``).  Rows without a unit are city-wide (city only).
"""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin
from app.models.datacenter import UnitScoped
from app.models.dictionary import EventCategory


class PlatformItem(UnitScoped, TimestampMixin, Model):
    """One 平台疑难 item; the source's fields, then the city's 研判 at sign."""

    __tablename__ = "platform_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)     # 来源编号
    platform: Mapped[Optional[str]] = mapped_column(String(50))                          # 来源
    title: Mapped[str] = mapped_column(String(300), nullable=False)                      # 事件标题
    description: Mapped[Optional[str]] = mapped_column(Text)                             # 事件描述
    difficulty_reason: Mapped[Optional[str]] = mapped_column(Text)                       # 疑难原因说明
    process_detail: Mapped[Optional[str]] = mapped_column(Text)                          # 原平台处理过程详述
    item_type: Mapped[Optional[str]] = mapped_column(String(100))                        # 问题(事项)类型 as sent
    address: Mapped[Optional[str]] = mapped_column(String(300))                          # 事件发生地
    occurred_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)                 # 事发时间
    county: Mapped[Optional[str]] = mapped_column(String(50))                            # 事发涉及县
    town: Mapped[Optional[str]] = mapped_column(String(50))                              # 事发涉及镇/街道
    village: Mapped[Optional[str]] = mapped_column(String(50))                           # 事发涉及村/社区
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    # filled by the city's sign (研判), never by the feed
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_category.id"))
    judgement: Mapped[Optional[str]] = mapped_column(Text)                               # 研判结果
    judged_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)                   # 研判时间
    signed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, index=True)
    signed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), unique=True)

    category: Mapped[Optional[EventCategory]] = relationship()

    def __repr__(self):
        return self.title
