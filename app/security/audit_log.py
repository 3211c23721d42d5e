"""操作日志 and 登录日志 beyond writing: append-only guard, Excel export, retention purge.

* Append-only: the ORM refuses to update or delete an ``OperationLog`` row, whatever view,
  API or service tries it; only ``purge_logs`` (the operator's command, plain SQL) removes
  rows, and never any younger than the retention floor of 180 days.
* Export: the log pages export what their search shows, as .xlsx through ``app.excel``.
"""
import datetime as dt
import tempfile

from flask import flash, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from sqlalchemy import delete, event

from app.audit import record
from app.excel import Column, export_sheet, write_xlsx
from app.extensions import db
from app.models.audit import OperationLog
from app.models.base import now

MIN_RETENTION_DAYS = 180
EXPORT_MAX_ROWS = 100_000
APPEND_ONLY_MESSAGE = "操作日志只能追加，不能修改或删除"
RETENTION_MESSAGE = "日志至少保留{n}天，不能清理{n}天以内的日志"


class AppendOnlyError(RuntimeError):
    """Someone tried to change or delete a log entry through the ORM."""


def _refuse(mapper, connection, target):
    raise AppendOnlyError(APPEND_ONLY_MESSAGE)


def install_append_only_guard():
    """Refuse ORM updates and deletes of log rows (idempotent)."""
    for name in ("before_update", "before_delete"):
        if not event.contains(OperationLog, name, _refuse):
            event.listen(OperationLog, name, _refuse)


def purge_logs(days):
    """Delete log rows (operation and login logs) older than ``days`` days; returns the count.

    ``days`` below the retention floor raises ``ValueError`` with a Chinese message."""
    if isinstance(days, bool) or not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        raise ValueError(RETENTION_MESSAGE.format(n=MIN_RETENTION_DAYS))
    cutoff = now() - dt.timedelta(days=days)
    # plain SQL on purpose: the ORM guard stays in force for every other path
    with db.engine.begin() as conn:
        count = conn.execute(delete(OperationLog.__table__).where(OperationLog.__table__.c.at < cutoff)).rowcount
    record("audit", "清理日志", target=f"{days}天前", detail={"删除条数": count, "截止时间": cutoff.isoformat(sep=" ")},
           user=None)
    db.session.commit()
    return count


EXPORT_COLUMNS = {
    "at": "datetime", "username": "str", "ip": "str", "category": "str", "action": "str", "target": "str",
    "result": "str", "detail": "str",
}


class LogExportMixin:
    """导出 for a log page: the rows its search selects (newest first), as .xlsx.

    The page's ``list_columns`` + ``detail`` with its labels; masked nothing (administrators
    only); the export itself is logged."""

    list_template = "security/log_list.html"

    @expose("/export/")
    @has_access
    def export(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        filters = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.apply_all(db.session.query(OperationLog), filters, "id", "desc")
        total = query.order_by(None).count()
        if total > EXPORT_MAX_ROWS:
            flash(f"符合条件的日志有 {total} 条，超过单次导出上限 {EXPORT_MAX_ROWS} 条，请缩小查询范围", "warning")
            return redirect(url_for(f"{self.__class__.__name__}.list", **request.args.to_dict()))
        keys = [c for c in self.list_columns if c in EXPORT_COLUMNS] + ["detail"]
        columns = [Column(k, str(self.label_columns.get(k, k)), EXPORT_COLUMNS[k]) for k in keys]
        handle = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
        title = str(self.list_title)
        write_xlsx(handle, [export_sheet(title, columns, query.yield_per(2000))])
        record("export", f"导出{title}", detail={"条数": total, "条件": _search_args()})
        db.session.commit()
        handle.seek(0)
        return send_file(handle, as_attachment=True, download_name=f"{title}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _search_args():
    return {k: v for k, v in request.args.items() if k.startswith("_flt_")}


__all__ = ["AppendOnlyError", "LogExportMixin", "install_append_only_guard", "purge_logs", "MIN_RETENTION_DAYS"]
