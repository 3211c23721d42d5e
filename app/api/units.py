"""``GET /api/v1/units/``: the unit tree for pickers and integrations."""

from app.api.base import PortalModelRestApi
from app.models.org import Unit
from app.security.interface import ScopedSQLAInterface


class UnitApi(PortalModelRestApi):
    """Read-only unit list: id, name, kind, parent_id, path."""

    resource_name = "units"
    datamodel = ScopedSQLAInterface(Unit)     # units are not scoped; the interface checks keys
    class_permission_name = "UnitApi"
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "name", "kind", "parent_id", "full_name", "path", "enabled"]
    show_columns = list_columns
    search_columns = ["name", "kind", "parent_id", "enabled"]
    order_columns = ["id", "name", "sort_order"]
    list_select_columns = None
    page_size = 100
