"""Bringing a database to a working state: migrations, permissions, roles, demo data."""
import secrets
import string

import flask_migrate
from flask import current_app
from sqlalchemy import inspect, select

from app import MIGRATIONS_DIR, ConfigurationError
from app.extensions import appbuilder, db
from app.models.org import AppUser, Unit
from app.security.roles import ensure_roles
from app.services.categories import ensure_categories
from app.services.dictionaries import ensure_base_dictionaries


def upgrade_schema():
    """Apply every Alembic revision (``flask db upgrade``)."""
    # "heads": revisions written in parallel branches all apply (a merge revision joins them later)
    flask_migrate.upgrade(directory=MIGRATIONS_DIR, revision="heads")


def sync_security(reset_roles=False):
    """Create FAB's built-in roles, every view's permissions, and the shipped roles."""
    sm = appbuilder.sm
    sm.ensure_builtin_roles()
    appbuilder.add_permissions(update_perms=True)
    ensure_roles(sm, reset=reset_roles)


def database_is_empty():
    return db.session.scalar(select(Unit.id).limit(1)) is None


def demo_password():
    """``DEMO_PASSWORD`` when set, else a random one satisfying the password policy."""
    configured = current_app.config.get("DEMO_PASSWORD")
    if configured:
        return configured, False
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"Xc{core}#9", True


def prepare_database(seed_demo=None, echo=print):
    """Migrate, sync permissions and roles, and (development) seed demo data when empty."""
    upgrade_schema()
    sync_security()
    ensure_base_dictionaries()
    ensure_categories()
    seed = current_app.config.get("DEMO_DATA") if seed_demo is None else seed_demo
    if seed and database_is_empty():
        from app.demo import seed_demo_data

        password, generated = demo_password()
        seed_demo_data(password)
        from app.demo import DEMO_USERNAMES

        echo("演示账号 / demo accounts: " + ", ".join(DEMO_USERNAMES))
        if generated:
            echo(f"演示账号密码（仅显示一次）/ demo password (shown once): {password}")
        else:
            echo("演示账号密码为环境变量 DEMO_PASSWORD 的值 / demo password: the value of DEMO_PASSWORD")
    check_production_ready()


def check_production_ready():
    """Production refuses to run while a demo account is active."""
    if current_app.config.get("ENV_NAME") != "production":
        return
    if "ab_user" not in inspect(db.engine).get_table_names():
        return
    from app.demo import DEMO_USERNAMES

    active = db.session.scalars(
        select(AppUser.username).where(AppUser.username.in_(DEMO_USERNAMES), AppUser.active.is_(True))).all()
    if active:
        raise ConfigurationError("生产环境存在启用的演示账号，拒绝启动：" + "、".join(sorted(active)))
