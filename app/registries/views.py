"""Pages and REST resources generated from a registry declaration.

``register_registry(appbuilder, RegistryClass)`` adds the list page (manual's search bar,
buttons 新增 修改 删除 导入 导出, pager 共 N 条), detail, add, edit, delete and bulk delete,
template / import / export, and ``/api/v1/<name>/`` with the same permission names.
"""
import hashlib
import logging
import os
import re
import secrets
import tempfile

from flask import abort, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import action, expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.security.decorators import has_access
from sqlalchemy import inspect as sa_inspect, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField

from app.api.base import PortalModelRestApi
from app.audit import record, record_now
from app.excel import ExcelError, inspect_upload, write_error_report
from app.excel.columns import CellInvalid
from app.extensions import appbuilder as _ab, db
from app.jobs import submit
from app.registries import jobs as _registry_jobs  # noqa: F401  (job handlers)
from app.registries.base import Registry, RegistryError, import_limits, unit_choices
from app.registries.forms import form_field, form_validators
from app.security.interface import ScopedSQLAInterface
from app.security.limits import upload_limit_message
from app.security.scope import current_scope, scope_clause, unit_in_scope
from app.views.base import ScopedModelView

log = logging.getLogger(__name__)
PAGE_SIZES = (10, 20, 50, 100)
# one permission name per operation, shared by the page and the API (Superset's pattern)
METHOD_PERMISSIONS = {
    "list": "list", "show": "show", "add": "add", "edit": "edit", "delete": "delete",
    "get_list": "list", "get": "show", "info": "list", "post": "add", "put": "edit",
    "import_file": "import", "download_errors": "import", "export": "export", "template": "template",
}
OP_PERMISSIONS = {"Q": ["can_list"], "D": ["can_show"], "C": ["can_add"], "U": ["can_edit"],
                  "X": ["can_delete", "muldelete"], "I": ["can_import", "can_template"], "E": ["can_export"]}
_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def registry_permissions(reg):
    perms = [p for op in reg.ops for p in OP_PERMISSIONS.get(op, [])]
    if any(f.sensitive for f in reg.fields):
        perms.append("can_unmask")
    return perms


def _may(perm, view_name):
    return _ab.sm.has_access(perm, view_name)


def _column_name(f):
    return f.key if f.kind in ("unit", "ref") else f.column


def _work_dir():
    from flask import current_app

    path = os.path.join(current_app.instance_path, "work")
    os.makedirs(path, exist_ok=True)
    return path


def apply_form_values(reg: Registry, item):
    """Shared by page and API saves: field rules, scope of unit and references, derived
    fields, cross-field checks and uniqueness; raises ``RegistryError`` and changes nothing."""
    values = {"id": item.id}
    errors = []
    for f in reg.fields:
        value = _relation_value(item, f) if f.kind in ("unit", "ref") else getattr(item, f.column)
        values[f.column] = value
        if f.in_form:
            errors.extend((f.key, m) for m in _field_errors(f, value))
    _refuse(reg, errors)
    for f in reg.fields:
        value = values[f.column]
        if f.kind == "unit" and value is not None and not unit_in_scope(value):
            errors.append((f.key, "不在您的管辖范围内"))
        elif f.kind == "ref" and value is not None and db.session.scalar(
                select(f.ref[0].id).where(f.ref[0].id == value, scope_clause(f.ref[0]))) is None:
            errors.append((f.key, "所选数据不存在或不在您的管辖范围内"))
    _refuse(reg, errors)
    _refuse(reg, reg().finish_values(values))
    relation_columns = {f.column for f in reg.fields if f.kind in ("unit", "ref")} | {"id"}
    for column, value in values.items():
        if column not in relation_columns:
            setattr(item, column, value)
    if reg.business_key:
        model = reg.model
        cond = [getattr(model, reg.field(k).column) == getattr(item, reg.field(k).column) for k in reg.business_key]
        stmt = select(model.id).where(*cond)
        if item.id is not None:
            stmt = stmt.where(model.id != item.id)
        with db.session.no_autoflush:
            if db.session.scalar(stmt) is not None:
                _refuse(reg, [(reg.business_key[0], "已存在")])


ROW_VERSION = "row_version"
STALE_MESSAGE = "数据已被他人修改，本次修改未保存，请刷新后重新修改"


def row_version(item):
    """Fingerprint of the stored row, carried by the edit form: any change of any column since
    the form was opened (page, API, import) changes it, so a stale submission is refused."""
    state = sa_inspect(item)
    if state.persistent:
        db.session.refresh(item)       # the database's values, not what this request loaded earlier
    values = [repr(getattr(item, attr.key)) for attr in state.mapper.column_attrs]
    return hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:32]


def _relation_value(item, f):
    """The id a save will store for a unit/ref field: FAB's forms set the relationship (the id
    column still holds the old value on edit), the API sets the id column."""
    attrs = sa_inspect(item).attrs
    if attrs[f.key].history.has_changes() and not attrs[f.column].history.has_changes():
        related = getattr(item, f.key)
        return related.id if related is not None else None
    value = getattr(item, f.column)
    if value is None and getattr(item, f.key, None) is not None:
        value = getattr(item, f.key).id
    return value


def _refuse(reg, errors):
    if errors:
        raise RegistryError("；".join(f"{reg.field(k).label}: {m}" for k, m in errors),
                            {k: [m] for k, m in errors})


def _field_errors(f, value):
    """The import's cell validation applied to a form or API value (one rule set for all paths)."""
    if f.kind in ("unit", "ref"):
        if value is None:
            return ["不能为空"] if f.required else []
        return [] if isinstance(value, int) and not isinstance(value, bool) else ["取值不正确"]
    if isinstance(value, str) and _CONTROL_RE.search(value):
        return ["不能包含不可见的控制字符"]
    try:
        f.excel_column().converter()(value)
    except CellInvalid as exc:
        return [exc.message]
    return []


class RegistryView(ScopedModelView):
    """Base of every registry page; ``registry`` is set by ``register_registry``."""

    registry: type = None
    list_template = "registry/list.html"
    show_template = "registry/show.html"
    method_permission_name = METHOD_PERMISSIONS

    # ------------------------------------------------------------------ list
    @expose("/list/")
    @has_access
    def list(self):
        reg = self.registry
        scope = current_scope()
        args = request.args
        page_size = _int(args.get("page_size"), 20)
        page_size = page_size if page_size in PAGE_SIZES else 20
        # display_row reads every field, listed or not: load every relation up front (no N+1)
        options = [selectinload(getattr(reg.model, f.key)) for f in reg.fields if f.kind in ("unit", "ref")]
        listing = (_int(args.get("page"), 1), page_size, args.get("sort"), args.get("dir", "desc"), options)
        try:
            objs, total, exact, page, pages = reg().list_page(scope, args, *listing)
        except RegistryError as exc:
            flash(exc.message, "danger")
            objs, total, exact, page, pages = reg().list_page(scope, {}, *listing)
        rows = [(obj.id, reg().display_row(obj)) for obj in objs]
        name = self.class_permission_name
        return self.render_template(
            self.list_template, title=reg.title, reg=reg, rows=rows, total=total, exact=exact, page=page, pages=pages,
            page_size=page_size, page_sizes=PAGE_SIZES, args=args, view=self,
            unit_options=unit_choices(scope) if any(f.kind == "unit" for f in reg.search_fields()) else [],
            perms={p: _may(p, name) for p in ("can_add", "can_edit", "can_delete", "can_import",
                                               "can_export", "can_show", "muldelete")})

    # ------------------------------------------------------------------ detail
    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        reg = self.registry
        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        unmask = request.args.get("unmask") == "1" and _may("can_unmask", self.class_permission_name)
        if unmask:
            record("unmask", f"查看{reg.title}敏感信息", target=f"{reg.model.__tablename__}#{item.id}")
            db.session.commit()
        has_sensitive = any(f.sensitive for f in reg.fields)
        return self.render_template(
            self.show_template, title=reg.title, reg=reg, item=item, values=reg().display_row(item, unmask),
            unmask=unmask, may_unmask=has_sensitive and _may("can_unmask", self.class_permission_name),
            may_edit=_may("can_edit", self.class_permission_name))

    # ------------------------------------------------------------------ add / edit hooks
    def _prepare_form(self):
        g._may_unmask = _may("can_unmask", self.class_permission_name)

    def _add(self):
        self._prepare_form()
        return super()._add()

    def _edit(self, pk):
        self._prepare_form()
        if request.method == "POST":
            item = self.datamodel.get(pk)
            seen = request.form.get(ROW_VERSION)
            # a form without the field (a script) is not checked, as the API's optional version
            if item is not None and seen is not None and seen != row_version(item):
                # the page was opened before someone else saved: keep their change, say so
                flash(STALE_MESSAGE, "danger")
                return None
        return super()._edit(pk)

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk)
        if item is not None and ROW_VERSION in form:
            form[ROW_VERSION].data = row_version(item)

    def _save(self, item):
        try:
            apply_form_values(self.registry, item)
        except RegistryError as exc:
            raise ValueError(exc.message)

    pre_add = pre_update = _save

    def post_add(self, item):
        record("action", f"新增{self.registry.title}", target=f"{self.registry.model.__tablename__}#{item.id}")
        db.session.commit()

    def post_update(self, item):
        record("action", f"修改{self.registry.title}", target=f"{self.registry.model.__tablename__}#{item.id}")
        db.session.commit()

    @action("muldelete", "删除", "是否确认删除所选数据项？", "fa-trash", single=False)
    def muldelete(self, items):
        for item in items:
            db.session.delete(item)
        record("action", f"删除{self.registry.title}", target=",".join(str(i.id) for i in items))
        db.session.commit()
        flash(f"已删除 {len(items)} 条数据", "success")
        return redirect(url_for(f"{self.__class__.__name__}.list"))

    # ------------------------------------------------------------------ Excel
    @expose("/template/")
    @has_access
    def template(self):
        return _send_template(self.registry)

    @expose("/export/")
    @has_access
    def export(self):
        reg = self.registry
        ids = [int(x) for x in request.args.getlist("ids") if x.isdigit()] or None
        try:
            stmt = reg().base_select(current_scope(), request.args, ids=ids)
        except RegistryError as exc:
            flash(exc.message, "danger")
            return redirect(url_for(f"{self.__class__.__name__}.list"))
        unmask = _may("can_unmask", self.class_permission_name)
        if _export_in_background(reg, stmt):
            submit("registry_export", f"导出{reg.title}", {
                "registry": reg.name, "args": {k: v for k, v in request.args.items() if k.startswith("s_")},
                "ids": ids, "unmask": unmask}, g.user)
            flash("导出数据较多，已转入后台处理，完成后可在本页下载", "info")
            return redirect(url_for("JobView.index"))
        return _send_export(reg, stmt, unmask)

    @expose("/import/", methods=["POST"])
    @has_access
    def import_file(self):
        body, status = _run_import(self.registry)
        return jsonify(body), status

    @expose("/import-errors/<token>")
    @has_access
    def download_errors(self, token):
        if not _TOKEN_RE.match(token):
            abort(404)
        path = os.path.join(_work_dir(), f"errors-{g.user.id}-{token}.xlsx")
        if not os.path.exists(path):
            abort(404)
        return send_file(path, as_attachment=True, download_name=f"{self.registry.title}-导入错误报告.xlsx")


def _export_in_background(reg, stmt):
    return reg().count(stmt) > current_app.config.get("BACKGROUND_EXPORT_ROWS", 5000)


def _send_template(reg):
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    reg().write_template(handle)
    handle.seek(0)
    return send_file(handle, as_attachment=True, download_name=f"{reg.title}导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _send_export(reg, stmt, unmask):
    handle = tempfile.TemporaryFile(dir=_work_dir())
    count = reg().export(handle, stmt, unmask=unmask)
    record("export", f"导出{reg.title}", detail=f"{count} 条" + ("（含敏感信息明文）" if unmask else ""))
    db.session.commit()
    handle.seek(0)
    return send_file(handle, as_attachment=True, download_name=f"{reg.title}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _flag(name):
    return str(request.form.get(name, "")).lower() in ("1", "true", "on", "yes", "是")


def _run_import(reg, api=False):
    """Handle one upload; returns (json body, status)."""
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:       # FAB's @safe would turn it into a 500
        return {"message": upload_limit_message()}, 413
    if upload is None or not upload.filename:
        return {"message": "请选择要导入的文件"}, 400
    if not upload.filename.lower().endswith((".xls", ".xlsx")):
        return {"message": "仅允许导入xls、xlsx格式文件"}, 415
    fd, path = tempfile.mkstemp(suffix=".upload", dir=_work_dir())
    with os.fdopen(fd, "wb") as out:
        upload.save(out)
    if os.path.getsize(path) > current_app.config.get("BACKGROUND_IMPORT_BYTES", 300 * 1024):
        try:
            # refuse a bad or too large file now (the job's own limits), not minutes later
            inspect_upload(path, **{k: v for k, v in import_limits().items() if k != "max_rows"})
        except ExcelError as exc:
            os.unlink(path)
            return {"message": exc.message}, getattr(exc, "http_status", 400)
        job = submit("registry_import", f"导入{reg.title}", {
            "registry": reg.name, "path": path, "update_existing": _flag("update_existing"),
            "all_or_nothing": _flag("all_or_nothing")}, g.user)
        status_url = f"/api/v1/jobs/{job.id}" if api else url_for("JobView.status", job_id=job.id)
        return {"message": "文件较大，已转入后台导入，可在“我的任务”中查看进度", "job_id": job.id,
                "status_url": status_url}, 202
    try:
        report = reg().import_file(path, current_scope(), update_existing=_flag("update_existing"),
                                   all_or_nothing=_flag("all_or_nothing"), user=g.user)
    except ExcelError as exc:
        record_now("import", f"导入{reg.title}", result="失败", detail=exc.message)
        return {"message": exc.message}, getattr(exc, "http_status", 400)
    finally:
        if os.path.exists(path):
            os.unlink(path)
    body = dict(report.to_dict(), message=report.summary_zh())
    if report.errors:
        token = secrets.token_hex(16)
        with open(os.path.join(_work_dir(), f"errors-{g.user.id}-{token}.xlsx"), "wb") as fh:
            write_error_report(fh, report)
        body["error_report"] = url_for(f"{reg.__name__}View.download_errors", token=token)
    record_now("import", f"导入{reg.title}", result="成功" if report.ok else "部分失败",
               detail=f"新增 {report.inserted} 更新 {report.updated} 跳过 {report.skipped} 失败 {report.failed}")
    return body, 200


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class RegistryApi(PortalModelRestApi):
    """Base of every registry REST resource; ``registry`` is set by ``register_registry``."""

    registry: type = None
    allow_browser_login = True
    method_permission_name = METHOD_PERMISSIONS

    def _mask(self, row):
        if not isinstance(row, dict):
            return
        for f in self.registry.fields:
            if f.sensitive and f.column in row and row[f.column]:
                from app.registries.crypto import mask

                row[f.column] = mask(row[f.column], f.sensitive)

    def pre_get_list(self, data):
        if not _may("can_unmask", self.class_permission_name):
            for row in data.get("result", []):
                self._mask(row)

    def pre_get(self, data):
        if not _may("can_unmask", self.class_permission_name):
            self._mask(data.get("result"))

    def _save(self, item):
        apply_form_values(self.registry, item)

    pre_add = pre_update = _save

    def _guarded(self, fn, *args):
        try:
            return fn(*args)
        except RegistryError as exc:
            db.session.rollback()
            return self.response(exc.status, message=exc.message, errors=exc.errors)
        except (StatementError, TypeError, ValueError):
            # values the schema let through but the database cannot take (wrong types, NUL bytes)
            db.session.rollback()
            log.warning("registry %s: refused input", self.registry.name, exc_info=True)
            return self.response_400(message="输入数据的类型或取值不正确")

    def post_headless(self):
        return self._guarded(super().post_headless)

    def put_headless(self, pk):
        return self._guarded(super().put_headless, pk)

    @expose("/template", methods=["GET"])
    @protect()
    @safe
    def template(self):
        """Download the .xlsx import template."""
        return _send_template(self.registry)

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    def import_file(self):
        """Import an .xls/.xlsx file (form fields update_existing, all_or_nothing)."""
        body, status = _run_import(self.registry, api=True)
        return self.response(status, **body)

    @expose("/export", methods=["GET"])
    @protect()
    @safe
    def export(self):
        """Export what ``?q=`` lists as .xlsx."""
        from flask_appbuilder.api import get_list_schema
        import prison

        reg = self.registry
        try:
            rison_args = prison.loads(request.args.get("q", "()"))
            filters = self._handle_filters_args(rison_args)
        except Exception:
            return self.response_400(message="查询参数 q 格式不正确")
        query = self.datamodel.apply_filters(db.session.query(reg.model.id), filters)
        stmt = select(reg.model).where(reg.model.id.in_(query.subquery().select()))
        unmask = _may("can_unmask", self.class_permission_name)
        if _export_in_background(reg, stmt):
            job = submit("registry_export", f"导出{reg.title}", {
                "registry": reg.name, "api_q": request.args.get("q", "()"), "unmask": unmask}, g.user)
            return self.response(202, message="数据较多，已转入后台导出", job_id=job.id,
                                 status_url=f"/api/v1/jobs/{job.id}")
        return _send_export(reg, stmt, unmask)


def register_registry(appbuilder, reg):
    """Create and register the page and the API of registry ``reg``."""
    name = reg.model.__name__
    list_cols = [_column_name(f) for f in reg.list_fields()]
    form_cols = [_column_name(f) for f in reg.form_fields()]
    extra = {}
    validators = {}
    for f in reg.form_fields():
        field = form_field(f)
        if field is not None:
            extra[_column_name(f)] = field
        else:
            validators[_column_name(f)] = form_validators(f)
    labels = {_column_name(f): f.label for f in reg.fields}
    labels.update({"created_at": "创建时间", "updated_at": "更新时间"})
    perms = registry_permissions(reg)
    rel_filter = {}
    if reg.unit_field:
        from flask_appbuilder.models.sqla.filters import FilterInFunction

        def _scope_unit_ids():
            return [uid for uid, _ in unit_choices(current_scope())]
        rel_filter[reg.unit_field] = [["id", FilterInFunction, _scope_unit_ids]]
    view_cls = type(f"{reg.__name__}View", (*reg.view_mixins, RegistryView), {
        "registry": reg, "datamodel": ScopedSQLAInterface(reg.model), "class_permission_name": name,
        "base_permissions": perms, "list_title": reg.title, "show_title": reg.title,
        "add_title": f"新增{reg.title}", "edit_title": f"修改{reg.title}",
        "list_columns": list_cols, "add_columns": form_cols, "edit_columns": form_cols + [ROW_VERSION],
        "show_columns": [_column_name(f) for f in reg.fields] + ["created_at", "updated_at"],
        "search_columns": [], "label_columns": labels, "add_form_extra_fields": extra,
        "edit_form_extra_fields": dict(extra, **{ROW_VERSION: HiddenField()}), "validators_columns": validators,
        "add_form_query_rel_fields": rel_filter, "edit_form_query_rel_fields": rel_filter,
    })
    if "X" not in reg.ops:
        view_cls.actions = {}
    api_cls = type(f"{reg.__name__}Api", (*reg.api_mixins, RegistryApi), {
        "registry": reg, "resource_name": reg.name, "datamodel": ScopedSQLAInterface(reg.model),
        "class_permission_name": name, "base_permissions": perms,
        "list_columns": ["id"] + [f.column for f in reg.list_fields()],
        "show_columns": ["id"] + [f.column for f in reg.fields] + ["created_at", "updated_at"],
        "add_columns": [f.column for f in reg.form_fields()],
        "edit_columns": [f.column for f in reg.form_fields()],
        "search_columns": [f.column for f in reg.fields if not f.sensitive and f.kind not in ("text",)],
        "order_columns": ["id"] + [f.column for f in reg.fields if f.sortable],
        "label_columns": {f.column: f.label for f in reg.fields},
        # never empty: gettext("") would answer the catalogue's header
        "description_columns": {f.column: f.help or f.label for f in reg.fields},
        "include_route_methods": _api_routes(reg),
    })
    appbuilder.add_view(view_cls, reg.title, label=reg.title, icon=reg.icon, category=reg.category)
    appbuilder.add_api(api_cls)
    return view_cls, api_cls


def _api_routes(reg):
    routes = {"info"}
    ops = {"Q": {"get_list"}, "D": {"get"}, "C": {"post"}, "U": {"put"}, "X": {"delete"},
           "I": {"import_file", "template"}, "E": {"export"}}
    for op in reg.ops:
        routes |= ops.get(op, set())
    if "Q" in reg.ops:
        routes.add("get")
    return routes
