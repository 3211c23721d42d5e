"""事件类型 tree upkeep: level and full path derived from the parent."""
from app.extensions import db
from app.models.dictionary import EventCategory


class CategoryError(ValueError):
    """An impossible category change; the message is for users."""


def place_category(item: EventCategory):
    """Derive ``level`` and ``full_name`` from the parent; at most three levels."""
    parent = item.parent or (db.session.get(EventCategory, item.parent_id) if item.parent_id else None)
    node = parent
    while node is not None:
        if item.id is not None and node.id == item.id:
            raise CategoryError("不能把类型移动到它自己或它的下级之下")
        node = node.parent
    item.level = (parent.level + 1) if parent else 1
    if item.level > 3:
        raise CategoryError("事件类型最多三级")
    item.full_name = f"{parent.full_name} / {item.name}" if parent else item.name
    for child in item.children:
        place_category(child)
