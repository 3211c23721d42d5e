"""推送记录 (系统管理): outbound messages to 12345 with their delivery state; 重新发送."""
from flask import flash, g, redirect
from flask_appbuilder import action
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField

from app.integration.outbound import STATUSES, resend
from app.models.ticket import OutboundMessage
from app.security.interface import ScopedSQLAInterface
from app.security.roles import SYS_ADMIN, extend_role_permissions
from app.views.base import ScopedModelView

SYSTEM = "系统管理"


def _ticket_link(ticket_id):
    if not ticket_id:
        return "—"
    return Markup('<a href="/work/ticket/{0}">#{0}</a>').format(int(ticket_id))


class OutboundMessageView(ScopedModelView):
    """推送记录: read-only list and detail; failed messages may be sent again (POST + CSRF)."""

    datamodel = ScopedSQLAInterface(OutboundMessage)
    class_permission_name = "OutboundMessage"
    base_permissions = ["can_list", "can_show"]
    list_title = show_title = _l("推送记录")
    list_columns = ["id", "target", "ticket_id", "title", "status", "attempts", "last_error", "created_at",
                    "sent_at", "next_attempt_at"]
    show_columns = ["id", "target", "ticket_id", "title", "status", "attempts", "idempotency_key", "last_error",
                    "created_at", "sent_at", "next_attempt_at", "payload"]
    search_columns = ["status", "ticket_id", "idempotency_key", "created_at", "sent_at"]
    search_form_extra_fields = {"status": SelectField(_l("状态"), choices=[(s, s) for s in STATUSES])}
    order_columns = ["id", "status", "attempts", "created_at", "sent_at", "next_attempt_at"]
    base_order = ("id", "desc")
    formatters_columns = {"ticket_id": _ticket_link}
    label_columns = {"id": _l("编号"), "target": _l("推送平台"), "ticket_id": _l("事件"), "title": _l("事件标题"),
                     "status": _l("状态"), "attempts": _l("发送次数"), "idempotency_key": _l("幂等键"),
                     "last_error": _l("最近错误"), "created_at": _l("创建时间"), "sent_at": _l("发送时间"),
                     "next_attempt_at": _l("下次重试时间"), "payload": _l("推送内容")}

    @action("resend", _l("重新发送"), _l("确认重新发送所选的发送失败消息？"), "fa-repeat")
    def resend(self, items):
        items = items if isinstance(items, list) else [items]
        count = resend(items, user=g.user)
        if count:
            flash(f"已重新发送 {count} 条消息", "success")
        if count < len(items):
            flash("只有状态为“失败”的消息可以重新发送，其余未作改动", "warning")
        return redirect(self.get_redirect())


def register_outbound_pages(appbuilder):
    """The 推送记录 menu under 系统管理, for the 系统管理员 role."""
    appbuilder.add_view(OutboundMessageView, "推送记录", label=_l("推送记录"), icon="fa-paper-plane",
                        category=SYSTEM)
    extend_role_permissions(SYS_ADMIN, [(r".*", r"OutboundMessage"), (r"menu_access", r"推送记录")])
