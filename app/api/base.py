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
        return safe_response_422(self, message)


CONSTRAINT_MESSAGE = "保存失败：数据与已有记录冲突或不符合约束（例如编号、名称重复），请检查后重试"


def safe_response_422(api, message=None):
    """FAB answers a schema error with a dict (kept, as 400) and a database error with
    ``str(exc.orig)``, which echoes SQL and row values (CVE-2023-34110 class): never sent."""
    if isinstance(message, dict):
        return api.response(400, message="输入数据有误", errors=message)
    return api.response(400, message=CONSTRAINT_MESSAGE)
