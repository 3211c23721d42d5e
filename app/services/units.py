"""The unit tree: validation of kinds and moves, and upkeep of ``path`` / ``full_name``.

Paths are maintained by a session hook, so every way a unit is created, renamed or moved
(pages, API, seed, scripts) keeps the materialised paths of the whole subtree right.
"""
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from app.models.org import ALLOWED_PARENT, UNIT_KIND_LABELS, Unit, UnitKind


class UnitError(ValueError):
    """A unit change that would break the tree; the message is for users."""


def validate_unit(session, unit: Unit):
    """Check the kind against the parent's kind and refuse cycles."""
    try:
        kind = UnitKind(unit.kind)
    except ValueError:
        raise UnitError("单位类型不正确")
    if not (unit.name or "").strip():
        raise UnitError("单位名称不能为空")
    parent = unit.parent if unit.parent is not None else (
        session.get(Unit, unit.parent_id) if unit.parent_id else None)
    parent_kind = UnitKind(parent.kind) if parent is not None else None
    if parent_kind not in ALLOWED_PARENT[kind]:
        allowed = "、".join(UNIT_KIND_LABELS[k] if k else "无(根节点)" for k in ALLOWED_PARENT[kind])
        raise UnitError(f"{UNIT_KIND_LABELS[kind]}的上级单位必须是：{allowed}")
    if parent is not None and unit.id is not None and parent.path and f"/{unit.id}/" in parent.path:
        raise UnitError("不能把单位移动到它自己或它的下级单位之下")


def _label(parent_full, parent_kind, name):
    # The city is the implicit root of every path shown to users.
    if parent_full is None or parent_kind == UnitKind.CITY.value:
        return name
    return f"{parent_full} / {name}"


def _rebuild(conn, unit_id):
    row = conn.execute(select(Unit.id, Unit.name, Unit.parent_id, Unit.path).where(Unit.id == unit_id)).one()
    if row.parent_id:
        parent = conn.execute(select(Unit.path, Unit.full_name, Unit.kind).where(Unit.id == row.parent_id)).one()
        path, full = f"{parent.path}{unit_id}/", _label(parent.full_name, parent.kind, row.name)
    else:
        path, full = f"/{unit_id}/", row.name
    conn.execute(update(Unit).where(Unit.id == unit_id).values(path=path, full_name=full))
    old_path = row.path
    if old_path and old_path not in ("/", path):
        descendants = conn.execute(
            select(Unit.id).where(Unit.path.like(old_path + "%"), Unit.id != unit_id)).scalars().all()
    else:
        descendants = conn.execute(
            select(Unit.id).where(Unit.path.like(path + "%"), Unit.id != unit_id)).scalars().all()
    # recompute children level by level so each sees its parent's new values
    frontier = [unit_id]
    remaining = set(descendants)
    while frontier and remaining:
        children = conn.execute(select(Unit.id).where(Unit.parent_id.in_(frontier))).scalars().all()
        for child in children:
            c = conn.execute(select(Unit.name, Unit.parent_id).where(Unit.id == child)).one()
            p = conn.execute(select(Unit.path, Unit.full_name, Unit.kind).where(Unit.id == c.parent_id)).one()
            conn.execute(update(Unit).where(Unit.id == child).values(
                path=f"{p.path}{child}/", full_name=_label(p.full_name, p.kind, c.name)))
            remaining.discard(child)
        frontier = children
    return path, full


@event.listens_for(Session, "before_flush")
def _validate_units(session, flush_context, instances):
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Unit):
            validate_unit(session, obj)


@event.listens_for(Session, "after_flush")
def _maintain_unit_paths(session, flush_context):
    touched = [o for o in session.new if isinstance(o, Unit)]
    for obj in session.dirty:
        if isinstance(obj, Unit):
            state = inspect(obj)
            if state.attrs.parent_id.history.has_changes() or state.attrs.name.history.has_changes():
                touched.append(obj)
    if not touched:
        return
    conn = session.connection()
    from sqlalchemy.orm.attributes import set_committed_value

    for obj in sorted(touched, key=lambda o: len(o.path or "")):
        path, full = _rebuild(conn, obj.id)
        set_committed_value(obj, "path", path)
        set_committed_value(obj, "full_name", full)
    # other loaded units of the subtree may now hold stale paths
    for obj in session.identity_map.values():
        if isinstance(obj, Unit) and obj not in touched:
            session.expire(obj, ["path", "full_name"])
