"""居民吹哨 pages: the public form residents use without logging in (/resident/whistle), and the
grid member's 我的-居民吹哨记录 (/work/resident-whistles).  Every change goes through
``app.workflow.resident`` (the API's code path)."""
import re

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.attachments import UploadRefused, too_large_message
from app.extensions import csrf, db
from app.models.resident import WHISTLE_STATUS_LABELS
from app.registries.crypto import mask
from app.security.ratelimit import allow
from app.workflow import resident
from app.workflow.errors import WorkflowError
from app.views.tickets import PAGE_SIZE, TicketWorkView, _form_input, _int

RATE_LIMITED = "提交过于频繁，请稍后再试"
MB = 1024 * 1024
PUBLIC_FIELDS = ("community_id", "description", "reporter_name", "phone", "address")
CLOSE_FIELDS = [("note", "办结说明", "textarea", True, None)]
ESCALATE_FIELDS = [("title", "事件标题", "text", True, None), ("category_id", "事件类型", "categories", True, None),
                   ("urgency", "紧急程度", "select", True, [(v, v) for v in ("一般", "紧急", "重大")]),
                   ("address", "事件发生地址详述", "text", True, None),
                   ("target", "提级上报去向", "select", True, [("upper", "上级辖区"), ("department", "县直职能部门")]),
                   ("reason", "提级意见/原因", "textarea", True, None),
                   ("unit_id", "县直职能部门（去向为县直职能部门时必选）", "units:county_dept", False, None),
                   ("task", "主办单位任务（去向为县直职能部门时必填）", "textarea", False, None)]


class ResidentPublicView(BaseView):
    """居民吹哨 for residents: no login; rate-limited per address, size-limited, CSRF-checked."""

    route_base = "/resident"
    default_view = "whistle"

    @expose("/whistle", methods=["GET", "POST"])
    def whistle(self):
        # CSRFProtect is switched off for this view (see register_resident_pages) so that the
        # rate limit and the size cap act before the body is read; the token is checked below.
        values, errors, status = {}, {}, 200
        if request.method == "POST":
            config = current_app.config
            if not allow("resident_whistle", config["RESIDENT_WHISTLE_RATE_LIMIT"]):
                return self._public_form(values, {}, RATE_LIMITED, 429)
            photo_limit = config["RESIDENT_WHISTLE_PHOTO_MAX_MB"] * MB
            max_photos = config["RESIDENT_WHISTLE_MAX_PHOTOS"]
            request.max_content_length = photo_limit * max_photos + MB
            try:
                values = {k: request.form.get(k, "") for k in PUBLIC_FIELDS}
                if config.get("WTF_CSRF_ENABLED", True):
                    csrf.protect()
                whistle = resident.submit(values, request.files.getlist("photos"), max_photos=max_photos,
                                          photo_limit=photo_limit)
                return redirect(url_for("ResidentPublicView.thanks", ref_no=whistle.ref_no))
            except RequestEntityTooLarge:
                message, status = too_large_message(photo_limit) + f"，最多{max_photos}张", 413
            except CSRFError:
                message, status = "页面已过期，请刷新后重新提交", 400
            except (WorkflowError, UploadRefused) as exc:
                db.session.rollback()
                message, errors = exc.message, getattr(exc, "errors", None) or {}
                status = getattr(exc, "http_status", None) or exc.status
            return self._public_form(values, errors, message, status)
        return self._public_form(values, errors, None, status)

    @expose("/whistle/thanks/<ref_no>")
    def thanks(self, ref_no):
        if not resident.REF_PATTERN.match(ref_no):
            abort(404)
        return self.render_template("resident/thanks.html", title="居民吹哨", ref_no=ref_no)

    def _public_form(self, values, errors, message, status):
        config = current_app.config
        return self.render_template(
            "resident/public_form.html", title="居民吹哨", values=values, errors=errors, message=message,
            communities=resident.communities(), max_photos=config["RESIDENT_WHISTLE_MAX_PHOTOS"],
            photo_mb=config["RESIDENT_WHISTLE_PHOTO_MAX_MB"]), status


class ResidentWhistleView(BaseView):
    """我的-居民吹哨记录: the records of my 村/社区 (grid members) or of my territory (handlers)."""

    route_base = "/work/resident-whistles"
    default_view = "records"
    class_permission_name = "ResidentWhistle"
    method_permission_name = {"records": "list", "show": "list", "photo": "list", "verify": "edit",
                              "close": "edit", "escalate": "edit"}

    @expose("/")
    @has_access
    def records(self):
        status = request.args.get("status") if request.args.get("status") in WHISTLE_STATUS_LABELS else None
        phone = (request.args.get("phone") or "").strip()[:20] or None
        stmt = resident.filtered(g.user, status, phone)
        page = max(1, _int(request.args.get("page"), 1))
        total, rows = resident.page_of(stmt, page - 1, PAGE_SIZE)
        items = [resident.whistle_dict(w, g.user) for w in rows]
        return self.render_template("resident/list.html", title="居民吹哨记录", items=items, total=total, page=page,
                                    pages=max(1, -(-total // PAGE_SIZE)), status=status, phone=phone or "",
                                    statuses=WHISTLE_STATUS_LABELS.items(), labels=resident.ACTIONS)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        whistle = self._call(resident.detail, g.user, pk)
        return self.render_template("resident/detail.html", title="居民吹哨详情",
                                    w=resident.whistle_dict(whistle, g.user, full=True), labels=resident.ACTIONS)

    @expose("/<int:pk>/photo/<int:photo_id>")
    @has_access
    def photo(self, pk, photo_id):
        path, photo = self._call(resident.photo_file, g.user, pk, photo_id)
        return send_file(path, mimetype=photo.content_type or "application/octet-stream", as_attachment=True,
                         download_name=photo.original_name)

    @expose("/<int:pk>/verify", methods=["POST"])
    @has_access
    def verify(self, pk):
        try:
            resident.verify(g.user, pk)
            flash("已核实", "success")
        except WorkflowError as exc:
            self._refused(exc)
        return redirect(request.form.get("next") == "detail" and url_for("ResidentWhistleView.show", pk=pk)
                        or url_for("ResidentWhistleView.records"))

    @expose("/<int:pk>/close", methods=["GET", "POST"])
    @has_access
    def close(self, pk):
        return self._action_form(pk, "close", CLOSE_FIELDS, resident.close)

    @expose("/<int:pk>/escalate", methods=["GET", "POST"])
    @has_access
    def escalate(self, pk):
        return self._action_form(pk, "escalate", ESCALATE_FIELDS, resident.escalate)

    # ------------------------------------------------------------------ helpers
    def _action_form(self, pk, name, fields, service):
        whistle = self._call(resident.load, g.user, pk)
        values, errors = {}, {}
        if name == "escalate":
            values = {"title": f"居民吹哨：{whistle.description[:60]}", "address": whistle.address,
                      "urgency": "一般", "target": "upper"}
        if request.method == "POST":
            values = _form_input(fields)
            try:
                done = service(g.user, pk, **values)
                flash(f"{resident.ACTIONS[name][0]}成功" + ("，已生成事件并提交网格长审核" if name == "escalate" else ""),
                      "success")
                if name == "escalate":
                    return redirect(url_for("TicketWorkView.detail", ticket_id=done.ticket_id))
                return redirect(url_for("ResidentWhistleView.records"))
            except WorkflowError as exc:
                self._refused(exc)
                errors = exc.errors
        title = f"{resident.ACTIONS[name][0]} — {whistle.ref_no}（{mask(whistle.description, 'address')}）"
        # the ticket pages' form template and renderer: same widgets, same option lists
        return TicketWorkView._render_form(self, title, fields, values, errors, None,
                                           url_for(f"ResidentWhistleView.{name}", pk=pk))

    @staticmethod
    def _call(fn, *args):
        """Run a read of the service; its NotFound (out of scope) becomes the page's 404."""
        try:
            return fn(*args)
        except WorkflowError as exc:
            db.session.rollback()
            abort(exc.http_status)

    @staticmethod
    def _refused(exc):
        db.session.rollback()
        flash(exc.message, "danger")


def register_resident_pages(appbuilder):
    """The public form (exempt from the global CSRF hook: it checks the token itself, after its
    rate limit and size cap), 我的-居民吹哨记录 and the shipped roles' access to it."""
    from app.security.roles import GRID_MEMBER, HANDLER, HEAD, extend_role_permissions

    appbuilder.add_view_no_menu(ResidentPublicView)
    csrf.exempt(f"{ResidentPublicView.__module__}.{ResidentPublicView.whistle.__name__}")
    appbuilder.add_view(ResidentWhistleView, "居民吹哨记录", href="/work/resident-whistles/", label="居民吹哨记录",
                        category="我的", icon="fa-bullhorn")
    for role in (GRID_MEMBER, HANDLER, HEAD):
        extend_role_permissions(role, [(r"can_list", r"ResidentWhistle"), (r"menu_access", r"(居民吹哨记录|我的)")])
    extend_role_permissions(GRID_MEMBER, [(r"can_edit", r"ResidentWhistle")])
