"""首页 / 工作台: my counters as tiles linking to the lists, and charts for county and city users."""
from flask import current_app, g
from flask_appbuilder import IndexView, expose

from app.security.scope import current_scope
from app.services import cache


def _chart_seconds():
    """How long charts count as fresh: ``CHART_CACHE_SECONDS`` (default 60; 0 under test = no cache),
    and how much longer an expired value is shown while it is recomputed (``CHART_STALE_SECONDS``)."""
    ttl = current_app.config.get("CHART_CACHE_SECONDS", 0 if current_app.testing else 60)
    return ttl, current_app.config.get("CHART_STALE_SECONDS", 3600)


def chart_key(unit_id, scope):
    """Everything the charts depend on: the unit (its kind and child areas) and the territory.  A
    city-wide scope is the same for every user of the unit; any other keeps the user for 仅本人."""
    if scope.all:
        return f"charts:{unit_id}:all"
    return "charts:{}:{}:{}:{}".format(unit_id, ",".join(scope.subtree_paths),
                                       ",".join(map(str, sorted(scope.unit_ids))), scope.user_id or "")


def _compute(user_id, scope):
    """The charts of ``user_id`` in ``scope``, loading the user in whatever session runs it (the
    request's, or a background refresh's own)."""
    def compute():
        from app.extensions import db
        from app.models.org import AppUser
        from app.services.workbench import charts

        return charts(db.session.get(AppUser, user_id), scope)
    return compute


def _cached_charts(user, scope):
    """The charts scan the whole territory: reused while fresh, then shown once more while a
    background refresh runs.  The tiles stay exact: they count the lists they open."""
    ttl, stale_for = _chart_seconds()
    if not ttl:
        return _compute(user.id, scope)()
    return cache.cached(chart_key(user.unit_id, scope), ttl, _compute(user.id, scope), stale_for=stale_for)


def refresh_charts():
    """Recompute the charts of every county and city territory into the cache (Celery beat), so
    that pages find them fresh.  One computation per distinct key, for the users who see charts."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import AppUser, Unit, UnitKind
    from app.security.scope import scope_for

    ttl, stale_for = _chart_seconds()
    ttl = ttl or 60
    users = db.session.scalars(select(AppUser).join(Unit, Unit.id == AppUser.unit_id).where(
        AppUser.active.is_(True), Unit.enabled.is_(True),
        Unit.kind.in_((UnitKind.COUNTY.value, UnitKind.CITY.value))).order_by(AppUser.id)).all()
    done = set()
    for user in users:
        scope = scope_for(user)
        key = chart_key(user.unit_id, scope)
        if scope.empty or key in done:
            continue
        done.add(key)
        # fresh for two periods: the next run replaces it before a page ever sees it expire
        cache.store(key, _compute(user.id, scope)(), 2 * ttl, stale_for)
    return len(done)


class PortalIndexView(IndexView):
    """Landing page after log-in."""

    index_template = "index.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        user = g.user if getattr(g.user, "is_authenticated", False) else None
        tiles, chart_data = [], None
        if user is not None and user.unit_id is not None:
            from app.services.workbench import counters

            scope = current_scope()
            tiles = counters(user, scope)
            chart_data = _cached_charts(user, scope)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user, tiles=tiles,
                                    charts=chart_data)
