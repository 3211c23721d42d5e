"""Fixtures: one app and database per test session (SQLite file, or a fresh PostgreSQL
database when ``DATABASE_URL`` points at PostgreSQL), demo data loaded once."""
import os
import tempfile
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEMO_PASSWORD = "Demo@2025pass"


def _fresh_database_url():
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        url = make_url(base.replace("postgres://", "postgresql://", 1))
        name = f"test_portal_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return url.set(database=name).render_as_string(hide_password=False), (url, name)
    path = os.path.join(tempfile.mkdtemp(prefix="portal-test-"), "test.db")
    return f"sqlite:///{path}", None


def _drop_database(info):
    if not info:
        return
    url, name = info
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url():
    url, info = _fresh_database_url()
    yield url
    _drop_database(info)


@pytest.fixture(scope="session")
def app(database_url):
    from app import create_app
    from app.bootstrap import prepare_database
    from app.extensions import db

    application = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, DEMO_PASSWORD=DEMO_PASSWORD)
    with application.app_context():
        prepare_database(seed_demo=True)
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def ctx(app):
    """An application context with a clean session."""
    from app.extensions import db

    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture()
def client(app):
    return app.test_client()


def login_page(client, username, password=DEMO_PASSWORD):
    """Log a test client in through the login form."""
    return client.post("/login/", data={"username": username, "password": password}, follow_redirects=True)


def api_token(client, username, password=DEMO_PASSWORD):
    resp = client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db", "refresh": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json["access_token"]


class ApiClient:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client, username):
        self.client = client
        self.headers = {"Authorization": f"Bearer {api_token(client, username)}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self.headers, **kw)

    def put(self, url, **kw):
        return self.client.put(url, headers=self.headers, **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self.headers, **kw)


@pytest.fixture()
def api(client):
    """``api("cs471_member")`` → an ApiClient logged in as that demo user."""
    return lambda username: ApiClient(client, username)


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_last: changes shared demo data at random (fuzzing); run after the rest")


def pytest_collection_modifyitems(session, config, items):
    """Tests that may delete or rewrite demo rows run after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
