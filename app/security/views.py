"""Security pages: log-in (lockout message), change own password (asks for the current one),
administrator's password reset, 登录日志 (read-only) and 在线用户 (forced log-out)."""
import inspect

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import action
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_ACCESS_TOKEN_KEY, API_SECURITY_REFRESH_TOKEN_KEY
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.decorators import no_cache, permission_name, protect
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.sqla.apis import UserApi
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.views import AuthDBView, ResetMyPasswordView, ResetPasswordView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_appbuilder.views import expose
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_login import current_user
from marshmallow import ValidationError as SchemaError
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app.api.base import safe_response_422
from app.audit import record
from app.extensions import db
from app.models.audit import OperationLog
from app.models.base import now
from app.models.security import OnlineSession
from app.security.audit_log import LogExportMixin
from app.security.lockout import LOGIN, LOGIN_FAILED_MESSAGE
from app.security.passwords import change_reason, is_reused, password_state, reuse_message
from app.security.ratelimit import allow
from app.security.roles import SYS_ADMIN, extend_role_permissions
from app.security.sessions import force_logout, idle_seconds, max_seconds, refresh_current_session
from app.views.base import PortalModelView

SYSTEM = "系统管理"


# --- log-in ----------------------------------------------------------------------------------

LOGIN_RATE_LIMITED = "登录尝试过于频繁，请稍后再试"


def login_allowed():
    """Count one log-in attempt of this client address (pages and API share the count, and so
    do all workers when Redis is configured); False, with a 登录日志 entry, when over the limit."""
    if allow("login", current_app.config["LOGIN_RATE_LIMIT"]):
        return True
    username = (request.form.get("username") if request.form else None) or (
        (request.get_json(silent=True) or {}).get("username") if request.is_json else None)
    record(LOGIN, "登录限流", target=str(username)[:200] if username else None, result="请求过于频繁")
    db.session.commit()
    return False


class PortalAuthDBView(AuthDBView):
    """FAB's login form, with one message for every refusal (unknown user, wrong password, locked)."""

    invalid_login_message = LOGIN_FAILED_MESSAGE
    title = _l("登录")
    login_template = "security/login_db.html"      # FAB's form plus the public 居民吹哨 link

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        """FAB's log-in, after the per-address limit on attempts (429 and the form again)."""
        if request.method == "POST" and not login_allowed():
            flash(LOGIN_RATE_LIMITED, "danger")
            page = self.render_template(self.login_template, title=self.title, form=LoginForm_db(),
                                        appbuilder=self.appbuilder)
            return page, 429
        return super().login()

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        """退出: only a POST (with the CSRF token) ends the session.  A GET, which any other
        site could trigger with a link or an image, shows a confirmation form instead."""
        if request.method == "POST":
            return super().logout()
        if not (current_user and current_user.is_authenticated):
            return redirect(self.appbuilder.get_url_for_index)
        return self.render_template("security/logout.html", title=_l("退出登录"), appbuilder=self.appbuilder)


class PortalSecurityApi(SecurityApi):
    """``POST /api/v1/security/login`` with lockout, the same refusal message, forced change."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Log in: returns a JWT access token and optionally a refresh token
        ---
        post:
          description: >-
            Authenticate and get a JWT access and refresh token.  Five failed attempts
            lock the account for 15 minutes.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username:
                      description: The username for authentication
                      example: admin
                      type: string
                    password:
                      description: The password for authentication
                      example: complex-password
                      type: string
                    provider:
                      description: Choose an authentication provider
                      example: db
                      type: string
                      enum:
                      - db
                    refresh:
                      description: If true a refresh token is provided also
                      example: true
                      type: boolean
          responses:
            200:
              description: Authentication Successful
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token:
                        type: string
                      refresh_token:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            500:
              $ref: '#/components/responses/500'
        """
        if not login_allowed():
            return self.response(429, message=LOGIN_RATE_LIMITED)
        if not request.is_json:
            return self.response_400(message="请求内容必须是 JSON")
        try:
            payload = login_post.load(request.json)
        except SchemaError as error:
            return self.response_400(message=error.messages)
        if payload["provider"] != "db":
            return self.response_400(message="不支持的登录方式")
        user = self.appbuilder.sm.auth_user_db(payload["username"], payload["password"])
        if not user:
            return self.response(401, message=LOGIN_FAILED_MESSAGE)
        reason = change_reason(password_state(user.id))
        if reason:
            return self.response(403, message=reason + "（请登录页面修改密码）")
        resp = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(identity=str(user.id), fresh=True)}
        if payload.get("refresh"):
            resp[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(identity=str(user.id))
        return self.response(200, **resp)


# --- users REST API --------------------------------------------------------------------------

class PortalUserApi(UserApi):
    """``/api/v1/security/users``: FAB's user API with the password history, a 404 for an unknown
    user (FAB: 500) and no database text in its error answers."""

    @expose("/<pk>", methods=("PUT",))
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        """Edit user (a new password must not be one of the last five)
        ---
        put:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/{{self.__class__.__name__}}.put'
          responses:
            200:
              description: Item changed
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        uid = _int(pk)
        user = db.session.get(current_app_user_model(), uid) if uid is not None and 0 < uid < 2 ** 31 else None
        if user is None:
            return self.response(404, message="用户不存在")
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return self.response_400(message="请求内容必须是 JSON 对象")
        password = body.get("password")
        if isinstance(password, str) and password and is_reused(user, password):
            return self.response(400, message=reuse_message(), errors={"password": [reuse_message()]})
        # FAB's body of the endpoint, without its decorators (already applied above)
        response = inspect.unwrap(UserApi.put)(self, pk)
        if response.status_code == 200:
            actor = self.appbuilder.sm.current_user
            state = password_state(user.id)
            if password and state is not None and actor is not None and actor.id != user.id:
                state.must_change_password = True     # set by an administrator: changed at next log-in
            db.session.commit()          # the change itself is logged by app.security.change_log
        return response

    def response_422(self, message=None):
        return safe_response_422(self, message)


# --- passwords -------------------------------------------------------------------------------

def _new_password_fields():
    return (
        PasswordField(_l("新密码"), validators=[DataRequired(), PasswordComplexityValidator()],
                      description=_l("至少8位，须包含大写字母、小写字母、数字、特殊字符中的至少三类"),
                      widget=BS3PasswordFieldWidget()),
        PasswordField(_l("确认新密码"), validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))],
                      widget=BS3PasswordFieldWidget()),
    )


class ChangeMyPasswordForm(DynamicForm):
    """Own password: the current one, then the new one twice."""

    old_password = PasswordField(_l("当前密码"), validators=[DataRequired()], widget=BS3PasswordFieldWidget())
    password, conf_password = _new_password_fields()

    def validate_old_password(self, field):
        if not check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError("当前密码不正确")

    def validate_password(self, field):
        if is_reused(g.user, field.data):
            raise ValidationError(reuse_message())


class AdminResetPasswordForm(DynamicForm):
    """An administrator sets a new password (the user must change it at the next log-in)."""

    password, conf_password = _new_password_fields()

    def validate_password(self, field):
        user = db.session.get(current_app_user_model(), _int(request.args.get("pk")))
        if user is not None and is_reused(user, field.data):
            raise ValidationError(reuse_message())


def current_app_user_model():
    from app.models.org import AppUser

    return AppUser


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PortalResetMyPasswordView(ResetMyPasswordView):
    """修改密码: open to every signed-in user (also while a change is forced); asks for the current password."""

    form = ChangeMyPasswordForm
    # explicit: FAB would otherwise cache the field list once, with or without ``csrf_token``
    form_columns = ["old_password", "password", "conf_password"]
    form_title = _l("修改密码")
    message = _l("密码已修改")

    def _require_login(self):
        if not (current_user and current_user.is_authenticated):
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login",
                                    next=request.full_path))
        return None

    @expose("/form", methods=["GET"])
    def this_form_get(self):
        return self._require_login() or self._form_get()

    @expose("/form", methods=["POST"])
    def this_form_post(self):
        return self._require_login() or self._form_post()

    def _form_get(self):
        self._init_vars()
        form = self.form.refresh()
        widgets = self._get_edit_widget(form=form)
        return self.render_template(self.form_template, title=self.form_title, widgets=widgets,
                                    appbuilder=self.appbuilder)

    def _form_post(self):
        self._init_vars()
        form = self.form.refresh()
        if not form.validate_on_submit():
            widgets = self._get_edit_widget(form=form)
            return self.render_template(self.form_template, title=self.form_title, widgets=widgets,
                                        appbuilder=self.appbuilder)
        return self.form_post(form)

    def form_post(self, form):
        user_id = g.user.id
        self.appbuilder.sm.reset_password(user_id, form.password.data)   # flush listener: history, version
        record("security", "修改密码", target=g.user.username)
        db.session.commit()
        refresh_current_session(user_id)        # this session continues, every other one ends
        flash(str(self.message), "info")
        return redirect(self.appbuilder.get_url_for_index)


class PortalResetPasswordView(ResetPasswordView):
    """重置密码 (administrators): complexity and history checked; the user must change it at next log-in."""

    class_permission_name = "ResetPasswordView"
    form = AdminResetPasswordForm
    form_columns = ["password", "conf_password"]
    form_title = _l("重置密码")
    message = _l("密码已重置，用户下次登录时须修改密码")

    def form_post(self, form):
        user = db.session.get(current_app_user_model(), _int(request.args.get("pk")))
        if user is None:
            abort(404)
        self.appbuilder.sm.reset_password(user.id, form.password.data)
        state = password_state(user.id)
        if state is not None and not state.must_change_password and user.id != g.user.id:
            state.must_change_password = True
        record("security", "重置密码", target=user.username)
        db.session.commit()
        flash(str(self.message), "info")
        return None


# --- 登录日志 ---------------------------------------------------------------------------------

class LoginLogView(LogExportMixin, PortalModelView):
    """登录日志: log-ins, failed log-ins, locks, log-outs; search, detail, export; read-only."""

    datamodel = SQLAInterface(OperationLog)
    class_permission_name = "LoginLog"
    base_permissions = ["can_list", "can_show", "can_export"]
    base_filters = [["category", FilterEqual, "login"]]
    list_title = show_title = _l("登录日志")
    list_columns = ["at", "username", "ip", "action", "target", "result"]
    search_columns = ["at", "username", "ip", "action", "target", "result"]
    show_columns = list_columns + ["detail"]
    base_order = ("id", "desc")
    label_columns = {"at": _l("时间"), "username": _l("用户"), "ip": _l("客户端地址"), "action": _l("事件"),
                     "target": _l("登录账号"), "result": _l("结果"), "detail": _l("详情")}


# --- 在线用户 ---------------------------------------------------------------------------------

class AliveSessionFilter(BaseFilter):
    """Sessions not past the idle timeout nor the absolute limit."""

    name = "在线"

    def apply(self, query, value):
        import datetime as dt

        stamp = now()
        return query.filter(OnlineSession.last_seen_at >= stamp - dt.timedelta(seconds=idle_seconds()),
                            OnlineSession.login_at >= stamp - dt.timedelta(seconds=max_seconds()))


class OnlineUserView(PortalModelView):
    """在线用户: who is signed in, from where, since when; 强制下线 ends all sessions of the user."""

    datamodel = SQLAInterface(OnlineSession)
    class_permission_name = "OnlineUser"
    base_permissions = ["can_list"]
    base_filters = [["id", AliveSessionFilter, None]]
    list_title = _l("在线用户")
    list_columns = ["username", "user", "ip", "login_at", "last_seen_at", "user_agent"]
    search_columns = ["username", "ip", "login_at"]
    base_order = ("login_at", "desc")
    label_columns = {"username": _l("登录账号"), "user": _l("姓名"), "ip": _l("登录地址"),
                     "login_at": _l("登录时间"), "last_seen_at": _l("最近访问"), "user_agent": _l("浏览器")}

    @action("force_logout", _l("强制下线"), _l("确认强制所选用户下线？其全部会话和接口令牌将失效"), "fa-sign-out")
    def force_logout(self, items):
        items = items if isinstance(items, list) else [items]
        done = {}
        for item in items:
            if item is not None and item.user_id not in done:
                done[item.user_id] = item.username
        for user_id, username in done.items():
            force_logout(user_id, by=g.user, username=username)
        db.session.commit()
        flash(f"已强制 {len(done)} 个用户下线", "success")
        return redirect(self.get_redirect())


def register_security_views(appbuilder):
    """Menus under 系统管理 and the 系统管理员 role's default permissions."""
    appbuilder.add_view(LoginLogView, "登录日志", label=_l("登录日志"), icon="fa-sign-in", category=SYSTEM)
    appbuilder.add_view(OnlineUserView, "在线用户", label=_l("在线用户"), icon="fa-users", category=SYSTEM)
    extend_role_permissions(SYS_ADMIN, [
        (r".*", r"(LoginLog|OnlineUser|ResetPasswordView)"),
        (r"menu_access", r"(登录日志|在线用户)"),
    ])
