"""The generic registry machinery: search, masking, data scope, template, import, export.

A registry is declared once (``Registry`` subclass: model, fields, business key, unit
field, operations, derived fields); everything here works from that declaration, and
``app.registries.views`` turns it into pages and a REST resource.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import func, select, tuple_, update

from app.excel import (ImportReport, RowError, build_template, export_sheet, inspect_upload, normalize_header,
                       open_rows, parse_rows, write_xlsx)
from app.extensions import db
from app.models.org import Unit
from app.registries.crypto import blind_index, mask
from app.registries.fields import Field
from app.registries.substring import narrowing
from app.security.scope import Scope, scope_clause, units_clause

BATCH = 1000
# a substring search on a large registry counts at most this many rows ("超过 N 条") and pages
# through at most this many (100 pages of 20): the deepest page walks the list order until
# this many rows matched, so the cap bounds its cost (an unselective term in one county reads
# ~120,000 rows for 2,000 matches on PostgreSQL, ~300,000 for 5,000)
COUNT_CAP = 2_000
DEFAULT_IMPORT_LIMITS = {"max_rows": 200_000, "max_bytes": 100 * 1024 * 1024,
                         "max_uncompressed": 1024 * 1024 * 1024, "max_members": 2000, "max_ratio": 200}


class RegistryError(Exception):
    """A refused registry operation; ``message`` (Chinese) and ``errors`` per field."""

    def __init__(self, message, errors=None, status=400):
        super().__init__(message)
        self.message, self.errors, self.status = message, errors or {}, status


class Registry:
    """Declaration of one registry.  Subclasses set the class attributes and may override
    ``derive`` (fill derived fields of a value dict) and ``check`` (cross-field rules)."""

    name: str = ""                 # REST resource name, e.g. "party_orgs"
    title: str = ""                # 中文 page title, e.g. "党组织管理"
    category: str = ""             # menu group
    icon: str = "fa-table"
    model = None
    fields: list[Field] = []
    business_key: tuple = ()
    unit_field: Optional[str] = None   # key of the 所属辖区 field
    ops: str = "QDCUXIE"
    feed: bool = False
    order_by: tuple = ("id", "desc")
    # extra base classes for the generated page and API (e.g. a feed's bulk endpoint)
    view_mixins: tuple = ()
    api_mixins: tuple = ()
    # keys of search="like" fields served by a trigram index (large registries; the table's
    # Alembic revision calls app.registries.substring.create_trigram_index with their columns)
    substring_index: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        by_key = {f.key: f for f in cls.fields}
        for key in cls.substring_index:
            f = by_key.get(key)
            # masked columns must never be substring-searchable (CVE-2022-31177 class)
            if f is None or f.search != "like" or f.sensitive:
                raise TypeError(f"{cls.__name__}.substring_index: {key!r} is not a plain search=\"like\" field")

    # ------------------------------------------------------------------ declaration helpers
    @classmethod
    def field(cls, key) -> Field:
        return cls._fields_by_key()[key]

    @classmethod
    def _fields_by_key(cls):
        cache = cls.__dict__.get("_by_key")
        if cache is None:
            cache = {f.key: f for f in cls.fields}
            cls._by_key = cache
        return cache

    @classmethod
    def can(cls, op) -> bool:
        return op in cls.ops

    @classmethod
    def list_fields(cls):
        return [f for f in cls.fields if f.in_list]

    @classmethod
    def form_fields(cls):
        return [f for f in cls.fields if f.in_form]

    @classmethod
    def search_fields(cls):
        return [f for f in cls.fields if f.search]

    @classmethod
    def key_label(cls):
        return "、".join(cls.field(k).label for k in cls.business_key)

    # ------------------------------------------------------------------ derived values
    def derive(self, values: dict) -> None:
        """Fill derived fields of ``values`` (storage form) in place."""

    def check(self, values: dict) -> list[tuple[str, str]]:
        """Cross-field rules: a list of (field key, Chinese message)."""
        return []

    def detail_links(self, item) -> list[tuple[str, str]]:
        """(label, address) of records linked to ``item``, shown on its detail page: the 事件 a
        record was made from or started (应急事件 by 转应急事件, 平台疑难 by its sign)."""
        ticket_id = getattr(item, "ticket_id", None)
        return [("关联事件", f"/work/ticket/{ticket_id}")] if ticket_id else []

    # ------------------------------------------------------------------ storage conversion
    def finish_values(self, values: dict) -> list[tuple[str, str]]:
        """Derive fields, compute blind indexes and run cross-field checks (forms, API, import)."""
        self.derive(values)
        for f in self.sensitive_fields():
            if f.column in values:
                values[f.hash_column] = blind_index(values[f.column])
        return self.check(values)

    @classmethod
    def sensitive_fields(cls):
        cache = cls.__dict__.get("_sensitive")
        if cache is None:
            cache = [f for f in cls.fields if f.sensitive]
            cls._sensitive = cache
        return cache

    # ------------------------------------------------------------------ search
    def search_conditions(self, args: dict) -> list:
        """SQL conditions for the search bar's arguments ``s_<key>`` / ``s_<key>_from`` / ``_to``."""
        model, conds = self.model, []
        for f in self.search_fields():
            col = getattr(model, f.column)
            if f.search == "range":
                lo, hi = _arg(args, f"s_{f.key}_from"), _arg(args, f"s_{f.key}_to")
                lo, hi = _parse_bound(f, lo, f.label), _parse_bound(f, hi, f.label, upper=True)
                if lo is not None:
                    conds.append(col >= lo)
                if hi is not None:
                    conds.append(col <= hi)
                continue
            value = _arg(args, f"s_{f.key}")
            if value is None:
                continue
            if f.sensitive:
                # exact match through the keyed hash only: no prefix or substring search
                conds.append(getattr(model, f.hash_column) == blind_index(value))
            elif f.kind == "unit":
                try:
                    unit = db.session.get(Unit, int(value))
                except (TypeError, ValueError):
                    raise RegistryError(f"{f.label}的取值不正确")
                conds.append(col.in_(select(Unit.id).where(Unit.path.like((unit.path if unit else "/0/") + "%"))))
            elif f.kind == "ref":
                ref_model, _, label_attr = f.ref
                conds.append(col.in_(select(ref_model.id).where(getattr(ref_model, label_attr).contains(value))))
            elif f.is_enum or f.kind in ("bool",):
                if f.kind == "bool":
                    value = value in ("1", "true", "是", "True")
                conds.append(col.contains(value) if f.multi else col == value)
            elif f.kind in ("int", "float", "decimal"):
                try:
                    conds.append(col == (int(value) if f.kind == "int" else float(value)))
                except ValueError:
                    raise RegistryError(f"{f.label}必须是数字")
            elif f.search == "eq":
                conds.append(col == value)
            else:
                conds.append(col.contains(value, autoescape=True))
        return conds

    def base_select(self, scope: Scope, args: dict | None = None, ids=None):
        stmt = select(self.model).where(scope_clause(self.model, scope))
        for cond in self.search_conditions(args or {}):
            stmt = stmt.where(cond)
        if ids:
            stmt = stmt.where(self.model.id.in_(ids))
        return stmt

    def count(self, stmt) -> int:
        return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))

    def substring_terms(self, args: dict) -> list[tuple[str, str]]:
        """(column, term) of the search bar's substring terms on trigram-indexed fields."""
        terms = []
        for key in self.substring_index:
            value = _arg(args, f"s_{key}")
            if value is not None:
                terms.append((self.field(key).column, value))
        return terms

    def list_page(self, scope: Scope, args: dict, page: int, page_size: int, order_column=None,
                  direction="desc", options=()):
        """One page of the list: (objects, total, exact, page, pages).

        With a substring term on a large registry the count stops at ``COUNT_CAP`` (``exact`` is
        then False: "超过 N 条") and so do the pages; both queries are narrowed by the trigram
        index when it reads fewer rows than LIKE (``app.registries.substring``)."""
        stmt = self.base_select(scope, args)
        terms = self.substring_terms(args)
        if terms:
            counted = self.count(self._narrowed(stmt, terms, COUNT_CAP + 1).limit(COUNT_CAP + 1))
            total, exact = min(counted, COUNT_CAP), counted <= COUNT_CAP
        else:
            total, exact = self.count(stmt), True
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        offset = (page - 1) * page_size
        if terms:
            stmt = self._narrowed(stmt, terms, offset + page_size)
        # ids first, rows after: sorting or skipping narrow (id, key) pairs instead of whole rows
        ids = db.session.scalars(self.ordered(stmt.with_only_columns(self.model.id), order_column, direction)
                                 .limit(page_size).offset(offset)).all()
        by_id = {obj.id: obj for obj in db.session.scalars(
            select(self.model).where(self.model.id.in_(ids)).options(*options)).all()} if ids else {}
        return [by_id[i] for i in ids if i in by_id], total, exact, page, pages

    def _narrowed(self, stmt, terms, rows_needed):
        cond = narrowing(db.session, self.model, terms, rows_needed)
        return stmt if cond is None else stmt.where(cond)

    def ordered(self, stmt, order_column=None, direction="desc"):
        f = self._fields_by_key().get(order_column) if order_column else None
        if f is not None and f.sortable:
            col = getattr(self.model, f.column)
        else:
            col = getattr(self.model, self.order_by[0])
            direction = self.order_by[1]
        order = col.asc() if direction == "asc" else col.desc()
        return stmt.order_by(order, self.model.id.desc() if direction != "asc" else self.model.id.asc())

    # ------------------------------------------------------------------ display
    def display_row(self, obj, unmask=False) -> dict:
        """Field key → text for lists and details (labels for enums, masked sensitive values)."""
        out = {}
        for f in self.fields:
            out[f.key] = self.display_value(f, obj, unmask)
        return out

    def display_value(self, f: Field, obj, unmask=False):
        if f.kind == "unit":
            unit = getattr(obj, f.key, None)
            return unit.full_name if unit is not None else None
        if f.kind == "ref":
            ref = getattr(obj, f.key, None)
            return getattr(ref, f.ref[2]) if ref is not None else None
        value = getattr(obj, f.column)
        if f.sensitive and not unmask:
            return mask(value, f.sensitive)
        if f.is_enum and value is not None:
            labels = dict(f.choices() or [])
            if f.multi:
                return "、".join(labels.get(v, v) for v in str(value).split("、") if v)
            return labels.get(value, value)
        if f.kind == "bool" and value is not None:
            return "是" if value else "否"
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m-%d")
        return value

    # ------------------------------------------------------------------ template and export
    def import_columns(self, header=()):
        """Columns read on import; derived columns (as in our own exports) are accepted and ignored."""
        present = {normalize_header(h) for h in header}
        return [f.excel_column() for f in self.fields if f.in_form or (f.derived and f.label in present)]

    def export_fields(self):
        return [f for f in self.fields if f.in_list] + [f for f in self.fields if not f.in_list]

    def write_template(self, fileobj):
        cols = [f.excel_column() for f in self.fields if f.in_form]
        build_template(fileobj, cols, sheet_name=self.title)

    def export(self, fileobj, stmt, unmask=False, progress=None) -> int:
        """Stream the rows selected by ``stmt`` to an .xlsx file; returns the row count."""
        fields = self.export_fields()
        counter = {"n": 0}
        unit_names = _unit_names() if any(f.kind == "unit" for f in fields) else {}
        ref_maps = {f.key: _ref_labels(f) for f in fields if f.kind == "ref"}
        cols = [f.excel_column() for f in fields]
        # plain column tuples, not ORM objects: the export target needs the speed
        rows_stmt = select(*[getattr(self.model, f.column) for f in fields]).order_by(self.model.id)
        if stmt.whereclause is not None:
            rows_stmt = rows_stmt.where(stmt.whereclause)

        def records():
            result = db.session.execute(rows_stmt.execution_options(yield_per=2000))
            for row in result:
                counter["n"] += 1
                if progress and counter["n"] % 5000 == 0:
                    progress(counter["n"])
                rec = {}
                for f, value in zip(fields, row):
                    if f.kind == "unit":
                        value = unit_names.get(value)
                    elif f.kind == "ref":
                        value = ref_maps[f.key].get(value)
                    elif f.sensitive and not unmask:
                        value = mask(value, f.sensitive)
                    elif f.multi and value:
                        value = value.split("、")
                    rec[f.key] = value
                yield rec
        write_xlsx(fileobj, [export_sheet(self.title, cols, records())])
        return counter["n"]

    # ------------------------------------------------------------------ import
    def import_file(self, path, scope: Scope, *, update_existing=False, all_or_nothing=False,
                    user=None, progress: Callable[[int, int], None] | None = None) -> ImportReport:
        """Validate and store an uploaded workbook; never stores a half-validated row."""
        limits = import_limits()
        inspect_upload(path, max_bytes=limits["max_bytes"], max_uncompressed=limits["max_uncompressed"],
                       max_members=limits["max_members"], max_ratio=limits["max_ratio"])
        header, rows = open_rows(path, max_rows=limits["max_rows"])
        if progress:
            progress(0, rows.total)
        parsed = parse_rows(self.import_columns(header), header, rows)
        report = ImportReport(warnings=list(parsed.warnings))
        resolver = _Resolver(self, scope)
        key_columns = [self.field(k).column for k in self.business_key]
        seen_keys: dict = {}
        batch: list = []
        try:
            for row_no, values, errors in parsed:
                if errors:
                    report.errors.extend(errors)
                    report.failed += 1
                    continue
                stored, errors = resolver.to_storage(values, row_no, parsed.found)
                if not errors and key_columns:
                    key = tuple(stored.get(c) for c in key_columns)
                    if key in seen_keys:
                        first = self.field(self.business_key[0])
                        errors = [RowError(row_no, parsed.found.get(first.key, 1), first.label,
                                           f"与第 {seen_keys[key]} 行的{self.key_label()}重复")]
                    else:
                        seen_keys[key] = row_no
                if errors:
                    report.errors.extend(errors)
                    report.failed += 1
                    continue
                batch.append((row_no, stored))
                if len(batch) >= BATCH:
                    self._store(batch, scope, update_existing, report, parsed.found)
                    batch = []
                    if progress:
                        progress(report.inserted + report.updated + report.skipped + report.failed, rows.total)
            if batch:
                self._store(batch, scope, update_existing, report, parsed.found)
            if all_or_nothing and report.errors:
                db.session.rollback()
                report.failed += report.inserted + report.updated
                report.inserted = report.updated = 0
                return report
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return report

    def _store(self, batch, scope, update_existing, report, found):
        model = self.model
        existing = {}
        key_columns = [self.field(k).column for k in self.business_key]
        if key_columns:
            key_cols = [getattr(model, c) for c in key_columns]
            keys = [tuple(v.get(c) for c in key_columns) for _, v in batch]
            in_scope = scope_clause(model, scope)
            key_expr = key_cols[0] if len(key_cols) == 1 else tuple_(*key_cols)
            wanted = [k[0] for k in keys] if len(key_cols) == 1 else keys
            for chunk in _chunks(wanted, 500):
                stmt = select(model.id, in_scope.label("visible"), *key_cols).where(key_expr.in_(chunk))
                for row in db.session.execute(stmt):
                    existing[tuple(row[2:])] = (row[0], bool(row[1]))
        inserts, updates = [], []
        key_field = self.field(self.business_key[0]) if self.business_key else None
        for row_no, values in batch:
            key = tuple(values.get(c) for c in key_columns)
            hit = existing.get(key) if self.business_key else None
            if hit is None:
                inserts.append(values)
            elif not hit[1]:
                report.errors.append(RowError(row_no, found.get(key_field.key, 1), key_field.label,
                                              f"{self.key_label()}已被其他辖区的数据使用"))
                report.failed += 1
            elif update_existing:
                updates.append(dict(values, id=hit[0]))
            else:
                report.errors.append(RowError(row_no, found.get(key_field.key, 1), key_field.label,
                                              f"{self.key_label()}为“{'、'.join(map(str, key))}”的数据已存在"
                                              "（未勾选“是否更新已经存在的数据”）"))
                report.skipped += 1
        if inserts:
            # Core executemany: the ORM's bulk layer costs more than the insert itself here
            defaults = _python_defaults(model)
            for row in inserts:
                for column, make in defaults:
                    if column not in row:
                        row[column] = make()
            db.session.execute(model.__table__.insert(), inserts)
            report.inserted += len(inserts)
        if updates:
            db.session.execute(update(model), updates)
            report.updated += len(updates)


class _Resolver:
    """Turns parsed cell values into column values: units, references, multi values, derived."""

    def __init__(self, registry: Registry, scope: Scope):
        self.registry = registry
        self.units = None
        self.refs = {}
        if any(f.kind == "unit" for f in registry.fields):
            rows = db.session.execute(select(Unit.id, Unit.name, Unit.full_name)
                                      .where(units_clause(Unit.id, scope))).all()
            names: dict = {}
            for uid, name, full in rows:
                names.setdefault(name, []).append(uid)
            self.units = {full: uid for uid, _, full in rows}
            self.units.update({n: ids[0] for n, ids in names.items() if len(ids) == 1 and n not in self.units})
            # "魏都区-西大街街道" and "魏都区/西大街街道" are written too
            self.units.update({full.replace(" / ", "-"): uid for uid, _, full in rows})
            self.units.update({full.replace(" / ", "/"): uid for uid, _, full in rows})
        for f in registry.fields:
            if f.kind == "ref":
                ref_model, key_attr, label_attr = f.ref
                self.refs[f.key] = {}
                stmt = select(ref_model.id, getattr(ref_model, key_attr), getattr(ref_model, label_attr)).where(
                    scope_clause(ref_model, scope))
                for rid, key, label in db.session.execute(stmt):
                    self.refs[f.key][str(key)] = rid
                    self.refs[f.key].setdefault(str(label), rid)

    def to_storage(self, values: dict, row_no: int, found: dict):
        reg, stored, errors = self.registry, {}, []
        plan = self._plan
        for key, value in values.items():
            column, kind, multi, f = plan[key]
            if kind == "derived":
                continue
            if value is not None:
                if kind == "unit":
                    uid = self.units.get(value.replace("／", "/"))
                    if uid is None:
                        errors.append(RowError(row_no, found.get(key, 1), f.label,
                                               f"“{value}”不是您管辖范围内的单位"))
                        continue
                    value = uid
                elif kind == "ref":
                    rid = self.refs[key].get(str(value))
                    if rid is None:
                        errors.append(RowError(row_no, found.get(key, 1), f.label, f"找不到“{value}”"))
                        continue
                    value = rid
                elif multi:
                    value = "、".join(str(v) for v in value)
            stored[column] = value
        if errors:
            return stored, errors
        for key, message in reg.finish_values(stored):
            f = reg.field(key)
            errors.append(RowError(row_no, found.get(key, 1), f.label, message))
        return stored, errors

    @property
    def _plan(self):
        # per field: (column, kind, multi, field) looked up once per import, not per cell
        plan = self.__dict__.get("_plan_cache")
        if plan is None:
            plan = {f.key: (f.column, "derived" if f.derived else f.kind, f.multi, f) for f in self.registry.fields}
            self.__dict__["_plan_cache"] = plan
        return plan


def import_limits():
    """The import limits: ``DEFAULT_IMPORT_LIMITS`` overridden by the ``IMPORT_LIMITS`` setting."""
    return dict(DEFAULT_IMPORT_LIMITS, **current_app.config.get("IMPORT_LIMITS", {}))


def _python_defaults(model):
    """(column, callable) for the table's Python-side defaults (created_at, updated_at …)."""
    out = []
    for column in model.__table__.columns:
        default = column.default
        if default is not None and default.is_callable:
            out.append((column.key, lambda d=default: d.arg({})))
        elif default is not None and default.is_scalar:
            out.append((column.key, lambda d=default: d.arg))
    return out


def _arg(args, name):
    value = args.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value[:200] or None


def _parse_bound(f: Field, text, label, upper=False):
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise RegistryError(f"{label}的日期格式不正确，应为 yyyy-mm-dd")
    if f.kind == "datetime":
        return dt.datetime.combine(day, dt.time.max if upper else dt.time.min)
    return day


def _chunks(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _unit_names():
    return dict(db.session.execute(select(Unit.id, Unit.full_name)).all())


def _ref_labels(f: Field):
    ref_model, key_attr, _ = f.ref
    return dict(db.session.execute(select(ref_model.id, getattr(ref_model, key_attr))).all())


def unit_choices(scope: Scope, kinds=None):
    """Units inside the scope, for 所属辖区 dropdowns."""
    stmt = select(Unit.id, Unit.full_name).where(units_clause(Unit.id, scope), Unit.enabled.is_(True))
    if kinds:
        stmt = stmt.where(Unit.kind.in_(kinds))
    return db.session.execute(stmt.order_by(Unit.path)).all()


__all__ = ["Registry", "RegistryError", "unit_choices"]
