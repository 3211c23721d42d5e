"""Base classes for the portal's FAB views."""
from flask import abort, flash, redirect, request
from flask_appbuilder import ModelView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from wtforms import BooleanField

MAX_PAGE_SIZE = 100


class PortalModelView(ModelView):
    """ModelView with the portal's defaults: capped page size, no file download view."""

    page_size = 20

    def _init_forms(self):
        # FAB marks NOT NULL booleans as required, so an unticked box could never be
        # saved; give them plain optional checkboxes instead.
        for attr in ("add_form_extra_fields", "edit_form_extra_fields"):
            extra = dict(getattr(self, attr, None) or {})
            for col in self.datamodel.get_columns_list():
                if col not in extra and self.datamodel.is_boolean(col):
                    label = (self.label_columns or {}).get(col, col)
                    extra[col] = BooleanField(label, default=self.datamodel.get_col_default(col) or False)
            setattr(self, attr, extra)
        super()._init_forms()

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="",
                         page=None, page_size=None, widgets=None, **kwargs):
        if page_size is not None:
            page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        return super()._get_list_widget(filters, actions=actions, order_column=order_column,
                                        order_direction=order_direction, page=page,
                                        page_size=page_size, widgets=widgets, **kwargs)

    @expose("/download/<string:filename>")
    def download(self, filename):
        # FAB's download view serves any file of UPLOAD_FOLDER by name: never expose it.
        abort(404)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        # FAB runs actions on GET (no CSRF token) and fails with a 500 on an unknown name
        if request.method == "GET":
            abort(405)
        if name not in self.actions or not self.actions[name].single:
            abort(404)          # a bulk-only action gets one row here, not the list it expects
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        if request.form.get("action", "") not in self.actions:
            abort(404)
        return super().action_post()


class ScopedModelView(PortalModelView):
    """A ModelView over a scoped model (datamodel must be a ``ScopedSQLAInterface``).

    The interface already scopes every query; FAB's action views would then hand ``None``
    to the action for an out-of-scope id, so they answer 404 here and change nothing.
    """

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if request.method == "GET":
            abort(405)
        if name not in self.actions or not self.actions[name].single:
            abort(404)
        pk = self._deserialize_pk_if_composite(pk)
        permission_name = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission_name, self.class_permission_name):
            abort(403)
        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        return self.actions[name].func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        permission_name = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission_name, self.class_permission_name):
            abort(403)
        pks = request.form.getlist("rowid")
        if not pks:
            flash("请至少选择一条数据", "warning")
            return redirect(self.get_redirect())
        items = [self.datamodel.get(self._deserialize_pk_if_composite(pk)) for pk in pks]
        if any(item is None for item in items):
            abort(404)
        return self.actions[name].func(items)


__all__ = ["PortalModelView", "ScopedModelView", "has_access"]
