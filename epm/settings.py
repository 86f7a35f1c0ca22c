"""Django settings for OpenEPM.

Every deployment choice comes from environment variables (listed in README.md) so the same code
runs on a laptop with SQLite and behind a load balancer with PostgreSQL and Redis.
"""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EPM_VAR_DIR", BASE_DIR / "var"))

EPM_ENV = os.environ.get("EPM_ENV", "development")
if EPM_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"EPM_ENV must be development, production or test, not {EPM_ENV!r}")
PRODUCTION = EPM_ENV == "production"
DEBUG = os.environ.get("EPM_DEBUG", "0" if PRODUCTION else "1") == "1"


def _secret_key() -> str:
    """EPM_SECRET_KEY wins; otherwise a key generated once under var/ (never committed)."""
    if key := os.environ.get("EPM_SECRET_KEY"):
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("EPM_SECRET_KEY must be set when EPM_ENV=production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "EPM_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("EPM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "epm.core",
    "epm.projects",
    "epm.approvals",
    "epm.planning",
    "epm.finance",
    "epm.registers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "epm.core.middleware.UserPreferencesMiddleware",
    "epm.core.middleware.ApplicationErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "epm.urls"
WSGI_APPLICATION = "epm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "epm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "epm.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
}


def _database(url: str | None) -> dict[str, Any]:
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'epm.sqlite3'}"
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login throttling lives here, so it must be shared between processes) ----------------
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
# Every password check goes through the throttled backend, whatever page or API asks for it.
AUTHENTICATION_BACKENDS = ["epm.core.backends.ThrottledModelBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
EPM_LOGIN_MAX_FAILURES = int(os.environ.get("EPM_LOGIN_MAX_FAILURES", "5"))
EPM_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("EPM_LOGIN_LOCKOUT_SECONDS", "900"))

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # native names, never translated
LOCALE_PATHS = [BASE_DIR / "epm" / "locale"]
LANGUAGE_COOKIE_NAME = "epm_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (front-end packages are copied into epm/static/vendor by `make setup`) --------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "epm" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(os.environ.get("EPM_MEDIA_ROOT", VAR_DIR / "media"))

# --- Email --------------------------------------------------------------------------------------
if email_url := os.environ.get("EPM_EMAIL_URL"):
    _email = dj_email_url.parse(email_url)
    if "EMAIL_BACKEND" not in _email:
        raise ImproperlyConfigured(
            "EPM_EMAIL_URL scheme must be one of smtp, submission (STARTTLS), smtps (SSL), "
            f"console, file, memory or dummy: {email_url.split(':', 1)[0]!r} is not"
        )
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("EPM_DEFAULT_FROM_EMAIL", "OpenEPM <epm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EPM_BASE_URL = os.environ.get("EPM_BASE_URL", "http://127.0.0.1:8000")

# --- Security -----------------------------------------------------------------------------------
# Behind a load balancer: trust its X-Forwarded-Proto, and take the client address from the
# right-most X-Forwarded-For entry (the one the balancer appended), so login throttling counts
# clients, not the balancer.
EPM_BEHIND_PROXY = os.environ.get("EPM_BEHIND_PROXY", "0") == "1"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = (
    False  # htmx reads the token from the cookie-free meta tag; harmless either way
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("EPM_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("EPM_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if EPM_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- OpenEPM ------------------------------------------------------------------------------------
EPM_PROJECT_NUMBER_PATTERN = os.environ.get("EPM_PROJECT_NUMBER_PATTERN", "XM{year}{seq:04}")
EPM_DEFAULT_CALENDAR = os.environ.get("EPM_DEFAULT_CALENDAR", "default")
EPM_TICK_SECONDS = int(os.environ.get("EPM_TICK_SECONDS", "60"))
EPM_APPROVAL_URGE_MINUTES = int(os.environ.get("EPM_APPROVAL_URGE_MINUTES", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("EPM_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
