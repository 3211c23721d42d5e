"""首页 / 工作台: my counters as tiles linking to the lists, and charts for county and city users."""
from flask import g
from flask_appbuilder import IndexView, expose

from app.security.scope import current_scope


class PortalIndexView(IndexView):
    """Landing page after log-in."""

    index_template = "index.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        user = g.user if getattr(g.user, "is_authenticated", False) else None
        tiles, chart_data = [], None
        if user is not None and user.unit_id is not None:
            from app.services.workbench import charts, counters

            scope = current_scope()
            tiles = counters(user, scope)
            chart_data = charts(user, scope)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user, tiles=tiles,
                                    charts=chart_data)
