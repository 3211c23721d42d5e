"""首页 / 工作台: my counters as tiles linking to the lists, and charts for county and city users."""
from flask import current_app, g
from flask_appbuilder import IndexView, expose

from app.security.scope import current_scope
from app.services.cache import cached


def _cached_charts(user, scope, charts):
    """The charts scan the whole territory: reuse them for ``CHART_CACHE_SECONDS`` (default 60;
    0 under test) per unit and scope.  The tiles stay exact: they count the lists they open."""
    ttl = current_app.config.get("CHART_CACHE_SECONDS", 0 if current_app.testing else 60)
    if not ttl:
        return charts(user, scope)
    key = "charts:{}:{}:{}:{}:{}".format(user.unit_id, int(scope.all), ",".join(scope.subtree_paths),
                                         ",".join(map(str, sorted(scope.unit_ids))), scope.user_id or "")
    return cached(key, ttl, lambda: charts(user, scope))


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
            chart_data = _cached_charts(user, scope, charts)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user, tiles=tiles,
                                    charts=chart_data)
