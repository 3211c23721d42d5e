"""Settings for development, test and production, read from environment variables.

``APP_ENV`` picks the profile (development by default).  Production refuses to start
with the default secret key or with demo data (see ``app.create_app``).
"""
import datetime
import os

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.path.join(BASE_DIR, "instance")
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me-0123456789"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _database_url():
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(INSTANCE_DIR, "portal.db")
    # Heroku-style URLs name the dialect "postgres", SQLAlchemy 2 wants "postgresql".
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


class Config:
    APP_NAME = "许昌市市域基层治理平台"
    APP_ICON = None
    APP_THEME = ""
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None

    # Flask-AppBuilder
    FAB_CREATE_DB = False                      # schema comes from migrations only
    FAB_UPDATE_PERMS = _bool("FAB_UPDATE_PERMS", True)
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.PortalSecurityManager"
    FAB_ADD_SECURITY_API = True
    FAB_API_SWAGGER_UI = True
    FAB_ADD_OPENAPI_VIEWS = False              # app.api.openapi registers a corrected document
    FAB_API_MAX_PAGE_SIZE = 100
    FAB_SAFE_REDIRECT_HOSTS = [h for h in os.environ.get("SAFE_REDIRECT_HOSTS", "").split(",") if h]
    FAB_BASE_TEMPLATE = "portal_base.html"
    AUTH_TYPE = 1                              # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_USERNAME_CI = False

    # Babel: Chinese first (FAB's own catalogue is named "zh"), English second.
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # CSRF for every page form; the JSON API checks its own (see app.security.csrf).
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Sessions (app.security.sessions): idle timeout, absolute limit, server-side revocation
    PERMANENT_SESSION_LIFETIME = datetime.timedelta(minutes=30)
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 8
    # Passwords and lockout (app.security.passwords / lockout)
    FAB_PASSWORD_COMPLEXITY_ENABLED = True     # validator: app.security.passwords.validate_password_complexity
    PASSWORD_MAX_AGE_DAYS = 90
    PASSWORD_HISTORY_SIZE = 5
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # log-in attempts per client address, pages and API together (app.security.views.login_allowed);
    # generous enough for an office behind one NAT address, far below any password-guessing rate
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30 per minute")

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or os.path.join(INSTANCE_DIR, "uploads")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "500")) * 1024 * 1024
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
    # 居民吹哨 public form (app.views.resident): photos per report, size of one photo, per-address rate
    RESIDENT_WHISTLE_MAX_PHOTOS = 6
    RESIDENT_WHISTLE_PHOTO_MAX_MB = int(os.environ.get("RESIDENT_WHISTLE_PHOTO_MAX_MB", "10"))
    RESIDENT_WHISTLE_RATE_LIMIT = os.environ.get("RESIDENT_WHISTLE_RATE_LIMIT", "10 per hour")
    # 12345 delivery (app.integration.outbound); HOTLINE_12345_URL is the endpoint's older name
    OUTBOUND_12345_URL = os.environ.get("OUTBOUND_12345_URL") or os.environ.get("HOTLINE_12345_URL", "")
    HOTLINE_12345_URL = OUTBOUND_12345_URL
    OUTBOUND_TIMEOUT_SECONDS = float(os.environ.get("OUTBOUND_TIMEOUT_SECONDS", "10"))
    OUTBOUND_MAX_ATTEMPTS = int(os.environ.get("OUTBOUND_MAX_ATTEMPTS", "8"))
    OUTBOUND_BACKOFF_SECONDS = float(os.environ.get("OUTBOUND_BACKOFF_SECONDS", "30"))
    OUTBOUND_POLL_SECONDS = float(os.environ.get("OUTBOUND_POLL_SECONDS", "60"))
    OUTBOUND_IN_PROCESS = _bool("OUTBOUND_IN_PROCESS", True)   # worker thread when there is no Redis
    EMERGENCY_PLATFORM_URL = os.environ.get("EMERGENCY_PLATFORM_URL", "http://zfw-emergency.xuchang.gov.cn/")

    DEMO_DATA = True                           # seed demo data on an empty database
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or None
    TESTING = False


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    DEMO_PASSWORD = "Demo@2025pass"
    WTF_CSRF_ENABLED = False
    FAB_UPDATE_PERMS = True
    LOGIN_RATE_LIMIT = "100000 per minute"     # the suite logs in hundreds of times from 127.0.0.1
    # tests drive 12345 delivery themselves, with a local receiver and tiny waits
    OUTBOUND_IN_PROCESS = False
    OUTBOUND_12345_URL = ""
    OUTBOUND_TIMEOUT_SECONDS = 0.3
    OUTBOUND_BACKOFF_SECONDS = 0.01
    OUTBOUND_MAX_ATTEMPTS = 4


class ProductionConfig(Config):
    ENV_NAME = "production"
    DEMO_DATA = False
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


PROFILES = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def get_config(name=None):
    """Return the settings class for ``name`` or ``$APP_ENV`` (default development)."""
    return PROFILES[(name or os.environ.get("APP_ENV") or "development").lower()]
