"""Application factory of the 许昌市市域基层治理平台 portal."""
import logging
import os

from flask import Flask

from config import DEFAULT_SECRET_KEY, INSTANCE_DIR, get_config

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


class ConfigurationError(RuntimeError):
    """The settings are unsafe for the chosen profile."""


def create_app(config_name=None, **overrides):
    """Build the Flask app: settings, extensions, FAB, views, commands."""
    from app.extensions import appbuilder, csrf, db, migrate

    app = Flask(__name__, instance_path=INSTANCE_DIR)
    app.config.from_object(get_config(config_name))
    app.config.update(overrides)
    _check_settings(app)
    os.makedirs(app.instance_path, exist_ok=True)
    # Permissions are synchronised once by ``prepare_database`` / ``flask portal init``,
    # never by every worker at start (several gunicorn workers would race).
    app.config["FAB_UPDATE_PERMS"] = False
    logging.getLogger("flask_appbuilder").setLevel(logging.ERROR)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)

    from app import models  # noqa: F401  (register every table)
    from app.services import units  # noqa: F401  (unit tree hooks)
    from app.security.tokens import install_token_handlers
    from app.views.home import PortalIndexView
    from app.views.registry import register_views

    with app.app_context():
        appbuilder.indexview = PortalIndexView
        appbuilder.init_app(app, db.session)
        install_token_handlers(appbuilder.sm.jwt_manager)
        from app.security.sessions import init_security
        init_security(app)
        register_views(appbuilder)

    from app.api.base import prepare_rison_schemas
    prepare_rison_schemas()
    from app.cli import register_commands
    register_commands(app)
    from app.integration.outbound import init_app as init_outbound
    init_outbound(app)
    return app


def _check_settings(app):
    if app.config.get("ENV_NAME") == "production":
        if not app.config.get("SECRET_KEY") or app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
            raise ConfigurationError("生产环境必须通过环境变量 SECRET_KEY 设置密钥，拒绝使用默认密钥启动")
        if app.config.get("DEMO_DATA"):
            raise ConfigurationError("生产环境不允许加载演示数据")
