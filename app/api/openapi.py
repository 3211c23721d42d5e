"""``/api/v1/_openapi``: FAB's generated document, corrected where FAB documents wrongly.

FAB declares the ``ids`` of list responses and the ``id`` of created items as strings
while integer keys are returned, ``_info``'s column lists as objects, and offset-less
city times as RFC 3339 date-times; clients and fuzzers that trust the document would reject valid answers.
"""
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.api.manager import OpenApi, SwaggerView


def _fix_ids(node):
    if isinstance(node, dict):
        props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        ids, one = props.get("ids"), props.get("id")
        if isinstance(ids, dict) and ids.get("items", {}).get("type") == "string":
            ids["items"] = {"type": "integer"}
        if isinstance(one, dict) and one.get("type") == "string" and "result" in props:
            props["id"] = dict(one, type="integer")
        for key in ("add_columns", "edit_columns"):     # _info returns lists of column descriptions
            if isinstance(props.get(key), dict) and props[key].get("type") == "object":
                props[key] = {"type": "array", "items": {"type": "object"}}
        if node.get("format") == "date-time" and node.get("type") == "string":
            # times are the city's wall-clock time without an offset (api.md), not RFC 3339
            del node["format"]
            node["example"] = "2025-10-27T16:00:17"
        for value in node.values():
            _fix_ids(value)
    elif isinstance(node, list):
        for value in node:
            _fix_ids(value)


class PortalOpenApi(OpenApi):
    """The OpenAPI document of the portal's API."""

    class_permission_name = "OpenApi"

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI spec of one API version
        ---
        get:
          description: >-
            Get the OpenAPI spec for a specific API version
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        response = super().get(version)
        if response.status_code == 200:
            spec = response.get_json()
            _fix_ids(spec)
            return self.response(200, **spec)
        return response


def register_openapi(appbuilder):
    appbuilder.add_api(PortalOpenApi)
    appbuilder.add_view_no_menu(SwaggerView)
