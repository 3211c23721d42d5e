"""数据中心 registries (manual §八): fourteen tables, declared in ``app.registries.datacenter``.

Feeds (12345 orders, 运管服 parts and cases, 万人助企, 市长信箱, 热力站) are keyed by the
source system's own id (unique), so re-sending a record updates it. Sensitive columns
(phones, ID numbers, home addresses) are encrypted, with a ``_hash`` blind index.
Every table has ``unit_id`` (所属辖区) for data scope; rows without one are city-wide.
"""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.sql.expression import FunctionElement

from app.models.base import TimestampMixin
from app.models.org import Unit
from app.registries.crypto import HASH_TYPE, EncryptedString


class UnitScoped:
    """所属辖区 column and relationship used by the data scope."""

    __scope_unit_column__ = "unit_id"

    @declared_attr
    def unit_id(cls) -> Mapped[Optional[int]]:
        return mapped_column(ForeignKey("unit.id"), index=True)

    @declared_attr
    def unit(cls) -> Mapped[Optional[Unit]]:
        return relationship(Unit)


def _sensitive():
    return mapped_column(EncryptedString, nullable=True)


def _hash():
    return mapped_column(HASH_TYPE, index=True)


class HotlineOrder(UnitScoped, TimestampMixin, Model):
    """12345热线工单 (§8.1), a feed keyed by 工单标识. Listed newest 受理时间 first; the
    composite indexes serve the list's first and deep pages with one or two filters."""

    __tablename__ = "dc_hotline_order"
    __table_args__ = (
        # filter columns, then the list order (受理时间, id), then unit_id so that a county's
        # scope condition is checked inside the index (no table look-up for skipped rows)
        Index("ix_dc_hotline_accepted", "accepted_at", "id", "unit_id"),
        Index("ix_dc_hotline_type_accepted", "order_type", "accepted_at", "id", "unit_id"),
        Index("ix_dc_hotline_type_visited", "order_type", "is_visited", "accepted_at", "id", "unit_id"),
        Index("ix_dc_hotline_visited_accepted", "is_visited", "accepted_at", "id", "unit_id"),
        Index("ix_dc_hotline_unit_accepted", "unit_id", "accepted_at", "id"),
        Index("ix_dc_hotline_started", "handle_started_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    address: Mapped[Optional[str]] = mapped_column(String(500))
    description: Mapped[Optional[str]] = mapped_column(Text)
    channel: Mapped[Optional[str]] = mapped_column(String(30))
    order_type: Mapped[Optional[str]] = mapped_column(String(10))
    category1: Mapped[Optional[str]] = mapped_column(String(100))
    category2: Mapped[Optional[str]] = mapped_column(String(100))
    category3: Mapped[Optional[str]] = mapped_column(String(100))
    accepted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    handle_started_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    county: Mapped[Optional[str]] = mapped_column(String(50))
    street: Mapped[Optional[str]] = mapped_column(String(50))
    purpose: Mapped[Optional[str]] = mapped_column(String(200))
    urgency: Mapped[Optional[str]] = mapped_column(String(20))
    requester: Mapped[Optional[str]] = mapped_column(String(50))
    requester_phone = _sensitive()
    requester_phone_hash: Mapped[Optional[str]] = _hash()
    handler_unit: Mapped[Optional[str]] = mapped_column(String(200))
    status: Mapped[Optional[str]] = mapped_column(String(30))
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    is_visited: Mapped[Optional[bool]] = mapped_column(Boolean)
    satisfaction: Mapped[Optional[str]] = mapped_column(String(20))

    def __repr__(self):
        return self.source_id


class UmsPart(UnitScoped, TimestampMixin, Model):
    """运管服部件数据 (§8.2): part counts per (大类代码, 小类代码); city-wide (no territory)."""

    __tablename__ = "dc_ums_part"
    __table_args__ = (UniqueConstraint("major_code", "minor_code", name="uq_dc_ums_part_codes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    major_code: Mapped[str] = mapped_column(String(20), nullable=False)
    major_name: Mapped[Optional[str]] = mapped_column(String(100))
    minor_code: Mapped[str] = mapped_column(String(20), nullable=False)
    minor_name: Mapped[Optional[str]] = mapped_column(String(100))
    quantity: Mapped[Optional[int]] = mapped_column(Integer)
    remark: Mapped[Optional[str]] = mapped_column(String(500))

    def __repr__(self):
        return f"{self.major_code}-{self.minor_code}"


class UmsCase(UnitScoped, TimestampMixin, Model):
    """运管服案件数据 (§8.3), a feed keyed by 案件号; the unit comes from 所属街道."""

    __tablename__ = "dc_ums_case"
    __table_args__ = (Index("ix_dc_ums_case_filed", "filed_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    title: Mapped[Optional[str]] = mapped_column(String(300))
    description: Mapped[Optional[str]] = mapped_column(Text)
    filed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    major_category: Mapped[Optional[str]] = mapped_column(String(100))
    minor_category: Mapped[Optional[str]] = mapped_column(String(100))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    street: Mapped[Optional[str]] = mapped_column(String(50))
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    source: Mapped[Optional[str]] = mapped_column(String(50))
    handler_unit: Mapped[Optional[str]] = mapped_column(String(200))
    status: Mapped[Optional[str]] = mapped_column(String(30))
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    def __repr__(self):
        return self.case_no


class PublicOpinion(UnitScoped, TimestampMixin, Model):
    """重大舆情信息报送 (§8.4); 事件发生地 is the unit. 附件 holds attachment names/ids."""

    __tablename__ = "dc_public_opinion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    summary: Mapped[Optional[str]] = mapped_column(Text)
    urgency: Mapped[Optional[str]] = mapped_column(String(20))
    level: Mapped[Optional[str]] = mapped_column(String(20))
    occurred_on: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    keywords: Mapped[Optional[str]] = mapped_column(String(200))
    subject: Mapped[Optional[str]] = mapped_column(String(200))
    region: Mapped[Optional[str]] = mapped_column(String(20))
    attachment: Mapped[Optional[str]] = mapped_column(String(500))

    def __repr__(self):
        return self.title


class _DaysUntil(FunctionElement):
    """Whole days from today (city time) until a date column; negative when past."""

    inherit_cache = True
    type = Integer()


@compiles(_DaysUntil)
def _days_until_default(element, compiler, **kw):
    col = compiler.process(list(element.clauses)[0], **kw)
    return f"CAST(julianday({col}) - julianday(date('now', '+8 hours')) AS INTEGER)"


@compiles(_DaysUntil, "postgresql")
def _days_until_pg(element, compiler, **kw):
    col = compiler.process(list(element.clauses)[0], **kw)
    return f"({col} - CAST(timezone('Asia/Shanghai', now()) AS DATE))"


class Petition(UnitScoped, TimestampMixin, Model):
    """信访信息数据 (§8.5); 问题属地 is the unit. 办理期限 (due date, inferred: 信访日期 + 60
    days when blank) drives 剩余天数, computed by the database at read time."""

    __tablename__ = "dc_petition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    petition_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    petition_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    name: Mapped[Optional[str]] = mapped_column(String(50), index=True)
    gender: Mapped[Optional[str]] = mapped_column(String(10))
    ethnicity: Mapped[Optional[str]] = mapped_column(String(20))
    id_type: Mapped[Optional[str]] = mapped_column(String(30))
    id_number = _sensitive()
    id_number_hash: Mapped[Optional[str]] = _hash()
    mobile = _sensitive()
    mobile_hash: Mapped[Optional[str]] = _hash()
    address = _sensitive()
    address_hash: Mapped[Optional[str]] = _hash()
    hukou: Mapped[Optional[str]] = mapped_column(String(200))
    occupation: Mapped[Optional[str]] = mapped_column(String(50))
    people_count: Mapped[Optional[int]] = mapped_column(Integer)
    joint: Mapped[Optional[bool]] = mapped_column(Boolean)
    anonymous: Mapped[Optional[bool]] = mapped_column(Boolean)
    summary: Mapped[Optional[str]] = mapped_column(Text)
    content_category: Mapped[Optional[str]] = mapped_column(String(100))
    subject_words: Mapped[Optional[str]] = mapped_column(String(200))
    hot_issue: Mapped[Optional[str]] = mapped_column(String(200))
    petition_form: Mapped[Optional[str]] = mapped_column(String(30))
    complaint_method: Mapped[Optional[str]] = mapped_column(String(30))
    register_org: Mapped[Optional[str]] = mapped_column(String(200))
    register_dept: Mapped[Optional[str]] = mapped_column(String(200))
    responsible_unit: Mapped[Optional[str]] = mapped_column(String(200))
    reception_leader: Mapped[Optional[str]] = mapped_column(String(50))
    handle_method: Mapped[Optional[str]] = mapped_column(String(50))
    handle_situation: Mapped[Optional[str]] = mapped_column(String(100))
    handle_opinion: Mapped[Optional[str]] = mapped_column(Text)
    handled_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    due_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    finished: Mapped[Optional[bool]] = mapped_column(Boolean)
    terminated: Mapped[Optional[bool]] = mapped_column(Boolean)
    backlog: Mapped[Optional[bool]] = mapped_column(Boolean)
    satisfaction_flag: Mapped[Optional[bool]] = mapped_column(Boolean)
    repeat_count: Mapped[Optional[int]] = mapped_column(Integer)
    first_org: Mapped[Optional[str]] = mapped_column(String(200))
    first_date: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    first_method: Mapped[Optional[str]] = mapped_column(String(30))
    last_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    def __repr__(self):
        return self.petition_no


class _RemainingDays:
    """剩余天数: on a row, days from today (city time) to 办理期限; on the class, the same
    as an SQL expression (sorting, export). ``fget`` marks it read-only for FAB's schemas."""

    def __get__(self, obj, owner):
        if obj is None:
            expr = _DaysUntil(owner.__table__.c.due_date).label("remaining_days")
            expr.fget = self.value
            return expr
        return self.value(obj)

    @staticmethod
    def value(obj):
        from app.models.base import now

        return None if obj.due_date is None else (obj.due_date - now().date()).days


Petition.remaining_days = _RemainingDays()


class EnterpriseRequest(UnitScoped, TimestampMixin, Model):
    """万人助企诉求 (§8.6), a feed keyed by 流水号 (fields inferred); unit from 所属县区."""

    __tablename__ = "dc_enterprise_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    enterprise: Mapped[Optional[str]] = mapped_column(String(200))
    credit_code: Mapped[Optional[str]] = mapped_column(String(18))
    request_type: Mapped[Optional[str]] = mapped_column(String(50))
    content: Mapped[Optional[str]] = mapped_column(Text)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, index=True)
    county: Mapped[Optional[str]] = mapped_column(String(50))
    handler_unit: Mapped[Optional[str]] = mapped_column(String(200))
    status: Mapped[Optional[str]] = mapped_column(String(30))
    result: Mapped[Optional[str]] = mapped_column(Text)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    satisfaction: Mapped[Optional[str]] = mapped_column(String(20))

    def __repr__(self):
        return self.serial_no


class MayorLetter(UnitScoped, TimestampMixin, Model):
    """市长信箱数据 (§8.7), a feed keyed by 信件编号 (fields inferred); city-wide."""

    __tablename__ = "dc_mayor_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_no: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    writer: Mapped[Optional[str]] = mapped_column(String(50))
    phone = _sensitive()
    phone_hash: Mapped[Optional[str]] = _hash()
    title: Mapped[Optional[str]] = mapped_column(String(300))
    content: Mapped[Optional[str]] = mapped_column(Text)
    received_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, index=True)
    letter_type: Mapped[Optional[str]] = mapped_column(String(30))
    handler_unit: Mapped[Optional[str]] = mapped_column(String(200))
    reply: Mapped[Optional[str]] = mapped_column(Text)
    replied_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    status: Mapped[Optional[str]] = mapped_column(String(30))
    is_public: Mapped[Optional[bool]] = mapped_column(Boolean)

    def __repr__(self):
        return self.letter_no


class EmergencyEvent(UnitScoped, TimestampMixin, Model):
    """应急事件管理 (§8.8); 事件编号 EMyyyymmddNNNN is generated when blank. ``ticket_id``
    links the 事件 a county or city signed as 转应急事件 (plain indexed integer, no FK)."""

    __tablename__ = "dc_emergency_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # nullable only so that forms and the API may leave it blank: derive() always fills it
    code: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    event_type: Mapped[Optional[str]] = mapped_column(String(20))
    level: Mapped[Optional[str]] = mapped_column(String(20))
    status: Mapped[Optional[str]] = mapped_column(String(20))
    occurred_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime, index=True)
    location: Mapped[Optional[str]] = mapped_column(String(300))
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    description: Mapped[Optional[str]] = mapped_column(Text)
    impact: Mapped[Optional[str]] = mapped_column(String(500))
    casualties: Mapped[Optional[str]] = mapped_column(String(500))
    economic_loss = mapped_column(Numeric(14, 2), nullable=True)
    measures: Mapped[Optional[str]] = mapped_column(Text)
    leader: Mapped[Optional[str]] = mapped_column(String(50))
    reporter: Mapped[Optional[str]] = mapped_column(String(50))
    phone = _sensitive()
    phone_hash: Mapped[Optional[str]] = _hash()
    reported_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    ticket_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)

    def __repr__(self):
        return self.code


class EmergencyExpert(UnitScoped, TimestampMixin, Model):
    """应急专家管理 (§8.9); keyed by (专家姓名, 工作单位); 专业领域 holds several values
    joined by 、. 所属辖区 (inferred) is the unit that maintains the expert."""

    __tablename__ = "dc_emergency_expert"
    __table_args__ = (UniqueConstraint("name", "work_unit", name="uq_dc_expert_name_unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    gender: Mapped[Optional[str]] = mapped_column(String(10))
    age: Mapped[Optional[int]] = mapped_column(Integer)
    id_number = _sensitive()
    id_number_hash: Mapped[Optional[str]] = _hash()
    domains: Mapped[Optional[str]] = mapped_column(String(500))
    title: Mapped[Optional[str]] = mapped_column(String(30))
    education: Mapped[Optional[str]] = mapped_column(String(30))
    work_unit: Mapped[str] = mapped_column(String(200), nullable=False)
    post: Mapped[Optional[str]] = mapped_column(String(100))
    work_years: Mapped[Optional[int]] = mapped_column(Integer)
    phone = _sensitive()
    phone_hash: Mapped[Optional[str]] = _hash()
    email: Mapped[Optional[str]] = mapped_column(String(100))
    address = _sensitive()
    address_hash: Mapped[Optional[str]] = _hash()
    skills: Mapped[Optional[str]] = mapped_column(Text)
    experience: Mapped[Optional[str]] = mapped_column(Text)
    honors: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[Optional[str]] = mapped_column(String(20))
    remark: Mapped[Optional[str]] = mapped_column(Text)

    def __repr__(self):
        return self.name


class EmergencySupply(UnitScoped, TimestampMixin, Model):
    """应急物资管理 (§8.10); the list flags 质保期 expired or expiring within 30 days."""

    __tablename__ = "dc_emergency_supply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    supply_type: Mapped[Optional[str]] = mapped_column(String(20))
    quantity: Mapped[Optional[int]] = mapped_column(Integer)
    measure_unit: Mapped[Optional[str]] = mapped_column(String(20))
    warranty_until: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    location: Mapped[Optional[str]] = mapped_column(String(300))
    keeper: Mapped[Optional[str]] = mapped_column(String(50))
    keeper_phone = _sensitive()
    keeper_phone_hash: Mapped[Optional[str]] = _hash()

    def __repr__(self):
        return self.name


class RescueTeam(UnitScoped, TimestampMixin, Model):
    """应急救援队伍管理 (§8.11); 类型 holds several values joined by 、."""

    __tablename__ = "dc_rescue_team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    team_type: Mapped[Optional[str]] = mapped_column(String(20))
    member_count: Mapped[Optional[int]] = mapped_column(Integer)
    leader: Mapped[Optional[str]] = mapped_column(String(50))
    leader_phone = _sensitive()
    leader_phone_hash: Mapped[Optional[str]] = _hash()
    base_address: Mapped[Optional[str]] = mapped_column(String(300))
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    categories: Mapped[Optional[str]] = mapped_column(String(300))
    equipment: Mapped[Optional[str]] = mapped_column(Text)
    specialties: Mapped[Optional[str]] = mapped_column(String(300))
    status: Mapped[Optional[str]] = mapped_column(String(20))
    founded_on: Mapped[Optional[dt.date]] = mapped_column(Date)

    def __repr__(self):
        return self.name


class Shelter(UnitScoped, TimestampMixin, Model):
    """应急避难所管理 (§8.12); 所属区域 is the unit."""

    __tablename__ = "dc_shelter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    shelter_type: Mapped[Optional[str]] = mapped_column(String(20))
    capacity: Mapped[Optional[int]] = mapped_column(Integer)
    status: Mapped[Optional[str]] = mapped_column(String(20))
    address: Mapped[Optional[str]] = mapped_column(String(300))
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    keeper: Mapped[Optional[str]] = mapped_column(String(50))
    phone = _sensitive()
    phone_hash: Mapped[Optional[str]] = _hash()
    facilities: Mapped[Optional[str]] = mapped_column(String(500))

    def __repr__(self):
        return self.name


class HeatStation(UnitScoped, TimestampMixin, Model):
    """热力站数据 (§8.13), a feed keyed by 热力站编号 (fields inferred); unit from 所属区域."""

    __tablename__ = "dc_heat_station"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[Optional[str]] = mapped_column(String(200))
    station_type: Mapped[Optional[str]] = mapped_column(String(20))
    area: Mapped[Optional[str]] = mapped_column(String(50))
    address: Mapped[Optional[str]] = mapped_column(String(300))
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    heating_area: Mapped[Optional[float]] = mapped_column(Float)
    run_status: Mapped[Optional[str]] = mapped_column(String(30))
    keeper: Mapped[Optional[str]] = mapped_column(String(50))
    phone = _sensitive()
    phone_hash: Mapped[Optional[str]] = _hash()

    def __repr__(self):
        return self.code


class WaterloggingPoint(UnitScoped, TimestampMixin, Model):
    """积水点位管理 (§8.14); each contact column holds one or more "姓名 电话" pairs
    joined by 、 (every phone validated), 关联摄像头 camera codes joined by 、."""

    __tablename__ = "dc_waterlogging_point"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    cameras: Mapped[Optional[str]] = mapped_column(String(1000))
    street_contacts: Mapped[Optional[str]] = mapped_column(String(500))
    drainage_contacts: Mapped[Optional[str]] = mapped_column(String(500))
    traffic_contacts: Mapped[Optional[str]] = mapped_column(String(500))
    urban_contacts: Mapped[Optional[str]] = mapped_column(String(500))
    emergency_contacts: Mapped[Optional[str]] = mapped_column(String(500))
    leaders: Mapped[Optional[str]] = mapped_column(String(500))

    def __repr__(self):
        return self.name
