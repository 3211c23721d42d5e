"""Substring search ("包含", ``search="like"``) served by a trigram index on large registries.

A registry lists the fields to index in ``substring_index``; its Alembic revision calls
``create_trigram_index`` with the same table and columns. The search itself always keeps the
plain ``LIKE '%term%'`` condition, so results are LIKE's on every database; the index only
narrows the rows LIKE has to look at:

* PostgreSQL: one pg_trgm GIN index per column; the planner uses it for ``LIKE`` by itself.
  Without the extension (no privilege to create it) the indexes are skipped and LIKE scans.
* SQLite: one FTS5 ``trigram`` table per registry table (external content, filled by
  triggers, so ORM writes, Core ``executemany`` imports and bulk feeds all keep it in sync).
  Each value is indexed with a trailing ``SENTINEL`` so that every 2-character substring starts
  some trigram: 2-character terms (common in Chinese) are expanded through the FTS5 vocabulary
  into the trigrams that begin with them. Shorter terms, terms with control characters and
  2-character terms with cased non-ASCII letters (the tokenizer's case folding is Unicode's,
  LIKE's is ASCII's) use LIKE alone. SQLite cannot estimate how many rows an FTS5 match
  has, so ``narrowing`` decides per query whether the candidate list or the ordered walk of
  the list's index with LIKE reads fewer rows.
"""
from __future__ import annotations

import logging
import math

from sqlalchemy import column, false, func, literal_column, select, table as table_, text

log = logging.getLogger(__name__)

SENTINEL = "\x1f"
MAX_EXPANSIONS = 200        # 2-character term → at most this many trigrams in the FTS query
# a candidate row (random lookup, LIKE recheck, sort) costs about this many rows of the ordered
# walk (sequential, stops early), measured on the 1,000,000-order bench table
CANDIDATE_COST = 4
_LAST_CHAR = "\U0010ffff"


def fts_table(table: str) -> str:
    return f"{table}_fts"


def vocab_table(table: str) -> str:
    return f"{table}_fts_vocab"


def trgm_index(table: str, column: str) -> str:
    return f"ix_{table}_{column}_trgm"


# ---------------------------------------------------------------------------- schema (migrations)
def is_schema_object(obj, name, type_, reflected, compare_to):
    """Alembic ``include_object``: the trigram tables and indexes live outside the models'
    metadata (created by DDL), so schema comparison must not report them."""
    if type_ == "table" and name and "_fts" in name and reflected and compare_to is None:
        return False
    if type_ == "index" and name and name.endswith("_trgm"):
        return False
    return True


def create_trigram_index(bind, table: str, columns: list[str], key: str = "id") -> bool:
    """Create the trigram index of ``table.columns`` and fill it; False when PostgreSQL has no
    pg_trgm (the search then falls back to scanning LIKE, which stays correct)."""
    if bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:   # noqa: BLE001 - any refusal means: no index, LIKE still works
            log.warning("pg_trgm unavailable (%s): substring search on %s stays a scan", exc, table)
            return False
        for column in columns:
            bind.exec_driver_sql(f"CREATE INDEX {trgm_index(table, column)} ON {table} "
                                 f"USING gin ({column} gin_trgm_ops)")
        return True
    if bind.dialect.name != "sqlite":
        return False
    fts, cols = fts_table(table), ", ".join(columns)
    new = ", ".join(f"new.{c} || char(31)" for c in columns)
    old = ", ".join(f"old.{c} || char(31)" for c in columns)
    bind.exec_driver_sql(f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
                         f"content_rowid='{key}', tokenize='trigram')")
    bind.exec_driver_sql(f"CREATE VIRTUAL TABLE {vocab_table(table)} USING fts5vocab({fts}, 'col')")
    # the external-content 'delete' must repeat the indexed values exactly, sentinel included
    bind.exec_driver_sql(f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
                         f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new}); END")
    bind.exec_driver_sql(f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
                         f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old}); END")
    bind.exec_driver_sql(f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {key}, {cols} ON {table} BEGIN "
                         f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.{key}, {old}); "
                         f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.{key}, {new}); END")
    bind.exec_driver_sql(f"INSERT INTO {fts}(rowid, {cols}) SELECT {key}, "
                         + ", ".join(f"{c} || char(31)" for c in columns) + f" FROM {table}")
    return True


def drop_trigram_index(bind, table: str, columns: list[str]) -> None:
    if bind.dialect.name == "postgresql":
        for column in columns:
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {trgm_index(table, column)}")
    elif bind.dialect.name == "sqlite":
        fts = fts_table(table)
        for suffix in ("ai", "ad", "au"):
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {vocab_table(table)}")
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {fts}")


# ---------------------------------------------------------------------------- search (SQLite)
def _phrase(text_: str) -> str:
    return '"' + text_.replace('"', '""') + '"'


def _has_cased_non_ascii(term: str) -> bool:
    return any(ord(c) > 127 and c.lower() != c.upper() for c in term)


def _servable(term: str) -> bool:
    return len(term) >= 2 and not any(ord(c) < 32 or c == _LAST_CHAR for c in term)


def _column_query(session, table: str, column: str, term: str):
    """FTS5 query text for "``column`` contains ``term``"; "" when the index cannot serve it,
    None when no row can match."""
    if not _servable(term):
        return ""
    if len(term) >= 3:
        return f"{column} : {_phrase(term)}"
    if _has_cased_non_ascii(term):
        return ""
    folded = term.lower()
    grams = session.execute(
        text(f"SELECT term FROM {vocab_table(table)} WHERE col = :col AND term >= :lo AND term <= :hi "
             f"LIMIT {MAX_EXPANSIONS + 1}"),
        {"col": column, "lo": folded, "hi": folded + _LAST_CHAR}).scalars().all()
    grams = [g for g in grams if g.startswith(folded)]
    if len(grams) > MAX_EXPANSIONS:
        return ""
    if not grams:
        return None
    return f"{column} : (" + " OR ".join(_phrase(g) for g in grams) + ")"


_present: dict = {}


def _indexed(session, table: str) -> bool:
    bind = session.get_bind()
    cache_key = (str(bind.url), table)
    if cache_key not in _present:
        _present[cache_key] = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
            {"n": fts_table(table)}).first() is not None
    return _present[cache_key]


def narrowing(session, model, terms: list[tuple[str, str]], rows_needed: int | None):
    """An extra condition restricting ``model`` to the FTS5 candidates of ``terms``
    [(column, term)], or None when the index does not help (other databases, unservable
    terms, or a term so common that walking the list order with LIKE reads fewer rows).

    ``rows_needed`` is how many matching rows the query must produce (offset + page size,
    count cap + 1; None: all of them)."""
    if not terms or session.get_bind().dialect.name != "sqlite":
        return None
    table = model.__tablename__
    if not _indexed(session, table):
        return None
    parts = []
    for name, term in terms:
        part = _column_query(session, table, name, term)
        if part is None:
            return false()
        if part:
            parts.append(f"({part})")
    if not parts:
        return None
    query = " AND ".join(parts)
    fts = fts_table(table)
    candidates = select(table_(fts, column("rowid")).c.rowid).where(literal_column(fts).op("MATCH")(query))
    if rows_needed is not None:
        # The ordered walk reads about rows_needed × total / N rows, the candidate list costs
        # CANDIDATE_COST × N: the list wins while CANDIDATE_COST × N² < rows_needed × total,
        # so counting N up to that bound decides.
        total = session.execute(select(func.max(model.id))).scalar() or 0
        bound = math.isqrt(rows_needed * total // CANDIDATE_COST) + 1
        found = session.execute(select(func.count()).select_from(candidates.limit(bound).subquery())).scalar()
        if found >= bound:
            return None
    return model.id.in_(candidates)


__all__ = ["SENTINEL", "create_trigram_index", "drop_trigram_index", "narrowing", "fts_table", "trgm_index"]
