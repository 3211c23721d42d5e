"""Registry imports and exports as background jobs (see ``app.jobs``)."""
import os

from app.extensions import db
from app.jobs import job_handler
from app.models.org import AppUser
from app.security.scope import scope_for


def registry_by_name(name):
    from app.registries import all_registries

    for reg in all_registries():
        if reg.name == name:
            return reg
    raise KeyError(name)


def work_path(app_instance_path, name):
    path = os.path.join(app_instance_path, "work")
    os.makedirs(path, exist_ok=True)
    return os.path.join(path, name)


@job_handler("registry_import")
def run_import(user_id, params, progress):
    from flask import current_app

    from app.excel import write_error_report

    reg = registry_by_name(params["registry"])
    user = db.session.get(AppUser, user_id)
    try:
        report = reg().import_file(params["path"], scope_for(user), update_existing=params["update_existing"],
                                   all_or_nothing=params["all_or_nothing"], user=user, progress=progress)
    finally:
        os.unlink(params["path"])
    error_file = None
    if report.errors:
        error_file = work_path(current_app.instance_path, f"job-errors-{user_id}-{os.path.basename(params['path'])}.xlsx")
        with open(error_file, "wb") as fh:
            write_error_report(fh, report)
    from app.audit import record

    record("import", f"导入{reg.title}", result="成功" if report.ok else "部分失败", user=user,
           detail=f"新增 {report.inserted} 更新 {report.updated} 跳过 {report.skipped} 失败 {report.failed}")
    db.session.commit()
    return {"message": report.summary_zh(), "result": report.to_dict(), "error_file": error_file}


@job_handler("registry_export")
def run_export(user_id, params, progress):
    from flask import current_app

    from app.audit import record

    reg = registry_by_name(params["registry"])
    user = db.session.get(AppUser, user_id)
    if "api_q" in params:
        stmt = _api_statement(reg, params["api_q"], user)
    else:
        stmt = reg().base_select(scope_for(user), params["args"], ids=params.get("ids"))
    total = reg().count(stmt)
    progress(0, total)
    path = work_path(current_app.instance_path, f"job-export-{user_id}-{os.urandom(8).hex()}.xlsx")
    with open(path, "wb") as fh:
        count = reg().export(fh, stmt, unmask=params["unmask"], progress=progress)
    record("export", f"导出{reg.title}", user=user, detail=f"{count} 条（后台任务）")
    db.session.commit()
    return {"message": f"导出完成，共 {count} 条", "result": {"rows": count}, "file": path,
            "file_name": f"{reg.title}.xlsx"}


def _api_statement(reg, q, user):
    """The rows an API ``?q=`` selects for ``user``, built by the registry's own REST resource."""
    import prison
    from flask import current_app, g
    from sqlalchemy import select

    api = next(v for v in current_app.appbuilder.baseviews if getattr(v, "registry", None) is reg
               and hasattr(v, "_handle_filters_args"))
    with current_app.test_request_context():
        g.user = user                      # the data scope is the job owner's
        filters = api._handle_filters_args(prison.loads(q))
        ids = [row[0] for row in api.datamodel.apply_filters(db.session.query(reg.model.id), filters)]
    return select(reg.model).where(reg.model.id.in_(ids)) if ids else select(reg.model).where(False)
