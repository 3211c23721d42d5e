"""Base class of the portal's REST resources: api.md's error shape for invalid input."""
from flask_appbuilder import ModelRestApi


class PortalModelRestApi(ModelRestApi):
    """``ModelRestApi`` answering invalid input with 400 ``{"message", "errors"}`` (FAB says 422)."""

    allow_browser_login = True

    def response_422(self, message=None):
        if isinstance(message, dict):
            return self.response(400, message="输入数据有误", errors=message)
        return self.response(400, message=message or "输入数据有误")
