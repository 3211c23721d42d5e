"""Domain errors of the workflow; the API maps them to HTTP answers, pages to flash messages."""


class WorkflowError(Exception):
    """A refused workflow action: a Chinese ``message``, an ``http_status`` and per-field ``errors``."""

    http_status = 400
    default_message = "操作失败"

    def __init__(self, message=None, errors=None):
        self.message = message or self.default_message
        self.errors = errors or {}
        super().__init__(self.message)

    def to_dict(self):
        body = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class Forbidden(WorkflowError):
    """The record is visible but the actor's role or unit may not do this (403)."""

    http_status = 403
    default_message = "您没有权限执行该操作"


class NotFound(WorkflowError):
    """No such record, or outside the actor's data scope (404)."""

    http_status = 404
    default_message = "记录不存在或无权访问"


class Conflict(WorkflowError):
    """Not allowed in the current state, or someone else changed it first (409)."""

    http_status = 409
    default_message = "该事件当前状态不允许此操作"


class Invalid(WorkflowError):
    """Invalid input; ``errors`` maps field → list of reasons (400)."""

    http_status = 400
    default_message = "输入数据有误"


STALE_MESSAGE = "数据已被他人修改，请刷新后重试"
