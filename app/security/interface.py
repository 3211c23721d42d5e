"""A FAB data interface that applies the data scope to every query it builds.

FAB's list, show, edit, delete, bulk actions (``action``/``action_post``) and the REST
API all load rows through ``SQLAInterface``; several of those paths ignore
``base_filters``.  Putting the scope into ``apply_filters`` closes them all at once.
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import BigInteger

from app.security.scope import log_out_of_scope, scope_clause


class ScopedSQLAInterface(SQLAInterface):
    """``SQLAInterface`` whose every query is restricted to the caller's data scope."""

    @property
    def is_scoped(self):
        # FAB builds interfaces of the same class for related models (dropdowns); only
        # models that declare a scope are filtered here.
        return hasattr(self.obj, "__scope_unit_column__") or hasattr(self.obj, "scope_clause")

    def apply_filters(self, query, filters):
        query = super().apply_filters(query, filters)
        return query.filter(scope_clause(self.obj)) if self.is_scoped else query

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        if not _valid_key(id, self.obj):
            return None   # not a key any row can have (text, or beyond the column's range): no query
        item = super().get(id, filters, select_columns, outer_default_load)
        if item is None and self.is_scoped:
            log_out_of_scope(self.obj, id)
        return item


def _valid_key(value, model):
    column = model.__table__.primary_key.columns.values()[0]
    bits = 63 if isinstance(column.type, BigInteger) else 31     # PostgreSQL's INTEGER is 32-bit
    try:
        return -(2 ** bits) <= int(value) < 2 ** bits
    except (TypeError, ValueError):
        return False
