"""Every page and API of the portal is registered here, in one place.

Menu ``name``s are Chinese labels that double as FAB menu permissions; ``category``
groups follow the manual's menu map.
"""
from flask_babel import lazy_gettext as _l

from app.api.openapi import register_openapi
from app.api.jobs import JobApi
from app.api.units import UnitApi
from app.views.jobs import JobView
from app.views.tickets import register_ticket_pages
from app.registries import all_registries, grant_default_permissions
from app.registries.views import register_registry
from app.views.system import (DictItemView, DictTypeView, EventCategoryView, NoticeView,
                              OperationLogView, RoleDataScopeView, UnitView)

SYSTEM = "系统管理"


def register_deadline_pages(appbuilder):
    """工作日历 and 办理时限 (issue #9), edited by the 系统管理员."""
    from app.security.roles import SYS_ADMIN, extend_role_permissions
    from app.views.system import CalendarDayView, TimeLimitView

    appbuilder.add_view(CalendarDayView, "工作日历", label=_l("工作日历"), icon="fa-calendar", category=SYSTEM)
    appbuilder.add_view(TimeLimitView, "办理时限", label=_l("办理时限"), icon="fa-clock-o", category=SYSTEM)
    extend_role_permissions(SYS_ADMIN, [(r".*", r"(CalendarDay|TimeLimit)"), (r"menu_access", r"(工作日历|办理时限)")])


def register_views(appbuilder):
    """Add all views, menus and APIs to ``appbuilder``."""
    appbuilder.add_view(NoticeView, "通知公告", label=_l("通知公告"), icon="fa-bullhorn",
                        category="工作台", category_label=_l("工作台"))
    appbuilder.add_view(UnitView, "单位管理", label=_l("单位管理"), icon="fa-sitemap",
                        category=SYSTEM, category_label=_l("系统管理"), category_icon="fa-cogs")
    appbuilder.add_view(RoleDataScopeView, "数据权限", label=_l("数据权限"), icon="fa-filter", category=SYSTEM)
    appbuilder.add_view(DictTypeView, "字典管理", label=_l("字典管理"), icon="fa-book", category=SYSTEM)
    appbuilder.add_view_no_menu(DictItemView)
    appbuilder.add_view(EventCategoryView, "事件类型", label=_l("事件类型"), icon="fa-tags", category=SYSTEM)
    appbuilder.add_view(OperationLogView, "操作日志", label=_l("操作日志"), icon="fa-history", category=SYSTEM)
    register_deadline_pages(appbuilder)
    from app.security.views import register_security_views  # 登录日志, 在线用户 (issue #8)
    register_security_views(appbuilder)
    from app.views.outbound import register_outbound_pages  # 推送记录 (issue #3)
    register_outbound_pages(appbuilder)
    appbuilder.add_view(JobView, "我的任务", label=_l("我的任务"), icon="fa-tasks", category="工作台")
    register_ticket_pages(appbuilder)
    appbuilder.add_api(UnitApi)
    appbuilder.add_api(JobApi)
    register_openapi(appbuilder)
    registries = all_registries()
    for reg in registries:
        register_registry(appbuilder, reg)
    grant_default_permissions(registries)
    # ticket workflow (issue #2)
    from app.api.applications import ApplicationApi
    from app.api.attachments import AttachmentApi
    from app.api.supervisions import SupervisionApi
    from app.api.tickets import TicketApi
    appbuilder.add_api(TicketApi)
    appbuilder.add_api(ApplicationApi)
    appbuilder.add_api(SupervisionApi)
    appbuilder.add_api(AttachmentApi)
    # 居民吹哨 (issue #3): public form, 我的-居民吹哨记录 and its API
    from app.api.resident import ResidentWhistleApi
    from app.views.resident import register_resident_pages
    register_resident_pages(appbuilder)
    appbuilder.add_api(ResidentWhistleApi)
