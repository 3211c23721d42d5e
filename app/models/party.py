"""党建引领 registries (manual §七)."""
import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, case, extract,
                        type_coerce)
from sqlalchemy.ext.hybrid import hybrid_property
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


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: Optional[dt.date], today: Optional[dt.date] = None) -> Optional[int]:
    """Full years from ``birth`` to ``today``."""
    if birth is None:
        return None
    today = today or dt.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class PartyMember(TimestampMixin, Model):
    """党员 (§7.2).  年龄 is never stored: it is computed from 出生日期 as of today, in Python
    for display and in SQL (``PartyMember.age``) for export and sorting; the search by 年龄
    becomes a 出生日期 range so it uses the (unit, birth date) index."""

    __tablename__ = "party_member"
    __scope_unit_column__ = "unit_id"
    __table_args__ = (Index("ix_party_member_unit_birth", "unit_id", "birth_date"),
                      Index("ix_party_member_unit_joined", "unit_id", "joined_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False, index=True)
    id_card = mapped_column(EncryptedString, nullable=True)
    id_card_hash: Mapped[Optional[str]] = mapped_column(HASH_TYPE, index=True)
    gender: Mapped[Optional[str]] = mapped_column(String(10))
    ethnicity: Mapped[Optional[str]] = mapped_column(String(20))
    birth_date: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    education: Mapped[Optional[str]] = mapped_column(String(30))
    political_status: Mapped[Optional[str]] = mapped_column(String(30))
    joined_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    status: Mapped[Optional[str]] = mapped_column(String(20))
    org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("party_org.id"), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    activity_count: Mapped[Optional[int]] = mapped_column(Integer)
    last_activity_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    phone = mapped_column(EncryptedString, nullable=True)
    phone_hash: Mapped[Optional[str]] = mapped_column(HASH_TYPE, index=True)
    address = mapped_column(EncryptedString, nullable=True)
    address_hash: Mapped[Optional[str]] = mapped_column(HASH_TYPE, index=True)

    org: Mapped[Optional[PartyOrg]] = relationship()
    unit: Mapped[Optional[Unit]] = relationship()

    @hybrid_property
    def age(self):
        return age_on(self.birth_date)

    @age.inplace.setter
    def _age_setter(self, value):
        """Derived: assignments (generic form saves copy every field back) are ignored."""

    @age.inplace.expression
    @classmethod
    def _age_expression(cls):
        today = dt.date.today()      # evaluated on every class access, i.e. per query
        birthday_ahead = case((extract("month", cls.birth_date) * 100 + extract("day", cls.birth_date)
                               > today.month * 100 + today.day, 1), else_=0)
        return type_coerce(today.year - extract("year", cls.birth_date) - birthday_ahead, Integer)

    def __repr__(self):
        return self.name


class DualRegistration(TimestampMixin, Model):
    """双报到 (§7.3; fields inferred): a party organisation reports to a community.
    Business key (报到党组织, 结对社区, 报到时间); ``title`` ("党组织 – 社区") is derived and is
    how activities refer to the registration in lists, imports and exports."""

    __tablename__ = "party_dual_registration"
    __scope_unit_column__ = "community_id"
    __table_args__ = (UniqueConstraint("org_id", "community_id", "reported_on", name="uq_party_dual_registration_key"),
                      Index("ix_party_dual_registration_unit_date", "community_id", "reported_on"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("party_org.id"), nullable=False, index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    reg_type: Mapped[Optional[str]] = mapped_column(String(20))
    reported_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    claimed_project: Mapped[Optional[str]] = mapped_column(String(200))
    claimer_name: Mapped[Optional[str]] = mapped_column(String(50))
    status: Mapped[Optional[str]] = mapped_column(String(20))
    remark: Mapped[Optional[str]] = mapped_column(Text)
    title: Mapped[Optional[str]] = mapped_column(String(300), index=True)

    org: Mapped[PartyOrg] = relationship()
    community: Mapped[Unit] = relationship()

    def __repr__(self):
        return self.title or ""


class DualActivity(TimestampMixin, Model):
    """双报到活动记录 (§7.4).  ``unit_id`` (the registration's community) is derived on save:
    it gives the data scope and the (unit, date) index."""

    __tablename__ = "party_dual_activity"
    __scope_unit_column__ = "unit_id"
    __table_args__ = (Index("ix_party_dual_activity_unit_date", "unit_id", "act_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    registration_id: Mapped[int] = mapped_column(ForeignKey("party_dual_registration.id"), nullable=False,
                                                 index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    act_type: Mapped[Optional[str]] = mapped_column(String(20))
    description: Mapped[Optional[str]] = mapped_column(Text)
    act_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    hours: Mapped[Optional[float]] = mapped_column(Numeric(8, 1, asdecimal=False))
    participants: Mapped[Optional[int]] = mapped_column(Integer)
    rating: Mapped[Optional[str]] = mapped_column(String(10))

    registration: Mapped[DualRegistration] = relationship()
    unit: Mapped[Optional[Unit]] = relationship()

    def __repr__(self):
        return self.name


class EvalIndicator(TimestampMixin, Model):
    """党建评价指标 (§7.5).  ``unit_id`` is the configuring unit (市级 indicators belong to
    许昌市): it keeps a county's clerks from editing the city's indicators."""

    __tablename__ = "party_eval_indicator"
    __scope_unit_column__ = "unit_id"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    dimension: Mapped[Optional[str]] = mapped_column(String(30), index=True)
    weight: Mapped[Optional[float]] = mapped_column(Numeric(5, 2, asdecimal=False))
    ind_type: Mapped[Optional[str]] = mapped_column(String(20))
    target: Mapped[Optional[str]] = mapped_column(String(20))
    level: Mapped[Optional[str]] = mapped_column(String(20))
    data_source: Mapped[Optional[str]] = mapped_column(String(500))
    definition: Mapped[Optional[str]] = mapped_column(Text)
    criteria: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[Optional[str]] = mapped_column(String(20))
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)

    unit: Mapped[Optional[Unit]] = relationship()

    def __repr__(self):
        return self.name


# the 五星 dimensions of 党建评价 (manual §7.5/§7.6): column prefix → label
EVAL_DIMENSIONS = (("pol", "政治过硬星"), ("biz", "业务突出星"), ("inn", "开拓创新星"),
                   ("pio", "先锋模范星"), ("hon", "清正廉洁星"))


class EvalResult(TimestampMixin, Model):
    """党建评价结果 (§7.6).  各维度得分 is a fixed sub-table of five rows (one per 五星 dimension:
    满分, 得分, 得分率, 备注), stored as column groups ``<dim>_full/_score/_rate/_remark`` so the
    generic import/export handles it as "政治过硬星-满分" … columns.  得分率, 总分 (sum of the
    scores), 评价等级 and 星级评定 are derived on every save and import, never typed."""

    __tablename__ = "party_eval_result"
    __scope_unit_column__ = "unit_id"
    __table_args__ = (Index("ix_party_eval_result_unit_date", "unit_id", "evaluated_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    object_name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    object_type: Mapped[Optional[str]] = mapped_column(String(20))
    batch: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"))
    cycle: Mapped[Optional[str]] = mapped_column(String(20))
    evaluated_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    pol_full = mapped_column(Numeric(6, 2, asdecimal=False))
    pol_score = mapped_column(Numeric(6, 2, asdecimal=False))
    pol_rate = mapped_column(Numeric(6, 2, asdecimal=False))
    pol_remark = mapped_column(String(200))
    biz_full = mapped_column(Numeric(6, 2, asdecimal=False))
    biz_score = mapped_column(Numeric(6, 2, asdecimal=False))
    biz_rate = mapped_column(Numeric(6, 2, asdecimal=False))
    biz_remark = mapped_column(String(200))
    inn_full = mapped_column(Numeric(6, 2, asdecimal=False))
    inn_score = mapped_column(Numeric(6, 2, asdecimal=False))
    inn_rate = mapped_column(Numeric(6, 2, asdecimal=False))
    inn_remark = mapped_column(String(200))
    pio_full = mapped_column(Numeric(6, 2, asdecimal=False))
    pio_score = mapped_column(Numeric(6, 2, asdecimal=False))
    pio_rate = mapped_column(Numeric(6, 2, asdecimal=False))
    pio_remark = mapped_column(String(200))
    hon_full = mapped_column(Numeric(6, 2, asdecimal=False))
    hon_score = mapped_column(Numeric(6, 2, asdecimal=False))
    hon_rate = mapped_column(Numeric(6, 2, asdecimal=False))
    hon_remark = mapped_column(String(200))
    total = mapped_column(Numeric(7, 2, asdecimal=False), index=True)
    grade: Mapped[Optional[str]] = mapped_column(String(20), index=True)
    stars: Mapped[Optional[str]] = mapped_column(String(10))
    evaluator: Mapped[Optional[str]] = mapped_column(String(100))
    review_status: Mapped[Optional[str]] = mapped_column(String(20))
    reviewed_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    remark: Mapped[Optional[str]] = mapped_column(Text)

    unit: Mapped[Optional[Unit]] = relationship()

    def __repr__(self):
        return self.code
