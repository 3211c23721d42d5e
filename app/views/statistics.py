"""统计分析 for county and city users: tables, charts and Excel export of the assessment figures."""
import datetime as dt
import tempfile

from flask import abort, flash, g, request, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.audit import record
from app.excel import write_xlsx
from app.extensions import db
from app.models.org import UnitKind
from app.security.scope import current_scope
from app.services.statistics import AREA_COLUMNS, DEPT_COLUMNS, by_area, by_department, default_period


def _period():
    start, end = default_period()
    try:
        if request.args.get("start"):
            start = dt.date.fromisoformat(request.args["start"][:10])
        if request.args.get("end"):
            end = dt.date.fromisoformat(request.args["end"][:10])
    except ValueError:
        flash("日期格式不正确，应为 yyyy-mm-dd，已使用本月", "warning")
        start, end = default_period()
    if end < start:
        flash("结束日期不能早于开始日期，已交换", "warning")
        start, end = end, start
    return start, end


class StatisticsView(BaseView):
    """统计分析 by area and by department."""

    route_base = "/statistics"
    default_view = "index"
    class_permission_name = "Statistics"
    method_permission_name = {"index": "list", "export": "list"}

    def _figures(self):
        user = g.user
        if user.unit is None or user.unit.kind not in (UnitKind.COUNTY.value, UnitKind.CITY.value):
            abort(404)
        start, end = _period()
        scope = current_scope()
        return start, end, by_area(user, scope, start, end), by_department(user, scope, start, end)

    @expose("/")
    @has_access
    def index(self):
        start, end, areas, depts = self._figures()
        chart = {"names": [r["name"] for r in areas[:-1]], "reported": [r["reported"] for r in areas[:-1]],
                 "finished": [r["finished"] for r in areas[:-1]], "on_time": [r["on_time"] for r in areas[:-1]]}
        return self.render_template("statistics/index.html", title="统计分析", start=start, end=end, areas=areas,
                                    depts=depts, area_columns=AREA_COLUMNS, dept_columns=DEPT_COLUMNS, chart=chart)

    @expose("/export")
    @has_access
    def export(self):
        start, end, areas, depts = self._figures()
        sheets = [("按辖区", [label for _, label in AREA_COLUMNS], ([r[k] for k, _ in AREA_COLUMNS] for r in areas),
                   [None] * len(AREA_COLUMNS)),
                  ("按职能部门", [label for _, label in DEPT_COLUMNS], ([r[k] for k, _ in DEPT_COLUMNS] for r in depts),
                   [None] * len(DEPT_COLUMNS))]
        handle = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
        write_xlsx(handle, sheets)
        handle.seek(0)
        record("export", "导出统计分析", detail=f"{start} ~ {end}")
        db.session.commit()
        return send_file(handle, as_attachment=True, download_name=f"统计分析_{start}_{end}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
