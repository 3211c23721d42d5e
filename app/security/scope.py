"""Data scope (数据权限): the one place that decides which rows a user may see or touch.

A user's scope is the union of the scopes of their enabled roles (deny by default).
Every scoped model either names its unit column (``__scope_unit_column__``, optionally
``__scope_owner_column__`` for 仅本人) or defines ``scope_clause(scope)`` itself (tickets).
Views, FAB actions, the REST API, exports, imports and workflow services all call
``scope_clause`` / ``get_in_scope``; out-of-scope records answer 404 and are logged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from flask import g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import event, false, or_, select, true

from app.extensions import db
from app.models.org import RoleDataScope, ScopeMode, Unit, UnitKind
from app.services.request_memo import forget, memo


class OutOfScope(Exception):
    """Raised for a record that does not exist or lies outside the caller's scope (→ 404)."""

    message = "记录不存在或无权访问"


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything, unit subtrees, single units, or own rows."""

    all: bool = False
    subtree_paths: tuple = ()
    unit_ids: frozenset = field(default_factory=frozenset)
    user_id: Optional[int] = None       # set when some role grants 仅本人
    unit_id: Optional[int] = None       # the user's own unit

    @property
    def empty(self):
        return not (self.all or self.subtree_paths or self.unit_ids or self.user_id)

    def covers(self, unit) -> bool:
        """Whether ``unit`` itself lies inside this scope's territory (仅本人 alone covers none)."""
        if self.all:
            return True
        if unit is None:
            return False
        return unit.id in self.unit_ids or any(unit.path.startswith(p) for p in self.subtree_paths)


NO_SCOPE = Scope()


def scope_for(user) -> Scope:
    """Compute the union scope of ``user``'s enabled roles."""
    if user is None or not getattr(user, "is_authenticated", True) or not getattr(user, "id", None):
        return NO_SCOPE
    role_ids = [r.id for r in user.roles]
    if not role_ids:
        return NO_SCOPE
    # a request asks for it several times (the action, then its answer): read the roles' scopes once
    return memo("scope", (user.id, user.unit_id, tuple(sorted(role_ids))), lambda: _compute_scope(user, role_ids))


@event.listens_for(RoleDataScope, "after_insert")
@event.listens_for(RoleDataScope, "after_update")
@event.listens_for(RoleDataScope, "after_delete")
@event.listens_for(Unit, "after_update")
def _scope_source_changed(mapper, connection, target):
    forget("scope")


def _compute_scope(user, role_ids) -> Scope:
    rows = db.session.scalars(
        select(RoleDataScope).where(RoleDataScope.role_id.in_(role_ids), RoleDataScope.enabled.is_(True))
    ).unique().all()
    unit = user.unit
    paths, unit_ids, self_only = set(), set(), False
    for row in rows:
        mode = ScopeMode(row.mode)
        if mode is ScopeMode.ALL:
            return Scope(all=True, user_id=user.id, unit_id=user.unit_id)
        if mode is ScopeMode.CUSTOM:
            paths.update(u.path for u in row.units)
        elif unit is None:
            continue
        elif mode is ScopeMode.SUBTREE:
            if unit.kind == UnitKind.CITY.value:
                # the city's territory is the whole tree, including records without territory
                return Scope(all=True, user_id=user.id, unit_id=user.unit_id)
            paths.add(unit.path)
        elif mode is ScopeMode.UNIT:
            unit_ids.add(unit.id)
        elif mode is ScopeMode.SELF:
            self_only = True
    # a subtree already covering another path makes that path redundant
    kept = sorted(paths, key=len)
    kept = tuple(p for i, p in enumerate(kept) if not any(p.startswith(q) for q in kept[:i]))
    return Scope(subtree_paths=kept, unit_ids=frozenset(unit_ids),
                 user_id=user.id if self_only else None, unit_id=user.unit_id)


def current_scope() -> Scope:
    """The scope of the logged-in user, computed once per request."""
    if not has_request_context():
        return NO_SCOPE
    user = getattr(g, "user", None)
    key = getattr(user, "id", None)
    cached = getattr(g, "_data_scope", None)
    # keyed by user: one app context may serve several users (tests, CLI)
    if cached is None or cached[0] != key:
        cached = (key, scope_for(user))
        g._data_scope = cached
    return cached[1]


def units_clause(column, scope: Scope):
    """SQL condition: ``column`` (a unit id) lies inside ``scope``'s territory."""
    if scope.all:
        return true()
    parts = []
    if scope.subtree_paths:
        sub = select(Unit.id).where(or_(*[Unit.path.like(p + "%") for p in scope.subtree_paths]))
        parts.append(column.in_(sub))
    if scope.unit_ids:
        parts.append(column.in_(sorted(scope.unit_ids)))
    return or_(*parts) if parts else false()


def scope_clause(model, scope: Optional[Scope] = None):
    """SQL condition selecting the rows of ``model`` visible in ``scope``."""
    scope = current_scope() if scope is None else scope
    custom = getattr(model, "scope_clause", None)
    if custom is not None:
        return custom(scope)
    if scope.all:
        return true()
    clause = units_clause(getattr(model, model.__scope_unit_column__), scope)
    owner = getattr(model, "__scope_owner_column__", None)
    if scope.user_id and owner:
        clause = or_(clause, getattr(model, owner) == scope.user_id)
    return clause


def scoped_select(model, scope: Optional[Scope] = None):
    """``select(model)`` restricted to the scope."""
    return select(model).where(scope_clause(model, scope))


def get_in_scope(model, pk, scope: Optional[Scope] = None, *, for_update=False):
    """Load one record by primary key inside the scope, or raise ``OutOfScope``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise OutOfScope()
    stmt = scoped_select(model, scope).where(model.id == pk)
    if for_update:
        stmt = stmt.with_for_update()
    obj = db.session.scalars(stmt).unique().first()
    if obj is None:
        log_out_of_scope(model, pk)
        raise OutOfScope()
    return obj


def unit_in_scope(unit_id, scope: Optional[Scope] = None) -> bool:
    """True when the unit lies inside the scope's territory."""
    scope = current_scope() if scope is None else scope
    if unit_id is None:
        return scope.all
    return db.session.scalar(select(Unit.id).where(Unit.id == unit_id, units_clause(Unit.id, scope))) is not None


def log_out_of_scope(model, pk):
    """Write the refused attempt to the operation log (its own transaction)."""
    from app.audit import record_now

    try:
        record_now("scope", "越权访问", target=f"{model.__tablename__}#{pk}", result="拒绝")
    except Exception:  # the refusal must not fail because logging failed
        db.session.rollback()


class ScopeFilter(BaseFilter):
    """FAB base filter that applies ``scope_clause``; the value is ignored."""

    name = "数据权限"

    def apply(self, query, value):
        return query.filter(scope_clause(self.model))


SCOPE_BASE_FILTERS = [["id", ScopeFilter, None]]
