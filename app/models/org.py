"""The unit tree (单位/部门), users' unit membership and the roles' data scope settings."""
import enum
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import TimestampMixin


class UnitKind(str, enum.Enum):
    """Unit kinds of org-and-roles.md; the value is the stable code."""

    CITY = "city"
    CITY_DEPT = "city_dept"
    COUNTY = "county"
    COUNTY_DEPT = "county_dept"
    TOWNSHIP = "township"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def label(self):
        return UNIT_KIND_LABELS[self]

    @property
    def is_department(self):
        return self in (UnitKind.CITY_DEPT, UnitKind.COUNTY_DEPT)


UNIT_KIND_LABELS = {
    UnitKind.CITY: "市级",
    UnitKind.CITY_DEPT: "市级职能部门",
    UnitKind.COUNTY: "县区",
    UnitKind.COUNTY_DEPT: "县直职能部门",
    UnitKind.TOWNSHIP: "乡镇/街道",
    UnitKind.COMMUNITY: "村/社区",
    UnitKind.GRID: "网格",
}

# Which kinds may sit under which parent kind (None = root).
ALLOWED_PARENT = {
    UnitKind.CITY: (None,),
    UnitKind.CITY_DEPT: (UnitKind.CITY,),
    UnitKind.COUNTY: (UnitKind.CITY,),
    UnitKind.COUNTY_DEPT: (UnitKind.COUNTY,),
    UnitKind.TOWNSHIP: (UnitKind.COUNTY,),
    UnitKind.COMMUNITY: (UnitKind.TOWNSHIP,),
    UnitKind.GRID: (UnitKind.COMMUNITY,),
}


class Unit(TimestampMixin, Model):
    """One node of the unit tree.

    ``path`` holds the ids from the root (``/1/4/9/``) so that a subtree is one indexed
    prefix match; ``full_name`` holds the names below the city (``魏都区 / 西大街街道 / 金地社区``)
    so that lists show the path without joins.  Both are maintained by
    ``app.services.units`` whenever a unit is added, renamed or moved.
    """

    __tablename__ = "unit"
    __table_args__ = (Index("ix_unit_path", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    code: Mapped[Optional[str]] = mapped_column(String(50), unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(500), nullable=False, default="/")
    full_name: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    contact_phone: Mapped[Optional[str]] = mapped_column(String(30))

    parent: Mapped[Optional["Unit"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.sort_order")

    @property
    def kind_enum(self) -> UnitKind:
        return UnitKind(self.kind)

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS.get(UnitKind(self.kind), self.kind)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/") if x]

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    def __repr__(self):
        return self.full_name or self.name

    __str__ = __repr__


class AppUser(User):
    """FAB's user with the one unit (所属单位) every user belongs to."""

    __tablename__ = "ab_user"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    phone = Column(String(30), nullable=True)
    unit = relationship(Unit, foreign_keys=[unit_id], lazy="joined")

    @property
    def display_name(self) -> str:
        return (self.first_name or "") + (self.last_name or "")


class ScopeMode(str, enum.Enum):
    """The five data-scope modes (RuoYi's 数据权限)."""

    ALL = "all"
    SUBTREE = "subtree"
    UNIT = "unit"
    SELF = "self"
    CUSTOM = "custom"


SCOPE_MODE_LABELS = {
    ScopeMode.ALL: "全部数据权限",
    ScopeMode.SUBTREE: "本单位及以下数据权限",
    ScopeMode.UNIT: "本单位数据权限",
    ScopeMode.SELF: "仅本人数据权限",
    ScopeMode.CUSTOM: "自定义数据权限",
}

role_scope_unit = Table(
    "role_scope_unit",
    Model.metadata,
    Column("scope_id", Integer, ForeignKey("role_data_scope.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class RoleDataScope(Model):
    """Data scope of one FAB role; a role without a row grants no data (deny by default)."""

    __tablename__ = "role_data_scope"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("ab_role.id", ondelete="CASCADE"), unique=True, nullable=False)
    mode: Mapped[str] = mapped_column(String(20), nullable=False, default=ScopeMode.SUBTREE.value)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    role = relationship("Role", lazy="joined")
    units: Mapped[list[Unit]] = relationship(secondary=role_scope_unit)

    @property
    def mode_label(self):
        return SCOPE_MODE_LABELS.get(ScopeMode(self.mode), self.mode)

    def __repr__(self):
        return f"{self.role.name if self.role else self.role_id}: {self.mode_label}"

