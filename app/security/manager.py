"""The portal's FAB security manager: users carry a unit; security views speak Chinese."""
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.models.org import AppUser


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
    label_columns = dict(UserDBModelView.label_columns, first_name=_l("姓名"), unit=_l("所属单位"),
                         phone=_l("手机号"))

    def pre_add(self, item):
        item.last_name = item.last_name or ""
        super().pre_add(item)


class PortalSecurityManager(SecurityManager):
    """Security manager with the unit-aware user model."""

    user_model = AppUser
    userdbmodelview = PortalUserView

    def ensure_builtin_roles(self):
        """Create FAB's Admin and Public roles (FAB_CREATE_DB is off: schema comes from migrations)."""
        from flask_appbuilder.security.manager import BaseSecurityManager

        BaseSecurityManager.create_db(self)
