"""Configuration safety, migrations matching the models, dictionaries."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy import select

from app import ConfigurationError, create_app
from app.extensions import db
from app.models.dictionary import DictItem, DictType, EventCategory
from app.models.notice import Notice
from app.services import dictionaries
from app.services.categories import CategoryError, place_category
from tests.conftest import login_page


from app.registries.substring import is_schema_object  # noqa: E402


def test_migrations_give_the_models_schema(ctx):
    """The database built by ``flask db upgrade`` has exactly the models' tables and columns."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False, "include_object": is_schema_object}), Model.metadata)
    assert diff == []


def test_production_refuses_default_secret_and_demo(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app("production")
    with pytest.raises(ConfigurationError):
        create_app("production", SECRET_KEY="x" * 40, DEMO_DATA=True)


def test_production_refuses_active_demo_accounts(app):
    from app.bootstrap import check_production_ready

    with app.app_context():
        app.config["ENV_NAME"] = "production"
        try:
            with pytest.raises(ConfigurationError, match="演示账号"):
                check_production_ready()
        finally:
            app.config["ENV_NAME"] = "test"


def test_demo_seed_refused_in_production(app):
    from app.demo import seed_demo_data

    with app.app_context():
        app.config["ENV_NAME"] = "production"
        try:
            with pytest.raises(RuntimeError):
                seed_demo_data("Xx12345678!")
        finally:
            app.config["ENV_NAME"] = "test"


def test_dictionaries_seeded(ctx):
    assert dictionaries.choices("urgency") == [("一般", "一般"), ("紧急", "紧急"), ("重大", "重大")]
    leaf = db.session.scalar(select(EventCategory).where(EventCategory.level == 3))
    assert leaf.full_name.count(" / ") == 2


def test_fourth_category_level_refused(ctx):
    leaf = db.session.scalar(select(EventCategory).where(EventCategory.level == 3))
    with pytest.raises(CategoryError):
        place_category(EventCategory(name="第四级", parent=leaf))
    db.session.rollback()


def test_value_in_use_cannot_be_deleted_only_disabled(app):
    client = app.test_client()
    login_page(client, "admin")
    with app.app_context():
        dtype = DictType(code="test_notice_title", name="测试")
        item = DictItem(dict_type=dtype, label="全市网格化治理工作要点", value="全市网格化治理工作要点")
        db.session.add_all([dtype, item])
        db.session.commit()
        item_id = item.id
        dictionaries.register_usage("test_notice_title", Notice, "title")
    try:
        html = client.post(f"/dictitemview/delete/{item_id}", follow_redirects=True).get_data(as_text=True)
        assert "正在使用中" in html
        with app.app_context():
            assert db.session.get(DictItem, item_id) is not None
    finally:
        dictionaries._USAGES.pop("test_notice_title", None)


def test_admin_edits_dictionary_values(app):
    client = app.test_client()
    login_page(client, "admin")
    with app.app_context():
        item = db.session.scalar(select(DictItem).where(DictItem.label == "其他"))
        item_id, type_id = item.id, item.dict_type_id
    resp = client.post(f"/dictitemview/edit/{item_id}", data={
        "dict_type": str(type_id), "label": "其他方式", "value": "其他", "sort_order": "9"}, follow_redirects=True)
    assert resp.status_code == 200
    with app.app_context():
        item = db.session.get(DictItem, item_id)
        assert item.label == "其他方式" and item.enabled is False
