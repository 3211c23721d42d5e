"""Dictionary look-ups for forms, filters, templates and exports, and the in-use guard."""
from flask import has_request_context, request
from sqlalchemy import func, select

from app.extensions import db
from app.models.dictionary import DictItem, DictType

# type code → [(model, column name)] whose rows store that dictionary's values
_USAGES: dict[str, list] = {}
# base enumerations every installation needs: (code, name) → [(value, label, tag colour)]
BASE_DICTIONARIES: dict[tuple, list] = {}


def register_dictionary(code, name, items):
    """Declare a base dictionary; items are values, (value, label) or (value, label, colour)."""
    norm = []
    for item in items:
        item = item if isinstance(item, tuple) else (item, item)
        norm.append(item + (None,) * (3 - len(item)))
    BASE_DICTIONARIES[(code, name)] = norm


def ensure_base_dictionaries():
    """Create missing dictionary types and values; existing ones (maybe edited) stay."""
    for (code, name), items in BASE_DICTIONARIES.items():
        dict_type = db.session.scalar(select(DictType).where(DictType.code == code))
        if dict_type is None:
            dict_type = DictType(code=code, name=name)
            db.session.add(dict_type)
            db.session.flush()
        have = {v for (v,) in db.session.execute(select(DictItem.value).where(DictItem.dict_type_id == dict_type.id))}
        for order, (value, label, color) in enumerate(items):
            if value not in have:
                db.session.add(DictItem(dict_type_id=dict_type.id, value=value, label=label, tag_color=color,
                                        sort_order=order, is_default=order == 0))
    db.session.commit()


register_dictionary("urgency", "紧急程度", [("一般", "一般", "info"), ("紧急", "紧急", "warning"),
                                          ("重大", "重大", "danger")])
register_dictionary("ticket_source", "问题来源", ["网格巡查", "居民吹哨", "突发事件", "部门上报", "平台疑难", "领导批示"])
register_dictionary("callback_method", "回访方式", ["电话", "上门", "线上", "其他"])
register_dictionary("satisfaction", "满意度", [("1", "非常不满意"), ("2", "不满意"), ("3", "一般"), ("4", "满意"),
                                            ("5", "非常满意")])
register_dictionary("gender", "性别", ["男", "女"])


def register_usage(type_code, model, column):
    """Declare that ``model.column`` stores values of dictionary ``type_code``."""
    _USAGES.setdefault(type_code, []).append((model, column))


def choices(type_code, enabled_only=True):
    """Ordered ``(value, label)`` pairs of a dictionary.

    Remembered for the rest of the request: a list shows labels for every row and enum
    column, which would otherwise be one query per cell.  Kept on the request object (not on
    ``g``, which a test's app context carries across requests), so an edit shows next request."""
    memo = None
    if has_request_context():
        req = request._get_current_object()
        memo = req.__dict__.setdefault("_portal_dictionary_choices", {})
        if (type_code, enabled_only) in memo:
            return list(memo[(type_code, enabled_only)])
    stmt = (select(DictItem.value, DictItem.label).join(DictType)
            .where(DictType.code == type_code).order_by(DictItem.sort_order, DictItem.id))
    if enabled_only:
        stmt = stmt.where(DictItem.enabled.is_(True))
    pairs = [(v, label) for v, label in db.session.execute(stmt)]
    if memo is not None:
        memo[(type_code, enabled_only)] = pairs
    return list(pairs)


def usage_count(item: DictItem) -> int:
    """How many stored rows use this value."""
    total = 0
    for model, column in _USAGES.get(item.dict_type.code, []):
        total += db.session.scalar(select(func.count()).select_from(model).where(getattr(model, column) == item.value))
    return total
