"""系统管理: units, dictionaries, 事件类型, role data scope, operation log, notices, 工作日历, 办理时限."""
from flask import flash, g, redirect
from flask_appbuilder import action
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from app.extensions import db
from app.models.audit import OperationLog
from app.models.deadline import DAY_KIND_LABELS, LIMIT_UNIT_LABELS, STEP_LABELS, CalendarDay, TimeLimit
from app.models.dictionary import DictItem, DictType, EventCategory
from app.models.notice import Notice
from app.models.org import SCOPE_MODE_LABELS, UNIT_KIND_LABELS, RoleDataScope, Unit
from app.security.audit_log import LogExportMixin
from app.security.interface import ScopedSQLAInterface
from app.services.deadlines import validate_calendar_day, validate_time_limit
from app.services.dictionaries import usage_count
from app.services.units import UnitError, validate_unit
from app.views.base import PortalModelView, ScopedModelView

AUDIT_LABELS = {"created_at": _l("创建时间"), "updated_at": _l("更新时间")}


class UnitView(PortalModelView):
    """单位管理: add, edit, move (change 上级单位) and disable units."""

    datamodel = SQLAInterface(Unit)
    class_permission_name = "Unit"
    list_title = show_title = _l("单位管理")
    add_title, edit_title = _l("新增单位"), _l("修改单位")
    list_columns = ["full_name", "kind_label", "code", "sort_order", "enabled"]
    search_columns = ["name", "code", "kind", "enabled"]
    add_columns = edit_columns = ["name", "kind", "parent", "code", "sort_order", "contact_phone", "enabled"]
    show_columns = ["name", "full_name", "kind_label", "parent", "code", "sort_order", "contact_phone",
                    "enabled", "created_at", "updated_at"]
    order_columns = ["full_name", "code", "sort_order", "path"]
    base_order = ("path", "asc")      # keeps each subtree together
    label_columns = dict(AUDIT_LABELS, name=_l("单位名称"), full_name=_l("单位路径"), kind=_l("单位类型"),
                         kind_label=_l("单位类型"), parent=_l("上级单位"), code=_l("单位编码"),
                         sort_order=_l("排序"), enabled=_l("启用"), contact_phone=_l("联系电话"))
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("单位类型"), choices=[(k.value, v) for k, v in UNIT_KIND_LABELS.items()],
                            validators=[DataRequired()]),
    }

    def _check(self, item):
        try:
            validate_unit(db.session, item)
        except UnitError as exc:
            raise ValueError(str(exc))

    pre_add = pre_update = _check

    def pre_delete(self, item):
        if item.children:
            raise ValueError("该单位下还有下级单位，不能删除，请先停用")
        from app.models.org import AppUser
        if db.session.query(AppUser.id).filter(AppUser.unit_id == item.id).first():
            raise ValueError("该单位下还有用户，不能删除，请先停用")

    @action("disable", _l("停用"), _l("确认停用所选单位？"), "fa-ban")
    def disable(self, items):
        items = items if isinstance(items, list) else [items]
        for item in items:
            item.enabled = False
        db.session.commit()
        flash(f"已停用 {len(items)} 个单位", "success")
        return redirect(self.get_redirect())


class DictItemView(PortalModelView):
    """字典数据: the values of one dictionary type."""

    datamodel = SQLAInterface(DictItem)
    class_permission_name = "DictItem"
    list_title = show_title = _l("字典数据")
    list_columns = ["dict_type", "label", "value", "sort_order", "tag_color", "is_default", "enabled"]
    search_columns = ["dict_type", "label", "value", "enabled"]
    add_columns = edit_columns = ["dict_type", "label", "value", "sort_order", "tag_color", "is_default", "enabled"]
    label_columns = dict(AUDIT_LABELS, dict_type=_l("字典类型"), label=_l("字典标签"), value=_l("字典键值"),
                         sort_order=_l("排序"), tag_color=_l("标签颜色"), is_default=_l("默认"), enabled=_l("启用"))

    def pre_delete(self, item):
        if usage_count(item):
            raise ValueError(f"字典值“{item.label}”正在使用中，不能删除，只能停用")


class DictTypeView(PortalModelView):
    """字典管理: dictionary types with their values."""

    datamodel = SQLAInterface(DictType)
    class_permission_name = "DictType"
    list_title = show_title = _l("字典管理")
    related_views = [DictItemView]
    list_columns = ["name", "code", "enabled", "remark"]
    search_columns = ["name", "code", "enabled"]
    add_columns = edit_columns = ["name", "code", "enabled", "remark"]
    label_columns = dict(AUDIT_LABELS, name=_l("字典名称"), code=_l("字典编码"), enabled=_l("启用"),
                         remark=_l("备注"))

    def pre_delete(self, item):
        if item.items:
            raise ValueError("该字典下还有字典数据，不能删除，只能停用")


class EventCategoryView(PortalModelView):
    """事件类型: the three-level category tree."""

    datamodel = SQLAInterface(EventCategory)
    class_permission_name = "EventCategory"
    list_title = show_title = _l("事件类型")
    list_columns = ["full_name", "level", "sort_order", "enabled"]
    search_columns = ["name", "level", "enabled"]
    add_columns = edit_columns = ["name", "parent", "sort_order", "enabled"]
    base_order = ("full_name", "asc")
    label_columns = dict(AUDIT_LABELS, name=_l("类型名称"), full_name=_l("事件类型"), level=_l("层级"),
                         parent=_l("上级类型"), sort_order=_l("排序"), enabled=_l("启用"))

    def _derive(self, item):
        from app.services.categories import place_category
        place_category(item)

    pre_add = pre_update = _derive

    def pre_delete(self, item):
        if item.children:
            raise ValueError("该类型下还有子类型，不能删除，只能停用")


class RoleDataScopeView(PortalModelView):
    """数据权限: each role's data scope mode."""

    datamodel = SQLAInterface(RoleDataScope)
    class_permission_name = "RoleDataScope"
    list_title = show_title = _l("数据权限")
    list_columns = ["role", "mode_label", "enabled"]
    add_columns = edit_columns = ["role", "mode", "units", "enabled"]
    label_columns = {"role": _l("角色"), "mode": _l("数据范围"), "mode_label": _l("数据范围"),
                     "units": _l("自定义单位"), "enabled": _l("启用")}
    add_form_extra_fields = edit_form_extra_fields = {
        "mode": SelectField(_l("数据范围"), choices=[(k.value, v) for k, v in SCOPE_MODE_LABELS.items()]),
    }


class OperationLogView(LogExportMixin, PortalModelView):
    """操作日志: search, detail and export for administrators; read-only for everyone."""

    datamodel = SQLAInterface(OperationLog)
    class_permission_name = "OperationLog"
    base_permissions = ["can_list", "can_show", "can_export"]
    list_title = show_title = _l("操作日志")
    list_columns = ["at", "username", "ip", "category", "action", "target", "result"]
    search_columns = ["at", "username", "ip", "category", "action", "target", "result"]
    show_columns = list_columns + ["detail"]
    base_order = ("id", "desc")
    label_columns = {"at": _l("操作时间"), "username": _l("操作人"), "ip": _l("客户端地址"),
                     "category": _l("类别"), "action": _l("操作"), "target": _l("对象"),
                     "result": _l("结果"), "detail": _l("请求参数")}


class NoticeView(ScopedModelView):
    """通知公告: notices of my unit and the units above me, scoped by unit."""

    datamodel = ScopedSQLAInterface(Notice)
    class_permission_name = "Notice"
    list_title = show_title = _l("通知公告")
    add_title, edit_title = _l("新增通知公告"), _l("修改通知公告")
    list_columns = ["title", "unit", "created_at"]
    search_columns = ["title", "created_at"]
    add_columns = edit_columns = ["title", "content"]
    show_columns = ["title", "content", "unit", "created_at", "updated_at"]
    base_order = ("id", "desc")
    label_columns = dict(AUDIT_LABELS, title=_l("标题"), content=_l("内容"), unit=_l("发布单位"))

    def pre_add(self, item):
        if g.user.unit_id is None:
            raise ValueError("当前用户未设置所属单位，不能发布")
        item.unit_id = g.user.unit_id
        item.created_by_id = g.user.id

    @action("muldelete", _l("删除"), _l("是否确认删除所选数据项？"), "fa-trash", single=False)
    def muldelete(self, items):
        for item in items:
            db.session.delete(item)
        db.session.commit()
        flash(f"已删除 {len(items)} 条数据", "success")
        return redirect(self.get_redirect())


def _refusing(validate):
    """A pre_add/pre_update hook running ``validate(item)``; a refused form leaves nothing in the session."""
    def check(self, item):
        try:
            validate(item)
        except ValueError:
            db.session.rollback()
            raise
    return check


class CalendarDayView(PortalModelView):
    """工作日历: the dates that depart from the weekly rule (节假日, 调休上班日)."""

    datamodel = SQLAInterface(CalendarDay)
    class_permission_name = "CalendarDay"
    list_title = show_title = _l("工作日历")
    add_title, edit_title = _l("新增日历日期"), _l("修改日历日期")
    list_columns = ["day", "weekday_label", "kind_label", "name", "remark"]
    search_columns = ["day", "kind", "name"]
    add_columns = edit_columns = ["day", "kind", "name", "remark"]
    show_columns = ["day", "weekday_label", "kind_label", "name", "remark", "created_at", "updated_at"]
    order_columns = ["day", "name"]
    base_order = ("day", "asc")
    label_columns = dict(AUDIT_LABELS, day=_l("日期"), weekday_label=_l("星期"), kind=_l("日期类型"),
                         kind_label=_l("日期类型"), name=_l("节日名称"), remark=_l("备注"))
    description_columns = {"kind": _l("周一至周五默认上班、周六周日默认休息；只需登记法定节假日和调休上班日")}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("日期类型"), choices=list(DAY_KIND_LABELS.items()), validators=[DataRequired()]),
    }

    pre_add = pre_update = _refusing(validate_calendar_day)


class TimeLimitView(PortalModelView):
    """办理时限: limits per 事件类型 × 紧急程度 × 环节 (签收, 办理) in working days or hours."""

    datamodel = SQLAInterface(TimeLimit)
    class_permission_name = "TimeLimit"
    list_title = show_title = _l("办理时限")
    add_title, edit_title = _l("新增办理时限"), _l("修改办理时限")
    list_columns = ["category_label", "urgency", "step_label", "limit_label", "remark"]
    search_columns = ["category", "urgency", "step"]
    add_columns = edit_columns = ["category", "urgency", "step", "amount", "unit", "remark"]
    show_columns = ["category_label", "urgency", "step_label", "limit_label", "remark", "created_at", "updated_at"]
    order_columns = ["urgency", "step"]
    base_order = ("category_id", "asc")
    label_columns = dict(AUDIT_LABELS, category=_l("事件类型"), category_label=_l("事件类型"), urgency=_l("紧急程度"),
                         step=_l("环节"), step_label=_l("环节"), amount=_l("时限"), unit=_l("时限单位"),
                         limit_label=_l("时限"), remark=_l("备注"))
    description_columns = {"category": _l("不选为全部事件类型的默认时限；选中的类型及其下级类型优先使用本条")}
    add_form_query_rel_fields = edit_form_query_rel_fields = {"category": [["enabled", FilterEqual, True]]}
    add_form_extra_fields = edit_form_extra_fields = {
        "urgency": SelectField(_l("紧急程度"), choices=[(u, u) for u in ("一般", "紧急", "重大")],
                               validators=[DataRequired()]),
        "step": SelectField(_l("环节"), choices=list(STEP_LABELS.items()), validators=[DataRequired()]),
        "unit": SelectField(_l("时限单位"), choices=list(LIMIT_UNIT_LABELS.items()), validators=[DataRequired()]),
    }

    pre_add = pre_update = _refusing(validate_time_limit)

    def pre_delete(self, item):
        if item.category_id is None:
            raise ValueError("全部事件类型的默认时限不能删除，只能修改")
