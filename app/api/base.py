"""Base class of the portal's REST resources: api.md's error shape for invalid input."""
import jsonschema
from flask_appbuilder import ModelRestApi


def paged_list_schema(**properties):
    """The rison (``?q=``) schema of a portal list endpoint: its own filters plus ``page`` and
    ``page_size`` (bounded), nothing else accepted."""
    return {
        "type": "object",
        "properties": {**properties, "page": {"type": "integer", "minimum": 0, "maximum": 100000},
                       "page_size": {"type": "integer", "minimum": 1, "maximum": 100}},
        "additionalProperties": False,
    }


class PortalModelRestApi(ModelRestApi):
    """``ModelRestApi`` answering invalid input with 400 ``{"message", "errors"}`` (FAB says 422)."""

    allow_browser_login = True

    MAX_PAGE = 1_000_000

    def _sanitize_page_args(self, page, page_size):
        page, page_size = super()._sanitize_page_args(page, page_size)
        # OFFSET must stay a valid 64-bit value: a page beyond the data is simply empty
        if page is not None and not 0 <= page <= self.MAX_PAGE:
            page = self.MAX_PAGE if page > 0 else 0
        return page, page_size

    def response_422(self, message=None):
        return safe_response_422(self, message)


CONSTRAINT_MESSAGE = "保存失败：数据与已有记录冲突或不符合约束（例如编号、名称重复），请检查后重试"


def safe_response_422(api, message=None):
    """FAB answers a schema error with a dict (kept, as 400) and a database error with
    ``str(exc.orig)``, which echoes SQL and row values (CVE-2023-34110 class): never sent."""
    if isinstance(message, dict):
        return api.response(400, message="输入数据有误", errors=message)
    return api.response(400, message=CONSTRAINT_MESSAGE)


class _PreparedSchemas:
    """Stands in for the ``jsonschema`` module inside ``flask_appbuilder.api``.

    FAB checks every ``?q=`` (rison) argument with ``jsonschema.validate``, which first checks
    the schema itself against the JSON-Schema meta-schema: ~25 ms on every list request.  The
    schemas are constants of the API classes, so each is checked once and its validator kept;
    the instance check and its error (the best match, as ``jsonschema.validate`` raises) are
    unchanged."""

    def __init__(self):
        self._validators = {}

    def validate(self, instance, schema, *args, **kwargs):
        if args or kwargs:
            return jsonschema.validate(instance, schema, *args, **kwargs)
        held = self._validators.get(id(schema))
        if held is None or held[0] is not schema:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            held = self._validators[id(schema)] = (schema, cls(schema))
        error = jsonschema.exceptions.best_match(held[1].iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):
        return getattr(jsonschema, name)


def prepare_rison_schemas():
    """Install the prepared validators in FAB's API module (once, at start-up)."""
    import flask_appbuilder.api as fab_api

    if not isinstance(fab_api.jsonschema, _PreparedSchemas):
        fab_api.jsonschema = _PreparedSchemas()
