"""Base class of the portal's REST resources: api.md's error shape for invalid input."""
from flask_appbuilder import ModelRestApi


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
        if isinstance(message, dict):
            return self.response(400, message="输入数据有误", errors=message)
        return self.response(400, message=message or "输入数据有误")
