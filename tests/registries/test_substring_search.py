"""Substring search ("包含") on trigram-indexed registries (12345热线工单): results identical to
LIKE for every term, the index in sync on every write path (ORM, bulk feed, import), masked
fields never substring-searchable, and the count cap of the list ("超过 N 条").

Each test works on its own rows (a unique source-id tag) in the shared session database.
"""
import random
import re
import uuid

import pytest
from sqlalchemy import delete, select, text

from app.extensions import db
from app.models.base import now
from app.models.datacenter import HotlineOrder
from app.models.org import Unit
from app.registries import base as registry_base, substring
from app.registries.datacenter import HotlineOrderRegistry as Hotline
from app.security.scope import Scope
from tests.registries.helpers import logged_in, read_xlsx, upload, workbook_bytes
from tests.registries.test_datacenter_registries import (api_url, base_url, feed_user,  # noqa: F401  (fixture)
                                                         import_row)

ALPHABET = list("西大街道测试路号王先生") + list("abAB12") + ["%", "_", "'", '"', " ", "É", "é", "*", "/"]
SPECIAL_TERMS = ["%", "_", "'", '"', '""', "%_", "a_b", "a%", "*", "/", "//", "AB", "ab", "aB", "Éa", "éa", "É",
                 "西大", "王先生", "a b", "王\x1f", "无此词语", "1", "12", "'%"]
ALL = Scope(all=True)


def _tag():
    return "SS" + uuid.uuid4().hex[:8].upper()


def _city_id():
    return db.session.scalar(select(Unit.id).where(Unit.name == "许昌市"))


def _row(source_id, **values):
    stamp = now()
    row = {c: None for c in Hotline.substring_index}
    row.update(source_id=source_id, accepted_at=stamp, created_at=stamp, updated_at=stamp, unit_id=_city_id())
    row.update(values)
    return row


def _like_oracle(dialect, term, value):
    """What ``column LIKE '%term%' ESCAPE '/'`` answers: SQLite folds ASCII letters only,
    PostgreSQL compares exactly."""
    if value is None:
        return False
    if dialect == "sqlite":
        fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
        return term.translate(fold) in value.translate(fold)
    return term in value


def _search_ids(tag, key, term, rows_needed):
    """Ids the registry's search finds among this test's rows (the path of the list page)."""
    reg = Hotline()
    args = {f"s_{key}": term}
    stmt = reg._narrowed(reg.base_select(ALL, args), reg.substring_terms(args), rows_needed)
    stmt = stmt.where(HotlineOrder.source_id.like(f"{tag}%"))
    return set(db.session.scalars(stmt.with_only_columns(HotlineOrder.id)))


def _candidates(tag, column, term):
    """SQLite: the rows the FTS5 index alone proposes (no LIKE recheck)."""
    cond = substring.narrowing(db.session, HotlineOrder, [(column, term)], None)
    assert cond is not None, term
    stmt = select(HotlineOrder.id).where(cond, HotlineOrder.source_id.like(f"{tag}%"))
    return set(db.session.scalars(stmt))


def _uncased(term):
    return all(c.lower() == c.upper() for c in term)


def _is_sqlite():
    return db.engine.dialect.name == "sqlite"


@pytest.fixture()
def generated(ctx):
    """3,000 rows of random short strings over an alphabet with CJK, mixed-case letters and
    LIKE/FTS special characters (some values empty or NULL); removed afterwards."""
    rnd = random.Random(20261129)
    tag = _tag()
    rows = []
    for i in range(3000):
        values = {}
        for key in Hotline.substring_index:
            n = rnd.choice([0, 1, 2, 2, 3, 4, 6, 9])
            values[key] = None if rnd.random() < 0.05 else "".join(rnd.choice(ALPHABET) for _ in range(n))
        rows.append(_row(f"{tag}{i:05d}", **values))
    # Core executemany, as the import and the bulk feed store rows
    db.session.execute(HotlineOrder.__table__.insert(), rows)
    db.session.commit()
    stored = {r["source_id"]: r for r in rows}
    ids = dict(db.session.execute(select(HotlineOrder.source_id, HotlineOrder.id)
                                  .where(HotlineOrder.source_id.like(f"{tag}%"))).all())
    yield tag, {ids[s]: r for s, r in stored.items()}, rnd
    db.session.rollback()
    db.session.execute(delete(HotlineOrder).where(HotlineOrder.source_id.like(f"{tag}%")))
    db.session.commit()


def _terms(rows, rnd, key):
    values = [r[key] for r in rows.values() if r[key]]
    terms = set(SPECIAL_TERMS) | set(ALPHABET)
    terms |= {rnd.choice(ALPHABET) + rnd.choice(ALPHABET) for _ in range(60)}
    for _ in range(40):
        v = rnd.choice(values)
        start = rnd.randrange(len(v))
        terms.add(v[start:start + rnd.choice([2, 3, 4, 5])])
    # the search bar trims the term; an all-blank term is no condition at all
    return sorted({t.strip() for t in terms if t.strip()})


@pytest.mark.parametrize("key", Hotline.substring_index)
def test_results_identical_to_like_for_every_term(generated, key):
    tag, rows, rnd = generated
    dialect = db.engine.dialect.name
    column = Hotline().field(key).column
    for term in _terms(rows, rnd, key):
        expected = {i for i, r in rows.items() if _like_oracle(dialect, term, r[column])}
        plain = set(db.session.scalars(select(HotlineOrder.id).where(
            getattr(HotlineOrder, column).contains(term, autoescape=True), HotlineOrder.source_id.like(f"{tag}%"))))
        assert plain == expected, (key, term)           # the oracle is LIKE's semantics
        for rows_needed in (None, 20, 10_001):
            assert _search_ids(tag, key, term, rows_needed) == expected, (key, term, rows_needed)
        if _is_sqlite() and substring._servable(term) and _uncased(term):
            # the index alone is exact for uncased terms: it is complete and carries no stale rows
            assert _candidates(tag, column, term) == expected, (key, term)


def test_two_substring_terms_and_an_indexed_filter_together(generated):
    tag, rows, _ = generated
    dialect = db.engine.dialect.name
    args = {"s_street": "西大", "s_address": "测试", "s_urgency": "王先生"}
    reg = Hotline()
    stmt = reg._narrowed(reg.base_select(ALL, args), reg.substring_terms(args), None)
    found = set(db.session.scalars(stmt.with_only_columns(HotlineOrder.id).where(
        HotlineOrder.source_id.like(f"{tag}%"))))
    expected = {i for i, r in rows.items()
                if all(_like_oracle(dialect, args[f"s_{k}"], r[k]) for k in ("street", "address", "urgency"))}
    assert found == expected


def test_expansion_limit_falls_back_to_like(generated, monkeypatch):
    tag, rows, _ = generated
    monkeypatch.setattr(substring, "MAX_EXPANSIONS", 1)
    dialect = db.engine.dialect.name
    for term in ("西大", "王先", "ab", "12"):
        expected = {i for i, r in rows.items() if _like_oracle(dialect, term, r["street"])}
        assert _search_ids(tag, "street", term, None) == expected, term


# ---------------------------------------------------------------------------- the index in sync
def _found(tag, key, term):
    """Rows of this tag the search finds; on SQLite also asserts the index alone finds the same."""
    ids = _search_ids(tag, key, term, None)
    if _is_sqlite():
        assert _candidates(tag, Hotline().field(key).column, term) == ids, (key, term)
    return ids


def test_orm_insert_update_delete_keep_the_index_in_sync(ctx):
    tag = _tag()
    order = HotlineOrder(**_row(f"{tag}1", street=f"同步街{tag}", requester="赵六"))
    db.session.add(order)
    db.session.commit()
    assert _found(tag, "street", f"同步街{tag}") == {order.id}
    assert _found(tag, "requester", "赵六") == {order.id}
    order.street = f"改名街{tag}"
    order.requester = None
    db.session.commit()
    assert _found(tag, "street", f"同步街{tag}") == set()
    assert _found(tag, "street", f"改名街{tag}") == {order.id}
    assert _found(tag, "requester", "赵六") == set()
    db.session.delete(order)
    db.session.commit()
    assert _found(tag, "street", f"改名街{tag}") == set()


def _feed_record(source_id, street, requester):
    return dict(source_id=source_id, address=f"魏都区{street}1号", order_type="投诉", accepted_at="2025-03-04 10:00:00",
                county="魏都区", street=street, requester=requester, urgency="一般")


def test_bulk_feed_insert_and_update_keep_the_index_in_sync(app, api, feed_user):
    tag = _tag()
    client = api(feed_user)
    # 西大街街道 decides the unit (territory): the changing value is the requester and the address
    batch = [_feed_record(f"{tag}{i}", "西大街街道", f"推送人{tag}{i}") for i in range(3)]
    body = client.post(f"{api_url(Hotline)}/bulk", json=batch).json
    assert body["inserted"] == 3 and body["failed"] == 0, body
    with app.app_context():
        assert len(_found(tag, "requester", f"推送人{tag}")) == 3
        assert len(_found(tag, "requester", f"{tag}1")) == 1
    for rec in batch:
        rec["requester"] = rec["requester"].replace("推送人", "复推人")
    body = client.post(f"{api_url(Hotline)}/bulk", json=batch).json
    assert body["updated"] == 3 and body["inserted"] == 0, body
    with app.app_context():
        assert _found(tag, "requester", f"推送人{tag}") == set()
        assert len(_found(tag, "requester", f"复推人{tag}")) == 3
        db.session.execute(delete(HotlineOrder).where(HotlineOrder.source_id.like(f"{tag}%")))
        db.session.commit()
        assert _found(tag, "requester", f"复推人{tag}") == set()


def test_import_keeps_the_index_in_sync(app):
    tag = _tag()
    client = logged_in(app, "city_handler")
    header = [str(h) for h in read_xlsx(client.get(f"{base_url(Hotline)}/template/").data)[0]]

    def sheet(requester):
        return workbook_bytes(header, [import_row(header, _feed_record(f"{tag}1", "西大街街道", requester), Hotline)])

    body = upload(client, f"{base_url(Hotline)}/import/", sheet(f"导入人{tag}")).json
    assert body["inserted"] == 1, body
    with app.app_context():
        assert len(_found(tag, "requester", f"导入人{tag}")) == 1
    body = upload(client, f"{base_url(Hotline)}/import/", sheet(f"再导人{tag}"), update_existing=True).json
    assert body["updated"] == 1, body
    with app.app_context():
        assert _found(tag, "requester", f"导入人{tag}") == set()
        assert len(_found(tag, "requester", f"再导人{tag}")) == 1
        db.session.execute(delete(HotlineOrder).where(HotlineOrder.source_id.like(f"{tag}%")))
        db.session.commit()


# ---------------------------------------------------------------------------- declaration, masking
def test_the_index_covers_exactly_the_declared_fields(ctx):
    columns = sorted(Hotline().field(k).column for k in Hotline.substring_index)
    if _is_sqlite():
        fts = substring.fts_table(HotlineOrder.__tablename__)
        indexed = sorted(r[1] for r in db.session.execute(text(f"PRAGMA table_info({fts})")))
    else:
        names = db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'dc_hotline_order' "
                                        "AND indexdef LIKE '%gin_trgm_ops%'")).all()
        indexed = sorted(n[len("ix_dc_hotline_order_"):-len("_trgm")] for n in names)
    assert indexed == columns
    assert "requester_phone" not in indexed


def test_masked_fields_cannot_be_declared_or_searched_by_substring(app):
    with pytest.raises(TypeError):
        type("LeakyRegistry", (Hotline,), {"substring_index": ("requester_phone",)})
    with pytest.raises(TypeError):
        type("NotLikeRegistry", (Hotline,), {"substring_index": ("order_type",)})
    from app.registries import all_registries

    with app.app_context():
        for reg in all_registries():
            for f in reg.sensitive_fields():
                assert f.key not in reg.substring_index
                if f.search:
                    # exact match through the keyed hash only, never LIKE on the ciphertext
                    (cond,) = reg().search_conditions({f"s_{f.key}": "壹贰叁肆"})
                    sql = str(cond.compile(compile_kwargs={"literal_binds": True}))
                    assert "LIKE" not in sql.upper() and f.hash_column in sql and "壹贰" not in sql, (reg.name, sql)
    tag = _tag()
    with app.app_context():
        from app.registries.crypto import blind_index

        db.session.execute(HotlineOrder.__table__.insert(), [_row(
            f"{tag}1", requester=f"掩码{tag}", requester_phone="13987654321",
            requester_phone_hash=blind_index("13987654321"))])
        db.session.commit()
    client = logged_in(app, "city_handler")
    page = client.get(f"{base_url(Hotline)}/list/?s_requester={tag}").get_data(as_text=True)
    assert f"掩码{tag}" in page and "13987654321" not in page
    for partial in ("1398765", "87654", "4321"):
        for key in Hotline.substring_index:
            page = client.get(f"{base_url(Hotline)}/list/?s_{key}={partial}").get_data(as_text=True)
            assert f"掩码{tag}" not in page, (key, partial)
    with app.app_context():
        db.session.execute(delete(HotlineOrder).where(HotlineOrder.source_id.like(f"{tag}%")))
        db.session.commit()


# ---------------------------------------------------------------------------- the count cap
def test_count_stops_at_the_cap_and_says_so(app, monkeypatch):
    monkeypatch.setattr(registry_base, "COUNT_CAP", 25)
    tag = _tag()
    with app.app_context():
        db.session.execute(HotlineOrder.__table__.insert(),
                           [_row(f"{tag}{i:03d}", street=f"封顶街{tag}" if i < 30 else f"少量街{tag}")
                            for i in range(42)])
        db.session.commit()
    client = logged_in(app, "city_handler")
    page = client.get(f"{base_url(Hotline)}/list/?s_street=封顶街{tag}&page_size=10&page=9").get_data(as_text=True)
    assert "超过 25 条" in page and "共 " not in page.split("registry-pager")[-1]
    assert re.search(r"第 3 / 3 页", page)                     # deep pages end with the counted window
    assert page.count(f"封顶街{tag}") >= 5
    page = client.get(f"{base_url(Hotline)}/list/?s_street=少量街{tag}").get_data(as_text=True)
    assert "共 12 条" in page and "超过" not in page
    # a list without substring term counts exactly as before
    page = client.get(f"{base_url(Hotline)}/list/?s_order_type=投诉").get_data(as_text=True)
    assert re.search(r"共 \d+ 条", page)
    with app.app_context():
        db.session.execute(delete(HotlineOrder).where(HotlineOrder.source_id.like(f"{tag}%")))
        db.session.commit()


def test_list_page_with_special_characters_answers(app):
    client = logged_in(app, "city_handler")
    for term in ("%", "_", "'", '"', "a_b", "王\x1f", "西大", "西大街", "*", "(", ")", "AND", "NEAR(", "x" * 300):
        resp = client.get(f"{base_url(Hotline)}/list/", query_string={"s_street": term, "s_address": term})
        assert resp.status_code == 200, term
