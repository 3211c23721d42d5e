"""The shipped roles (org-and-roles.md), their default permissions and data scope.

Roles are ordinary FAB roles: administrators may change them in 角色管理.  ``ensure_roles``
creates a missing role with its defaults and never touches an existing one unless asked
(``reset=True``), so that an administrator's changes survive restarts.
"""
import re

from sqlalchemy import select

from app.extensions import db
from app.models.org import RoleDataScope, ScopeMode

GRID_MEMBER = "网格员"
GRID_LEADER = "网格长"
HANDLER = "管理员"
HEAD = "负责人"
DEPT_HANDLER = "职能部门"
PARTY_CLERK = "党建管理员"
DATA_CLERK = "数据管理员"
SYS_ADMIN = "系统管理员"

# Every signed-in role may read units, notices and its own user info.
_COMMON = [
    (r"can_(get|info)", r"UnitApi"),
    (r"can_get", r"OpenApi"),
    (r"can_show", r"SwaggerView"),
    (r"can_(list|show)", r"Notice"),
    (r"menu_access", r"(通知公告|工作台|我的任务)"),
    (r"can_list", r"BackgroundJob"),
    (r"can_(userinfo|this_form_get|this_form_post)", r"(PortalUserView|ResetMyPasswordView|UserInfoEditView)"),
    (r"resetmypassword|userinfoedit", r"PortalUserView"),
]

# role → (permission regex, view-menu regex) pairs, on top of _COMMON
ROLE_PERMISSIONS = {
    GRID_MEMBER: [],
    GRID_LEADER: [],
    HANDLER: [(r"can_(add|edit|delete)|muldelete", r"Notice")],
    HEAD: [(r"can_(add|edit|delete)|muldelete", r"Notice")],
    DEPT_HANDLER: [],
    PARTY_CLERK: [],
    DATA_CLERK: [],
    SYS_ADMIN: [
        (r".*", r"(PortalUserView|RoleModelView|PermissionModelView|ViewMenuModelView|UserGroupModelView|"
                r"PermissionViewModelView|UserStatsChartView)"),
        (r".*", r"(Permission|Role|User|ViewMenu|PermissionViewMenu|Group)"),
        (r".*", r"(Unit|DictType|DictItem|EventCategory|RoleDataScope|OperationLog|Notice)"),
        (r".*", r"(UnitApi|UserApi|RoleApi|PermissionApi|ViewMenuApi|PermissionViewMenuApi)"),
        (r"menu_access", r"(系统管理|单位管理|用户管理|角色管理|数据权限|字典管理|事件类型|操作日志|"
                         r"List Users|List Roles|List Groups|User's Statistics|Security|Base Permissions|Views/Menus|"
                         r"Permission on Views/Menus)"),
    ],
}

ROLE_SCOPE = {
    GRID_MEMBER: ScopeMode.SUBTREE, GRID_LEADER: ScopeMode.SUBTREE, HANDLER: ScopeMode.SUBTREE,
    HEAD: ScopeMode.SUBTREE, DEPT_HANDLER: ScopeMode.SUBTREE, PARTY_CLERK: ScopeMode.SUBTREE,
    DATA_CLERK: ScopeMode.SUBTREE, SYS_ADMIN: ScopeMode.ALL,
}


def extend_role_permissions(role_name, pairs):
    """Let a feature module add its default permissions to a shipped role."""
    current = ROLE_PERMISSIONS.setdefault(role_name, [])
    current.extend(p for p in pairs if p not in current)


def _matches(pairs, perm_name, view_name):
    return any(re.fullmatch(p, perm_name) and re.fullmatch(v, view_name) for p, v in pairs)


def ensure_roles(sm, reset=False):
    """Create the shipped roles with default permissions and data scope."""
    all_pvms = sm.session.query(sm.permissionview_model).all()
    for name, pairs in ROLE_PERMISSIONS.items():
        role = sm.find_role(name)
        created = role is None
        if created:
            role = sm.add_role(name)
        if created or reset:
            wanted = _COMMON + pairs
            role.permissions = [pv for pv in all_pvms
                                if pv.permission and pv.view_menu
                                and _matches(wanted, pv.permission.name, pv.view_menu.name)]
            scope = db.session.scalar(select(RoleDataScope).where(RoleDataScope.role_id == role.id))
            if scope is None:
                db.session.add(RoleDataScope(role_id=role.id, mode=ROLE_SCOPE[name].value))
            else:
                scope.mode, scope.enabled = ROLE_SCOPE[name].value, True
    db.session.commit()
