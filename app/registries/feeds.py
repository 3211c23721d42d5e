"""Feeds from other platforms: ``POST /api/v1/<name>/bulk`` (JSON list of ≤ 1,000 records).

Each record is validated by exactly the rules of the Excel import (the field converters,
unit/reference resolution, derived fields, ``Registry.check``) and stored by the import's
upsert-by-business-key (``Registry._store`` with update): re-sending a record updates it,
never duplicates it. Valid records are stored, invalid ones reported as
``{"index", "errors": {field: [reason]}}``. A registry opts in with
``api_mixins = (BulkUpsertMixin,)``; the permission is ``can_bulk`` (role 接口对接).
"""
import json

from flask import request
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy.exc import IntegrityError

from app.audit import record_now
from app.excel import ImportReport
from app.excel.columns import CellInvalid
from app.extensions import db
from app.registries.base import _Resolver
from app.security.scope import Scope, current_scope

MAX_RECORDS = 1000
MAX_BODY_BYTES = 16 * 1024 * 1024


def _convert(reg, rec, fields, by_name, converters, resolver, index):
    """One JSON record → (column values, {field: [reasons]})."""
    errors: dict = {}
    if not isinstance(rec, dict):
        return None, {"_record": ["每条记录应为一个 JSON 对象"]}
    for key in rec:
        if key not in by_name:
            errors.setdefault(str(key)[:50], []).append("未知字段")
    values = {}
    for f in fields:
        raw = rec[f.key] if f.key in rec else rec.get(f.column)
        if isinstance(raw, list) and f.multi:
            raw = "、".join(str(v) for v in raw if v is not None)
        elif isinstance(raw, (dict, list)):
            errors.setdefault(f.key, []).append("类型不正确")
            continue
        try:
            values[f.key] = converters[f.key](raw)
        except CellInvalid as exc:
            errors.setdefault(f.key, []).append(exc.message)
    if errors:
        return None, errors
    stored, row_errors = resolver.to_storage(values, index, {})
    key_of_label = {f.label: f.key for f in reg.fields}
    for err in row_errors:
        errors.setdefault(key_of_label.get(err.header, "_record"), []).append(err.message)
    return stored, errors


def bulk_upsert(reg_cls, records: list, scope: Scope) -> dict:
    """Validate and upsert ``records`` of registry ``reg_cls``; commits the valid ones."""
    reg = reg_cls()
    fields = [f for f in reg.fields if f.in_form]
    by_name = {f.key: f for f in fields}
    by_name.update({f.column: f for f in fields})
    converters = {f.key: f.excel_column().converter() for f in fields}
    resolver = _Resolver(reg, scope)
    failures, batch, seen = [], [], {}
    for index, rec in enumerate(records):
        stored, errors = _convert(reg, rec, fields, by_name, converters, resolver, index)
        if not errors and reg.business_key:
            key = tuple(stored.get(reg.field(k).column) for k in reg.business_key)
            if key in seen:
                errors = {reg.business_key[0]: [f"与第 {seen[key]} 条记录的{reg.key_label()}重复"]}
            else:
                seen[key] = index
        if errors:
            failures.append({"index": index, "errors": errors})
        else:
            batch.append((index, stored))
    report = ImportReport()
    for attempt in (1, 2):
        report = ImportReport()
        try:
            if batch:
                reg._store(batch, scope, True, report, {})
            db.session.commit()
            break
        except IntegrityError:
            # another sender inserted the same key meanwhile: the second pass updates it
            db.session.rollback()
            if attempt == 2:
                raise
    key_of_label = {f.label: f.key for f in reg.fields}
    for err in report.errors:
        failures.append({"index": err.row, "errors": {key_of_label.get(err.header, "_record"): [err.message]}})
    failures.sort(key=lambda e: e["index"])
    failed = len(failures)
    return {"message": f"共 {len(records)} 条：新增 {report.inserted} 条，更新 {report.updated} 条，失败 {failed} 条",
            "inserted": report.inserted, "updated": report.updated, "failed": failed, "errors": failures}


class BulkUpsertMixin:
    """Adds ``POST /api/v1/<name>/bulk`` to a registry's REST resource."""

    def __init__(self):
        self.include_route_methods = set(self.include_route_methods or ()) | {"bulk"}
        self.base_permissions = list(self.base_permissions or []) + ["can_bulk"]
        self.method_permission_name = dict(self.method_permission_name or {}, bulk="bulk")
        super().__init__()

    @expose("/bulk", methods=["POST"])
    @protect()
    @safe
    def bulk(self):
        """Insert or update up to 1,000 records keyed by the source system's id
        ---
        post:
          summary: 批量推送（按来源编号新增或更新，重复推送只更新不重复）
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: array
                  maxItems: 1000
                  items:
                    type: object
          responses:
            200:
              description: 处理结果；失败的记录按序号列出原因
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
                      inserted:
                        type: integer
                      updated:
                        type: integer
                      failed:
                        type: integer
                      errors:
                        type: array
                        items:
                          type: object
                          properties:
                            index:
                              type: integer
                            errors:
                              type: object
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            413:
              description: 超过 1000 条记录或请求体过大
            500:
              $ref: '#/components/responses/500'
        """
        return self.upsert_request()

    def upsert_request(self, single_ok=False):
        """Read the request's records (``single_ok``: one JSON object counts as a list of one),
        upsert them and answer the report."""
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return self.response(413, message=f"请求体过大（上限 {MAX_BODY_BYTES // 1024 // 1024} MB）")
        try:
            records = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return self.response_400(message="请求体不是合法的 JSON")
        if single_ok and isinstance(records, dict):
            records = [records]
        if not isinstance(records, list):
            return self.response_400(message="请求体应为记录数组（JSON 列表）")
        if not records:
            return self.response_400(message="记录数组为空")
        if len(records) > MAX_RECORDS:
            return self.response(413, message=f"一次最多推送 {MAX_RECORDS} 条记录，本次 {len(records)} 条，请分批推送")
        reg = self.registry
        result = bulk_upsert(reg, records, current_scope())
        record_now("import", f"接口推送{reg.title}", result="成功" if not result["failed"] else "部分失败",
                   detail=result["message"])
        return self.response(200, **result)
