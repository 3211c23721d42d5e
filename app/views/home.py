"""首页."""
from flask import g
from flask_appbuilder import IndexView, expose


class PortalIndexView(IndexView):
    """Landing page after log-in."""

    index_template = "index.html"

    @expose("/")
    def index(self):
        self.update_redirect()
        user = g.user if getattr(g.user, "is_authenticated", False) else None
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user)
