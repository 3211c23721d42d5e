"""Dictionary look-ups for forms, filters, templates and exports, and the in-use guard."""
from sqlalchemy import func, select

from app.extensions import db
from app.models.dictionary import DictItem, DictType

# type code → [(model, column name)] whose rows store that dictionary's values
_USAGES: dict[str, list] = {}


def register_usage(type_code, model, column):
    """Declare that ``model.column`` stores values of dictionary ``type_code``."""
    _USAGES.setdefault(type_code, []).append((model, column))


def choices(type_code, enabled_only=True):
    """Ordered ``(value, label)`` pairs of a dictionary."""
    stmt = (select(DictItem.value, DictItem.label).join(DictType)
            .where(DictType.code == type_code).order_by(DictItem.sort_order, DictItem.id))
    if enabled_only:
        stmt = stmt.where(DictItem.enabled.is_(True))
    return [(v, label) for v, label in db.session.execute(stmt)]


def usage_count(item: DictItem) -> int:
    """How many stored rows use this value."""
    total = 0
    for model, column in _USAGES.get(item.dict_type.code, []):
        total += db.session.scalar(select(func.count()).select_from(model).where(getattr(model, column) == item.value))
    return total
