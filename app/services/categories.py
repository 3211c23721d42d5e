"""事件类型 tree upkeep: level and full path derived from the parent."""
from sqlalchemy import select

from app.extensions import db
from app.models.dictionary import EventCategory


CATEGORIES = {
    "服务类": {"民生诉求类": ["城乡建设类", "生态环境类"], "政策咨询类": ["社会保障类", "教育医疗类"]},
    "管理类": {"重点事项类": ["城乡建设类", "市容环境类"], "风险隐患类": ["安全生产类", "消防安全类"]},
    "应急类": {"重大公共安全事件": ["自然灾害类", "事故灾难类"]},
}


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


def ensure_categories():
    """Load the default 事件类型 tree into an empty table (administrators edit it afterwards)."""
    if db.session.scalar(select(EventCategory.id).limit(1)) is not None:
        return
    for order1, (l1, children) in enumerate(CATEGORIES.items()):
        top = EventCategory(name=l1, sort_order=order1)
        place_category(top)
        db.session.add(top)
        for order2, (l2, leaves) in enumerate(children.items()):
            mid = EventCategory(name=l2, parent=top, sort_order=order2)
            place_category(mid)
            db.session.add(mid)
            for order3, l3 in enumerate(leaves):
                leaf = EventCategory(name=l3, parent=mid, sort_order=order3)
                place_category(leaf)
                db.session.add(leaf)
    db.session.commit()
