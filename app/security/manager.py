"""The portal's FAB security manager: users carry a unit; security views speak Chinese."""
import time

from flask import current_app, flash, g, has_app_context, has_request_context, redirect
from flask_appbuilder import action
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (Permission, PermissionView, Role, ViewMenu,
                                                  assoc_permissionview_role)
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload
from wtforms.validators import ValidationError

from app.models.org import AppUser
from app.services.request_memo import memo
from app.security.views import (PortalAuthDBView, PortalResetMyPasswordView, PortalResetPasswordView,
                                PortalSecurityApi, PortalUserApi)

_PUBLIC_KEY = "portal_public_permissions"


@event.listens_for(Session, "after_flush")
def _forget_public_permissions(session, flush_context):
    """A role changed in this process: read the Public role's permissions again."""
    if has_app_context() and any(isinstance(o, Role) for o in (*session.new, *session.dirty, *session.deleted)):
        current_app.extensions.pop(_PUBLIC_KEY, None)


def _roles_required(form, field):
    # FAB's own check also reads a "groups" field this form does not have (KeyError → 500)
    if not field.data:
        raise ValidationError("请至少选择一个角色")


class PortalUserView(UserDBModelView):
    """用户管理: FAB's user view with the user's unit and phone."""

    list_columns = ["first_name", "username", "unit", "roles", "active", "last_login"]
    search_columns = ["first_name", "username", "unit", "roles", "active"]
    # one 姓名 field: Chinese names are not split into first and last names
    add_columns = ["first_name", "username", "unit", "phone", "active", "email", "roles",
                   "password", "conf_password"]
    edit_columns = ["first_name", "username", "unit", "phone", "active", "email", "roles"]
    show_fieldsets = [
        (_l("用户信息"), {"fields": ["username", "first_name", "unit", "phone", "email",
                                   "active", "roles", "login_count"]}),
        (_l("审计信息"), {"fields": ["last_login", "fail_login_count", "created_on", "created_by",
                                   "changed_on", "changed_by"], "expanded": False}),
    ]
    # 个人信息 (/users/userinfo/): FAB's default lists last_name, which show_columns lacks (a 500)
    user_show_fieldsets = [
        (_l("用户信息"), {"fields": ["username", "first_name", "unit", "phone", "email", "roles", "login_count"]}),
    ]
    validators_columns = {"roles": [_roles_required]}
    label_columns = dict(UserDBModelView.label_columns, first_name=_l("姓名"), unit=_l("所属单位"),
                         phone=_l("手机号"))

    def pre_add(self, item):
        item.last_name = item.last_name or ""
        super().pre_add(item)

    @action("unlock", _l("解除锁定"), _l("确认解除所选账号的登录锁定？"), "fa-unlock")
    def unlock(self, items):
        """Clear the lock after failed log-ins (written to the login log)."""
        from app.extensions import db
        from app.security.lockout import unlock

        items = [i for i in (items if isinstance(items, list) else [items]) if i is not None]
        unlocked = sum(1 for item in items if unlock(item, by=g.user))
        db.session.commit()
        flash(f"已解除 {unlocked} 个账号的锁定", "success")
        return redirect(self.get_redirect())


class PortalSecurityManager(SecurityManager):
    """Security manager with the unit-aware user model."""

    user_model = AppUser
    userdbmodelview = PortalUserView
    authdbview = PortalAuthDBView
    resetmypasswordview = PortalResetMyPasswordView
    resetpasswordview = PortalResetPasswordView
    security_api = PortalSecurityApi
    user_api = PortalUserApi

    def auth_user_db(self, username, password):
        """Log-in with lockout and login log (page and ``/api/v1/security/login``)."""
        from app.security.lockout import authenticate

        return authenticate(self, username, password)

    def on_user_login(self, user):
        from app.audit import record
        from app.extensions import db
        from app.security.lockout import channel

        record("login", "登录", target=user.username, detail={"方式": channel()}, user=user)
        db.session.commit()

    def on_user_logout(self, user):
        from app.security.sessions import on_logout

        on_logout(user)

    def get_user_by_id(self, pk):
        """The user of a session cookie or token with their roles and groups in one query
        (FAB: three, on every request)."""
        model = self.user_model
        return self.session.scalars(select(model).where(model.id == pk).options(
            joinedload(model.roles), joinedload(model.groups))).unique().first()

    def _has_view_access(self, user, permission_name, view_name):
        """FAB asks the database once per check, and the menu alone checks about fifty items
        per page: load the (permission, view) pairs of the user's roles once per request."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles and self._has_access_builtin_roles(role, permission_name, view_name)
               for role in roles):
            return True
        role_ids = tuple(sorted(role.id for role in roles if role.name not in self.builtin_roles))
        pairs = memo("permissions", (getattr(user, "id", None), role_ids), lambda: self._permission_pairs(role_ids))
        return (permission_name, view_name) in pairs

    def _permission_pairs(self, role_ids):
        """{(permission, view)} granted to the roles ``role_ids``, in one query."""
        if not role_ids:
            return set()
        link = assoc_permissionview_role.c
        return set(self.session.query(Permission.name, ViewMenu.name).select_from(PermissionView)
                   .join(Permission, Permission.id == PermissionView.permission_id)
                   .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
                   .join(assoc_permissionview_role, link.permission_view_id == PermissionView.id)
                   .filter(link.role_id.in_(role_ids)).all())

    def is_item_public(self, permission_name, view_name):
        """FAB asks this before every request (two queries for the Public role each time):
        answer from the Public role's permissions, kept for ``PUBLIC_PERMISSIONS_SECONDS``
        (default 10) in the process and dropped at once when this process changes a role."""
        if not has_request_context():
            return super().is_item_public(permission_name, view_name)
        app = current_app._get_current_object()
        held = app.extensions.get(_PUBLIC_KEY)
        clock = time.monotonic()
        if held is None or held[0] <= clock:
            pairs = {(pv.permission.name, pv.view_menu.name) for pv in self.get_public_permissions() or []}
            held = app.extensions[_PUBLIC_KEY] = (clock + app.config.get("PUBLIC_PERMISSIONS_SECONDS", 10), pairs)
        return (permission_name, view_name) in held[1]

    def ensure_builtin_roles(self):
        """Create FAB's Admin and Public roles (FAB_CREATE_DB is off: schema comes from migrations)."""
        from flask_appbuilder.security.manager import BaseSecurityManager

        BaseSecurityManager.create_db(self)
