"""Paging of large scoped lists (ticket boards) that stays fast on SQLite and PostgreSQL.

The page is found in two steps (a deferred join): the ids of one page, then the rows of those
ids with their eager loads.  The id query sits behind an optimisation fence (``OFFSET 0``), so
the database first collects the list's ids from the list's own indexes and checks the data
scope for those rows only, then sorts them; without the fence PostgreSQL walks the ticket
primary key backwards for ``ORDER BY id DESC LIMIT 20`` and hashes the whole scope (every
period and task of the territory) before the first row, ~200 ms at city scale.
"""
from sqlalchemy import func, select

from app.extensions import db


def count_rows(stmt):
    """Rows of ``stmt`` (its ORDER BY dropped)."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def _page_ids(stmt, id_column, page, size):
    fenced = stmt.with_only_columns(id_column).order_by(None).offset(0).subquery()
    key = fenced.c[0]
    # the total rides along as a window count: one pass over the list's rows, not two
    return db.session.execute(select(key, func.count().over()).order_by(key.desc())
                              .limit(size).offset((page - 1) * size)).all()


def page_rows(stmt, id_column, page, size, options=()):
    """(ORM rows of page ``page`` of ``stmt``, newest first; total rows; the page shown).

    A page past the end shows the last page.  The rows are read by id with the loader
    ``options``: the ids came from ``stmt`` itself, so its scope and filters (a board's union
    of my unit's periods and tasks, thousands of rows) are not evaluated a second time."""
    found = _page_ids(stmt, id_column, max(1, page), size)
    if found:
        total = found[0][1]
    else:
        total = count_rows(stmt) if page > 1 else 0
        last = max(1, -(-total // size))
        found = _page_ids(stmt, id_column, last, size) if total else []
        page = last
    ids = [row[0] for row in found]
    if not ids:
        return [], total, max(1, page)
    entity = id_column.class_
    rows = {row.id: row for row in db.session.scalars(select(entity).where(id_column.in_(ids)).options(*options))}
    return [rows[i] for i in ids if i in rows], total, max(1, page)
