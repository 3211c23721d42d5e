"""A FAB data interface that applies the data scope to every query it builds.

FAB's list, show, edit, delete, bulk actions (``action``/``action_post``) and the REST
API all load rows through ``SQLAInterface``; several of those paths ignore
``base_filters``.  Putting the scope into ``apply_filters`` closes them all at once.
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.security.scope import log_out_of_scope, scope_clause


class ScopedSQLAInterface(SQLAInterface):
    """``SQLAInterface`` whose every query is restricted to the caller's data scope."""

    def apply_filters(self, query, filters):
        return super().apply_filters(query, filters).filter(scope_clause(self.obj))

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        item = super().get(id, filters, select_columns, outer_default_load)
        if item is None:
            log_out_of_scope(self.obj, id)
        return item
