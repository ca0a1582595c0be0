"""LendDesk settings, read from the environment.

LENDDESK_ENV selects the profile: ``development`` (the embedded default: SQLite, no
other server), ``test``, or ``production`` (PostgreSQL, Redis; refuses unsafe values).
"""

import base64
import binascii
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from lenddesk.envvars import env_bool, env_int, env_list, env_present, env_str

BASE_DIR = Path(__file__).resolve().parent
ENV = env_str("LENDDESK_ENV", "development").strip().lower()
if ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        "LENDDESK_ENV must be development, test or production, not %r." % ENV
    )
IS_PRODUCTION = ENV == "production"
HOME = Path(env_str("LENDDESK_HOME", str(Path.cwd() / "var"))).resolve()

DEFAULT_SECRET_KEY = "insecure-development-key-change-me-0123456789abcdef"  # noqa: S105 - refused in production


def _installation_secret_key(home: Path) -> str:
    """The embedded default's own key, made on first start and kept in LENDDESK_HOME:
    zero configuration, yet no two installations sign sessions with the same key.
    Created with a hard link so processes starting together all read the one key."""
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        draft = home / ("secret_key.%d" % os.getpid())
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


if env_present("SECRET_KEY") or ENV != "development":
    SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
else:
    SECRET_KEY = _installation_secret_key(HOME)
# Off unless asked for: Django's debug pages list every URL and setting.
DEBUG = env_bool("DEBUG", False) and ENV != "test"

# Key ring wrapping the per-tenant data keys, newest first: ``id:base64(32 bytes)``.
# The development default is refused in production.
DEFAULT_FIELD_ENCRYPTION_KEYS = "k1:bGVuZGRlc2stZGV2ZWxvcG1lbnQta2V5LTMyYnl0ZXM="
FIELD_ENCRYPTION_KEYS = env_str("FIELD_ENCRYPTION_KEYS", DEFAULT_FIELD_ENCRYPTION_KEYS)


# Key of the HMAC blind indexes (exact search on encrypted phone / ID numbers). Kept off
# the database: with it and a dump, phone numbers can be brute-forced.
DEFAULT_BLIND_INDEX_KEY = "bGVuZGRlc2stZGV2LWJsaW5kLWluZGV4LWtleS0zMmI="
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", DEFAULT_BLIND_INDEX_KEY)

# Key of the audit chain's HMAC (base64 of 32 bytes), kept off the database: whoever
# can rewrite audit rows cannot recompute their hashes without it (audit.chainkey).
DEFAULT_AUDIT_CHAIN_KEY = "bGVuZGRlc2stZGV2LWF1ZGl0LWNoYWluLWtleS0zMmI="
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY", DEFAULT_AUDIT_CHAIN_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")


def _bind_host(bind: str) -> str:
    """The host of ``host:port`` or ``[v6]:port`` as ALLOWED_HOSTS spells it; empty
    for a wildcard address or a Unix socket."""
    if bind.startswith("["):
        host = "[%s]" % bind[1:].partition("]")[0]
    elif bind.count(":") <= 1 and not bind.startswith("unix:"):
        host = bind.partition(":")[0]
    else:
        host = ""
    return "" if host in ("0.0.0.0", "[::]") else host  # noqa: S104 - compared only


# The embedded default answers on whatever address BIND names, with no more settings.
if not env_present("ALLOWED_HOSTS") and not IS_PRODUCTION:
    _bound = _bind_host(env_str("BIND"))
    if _bound and _bound not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_bound)

_KEY_BYTES = 32


def _key_bytes(encoded: str) -> bytes | None:
    """The key material of a base64 setting, or None when it is not 32 bytes."""
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == _KEY_BYTES else None


def _key_problem(name: str, encoded: str, development: str) -> str:
    key = _key_bytes(encoded)
    if key is None:
        return "%s is not base64 of 32 bytes" % name
    if key == _key_bytes(development):
        return "%s is the development default" % name
    return ""


def _ring_problems(ring: str) -> list[str]:
    """The ring's entries compared by key material: the development key under any id
    or spelling is refused."""
    development = _key_bytes(DEFAULT_FIELD_ENCRYPTION_KEYS.partition(":")[2])
    problems = []
    entries = [entry for entry in ring.split(",") if entry.strip()]
    for position, entry in enumerate(entries, start=1):
        kek_id, separator, encoded = entry.partition(":")
        key = _key_bytes(encoded) if separator and kek_id.strip() else None
        if key is None:
            problems.append(
                "FIELD_ENCRYPTION_KEYS entry %d is not ID:base64 of 32 bytes" % position
            )
        elif key == development:
            problems.append(
                "FIELD_ENCRYPTION_KEYS entry %d is the development default" % position
            )
    return problems or ([] if entries else ["FIELD_ENCRYPTION_KEYS is empty"])


def _host_problems(hosts: list[str]) -> list[str]:
    """``*`` and a leading-dot pattern on a top-level domain (``.com``) accept any Host
    header, which then ends up in share links, QR codes and e-mailed URLs."""
    if not hosts:
        return ["ALLOWED_HOSTS is not set"]
    return [
        "ALLOWED_HOSTS entry %r matches every host; name the site's host names" % host
        for host in hosts
        if host == "*" or (host.startswith(".") and "." not in host.strip("."))
    ]


def _refuse_unsafe_production() -> None:
    problems = []
    secret = SECRET_KEY.strip()
    if secret == DEFAULT_SECRET_KEY or len(secret) < 40:
        problems.append("SECRET_KEY is the development default or shorter than 40")
    if DEBUG:
        problems.append("DEBUG is on (unset DEBUG or set DEBUG=0)")
    problems += _ring_problems(FIELD_ENCRYPTION_KEYS)
    for name, value, development in (
        ("BLIND_INDEX_KEY", BLIND_INDEX_KEY, DEFAULT_BLIND_INDEX_KEY),
        ("AUDIT_CHAIN_KEY", AUDIT_CHAIN_KEY, DEFAULT_AUDIT_CHAIN_KEY),
    ):
        problem = _key_problem(name, value, development)
        if problem:
            problems.append(problem)
    problems += _host_problems(ALLOWED_HOSTS)
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production: " + "; ".join(problems) + "."
        )


if IS_PRODUCTION:
    _refuse_unsafe_production()

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "lenddesk.tenancy",
    "lenddesk.platform",
    "lenddesk.accounts",
    "lenddesk.audit",
    "lenddesk.security",
    "lenddesk.customers",
    "lenddesk.acquisition",
    "lenddesk.promotion",
    "lenddesk.partners",
    "lenddesk.products",
    "lenddesk.orders",
    "lenddesk.warrants",
    "lenddesk.contracts",
    "lenddesk.finance",
    "lenddesk.commissions",
    "lenddesk.telephony",
    "lenddesk.analytics",
    "lenddesk.performance",
    "lenddesk.notifications",
    "lenddesk.web",
]

# Defaults every firm gets (lenddesk.tenancy.seeding): idempotent functions run in the
# firm's context at provisioning and after every migrate.
TENANT_SEEDERS = [
    "lenddesk.accounts.seed.seed_default_roles",
    "lenddesk.customers.seed.seed_customers",
    "lenddesk.orders.seed.seed_orders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lenddesk.web.middleware.RequestIdMiddleware",
    "lenddesk.web.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lenddesk.web.locale.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "lenddesk.web.middleware.RequestLimitsMiddleware",
    "lenddesk.web.transport.MachineHttpsOnlyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "lenddesk.web.tenant_middleware.TenantMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lenddesk.accounts.middleware.SessionGuardMiddleware",
    "lenddesk.web.tenant_middleware.PlanMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Signed machine-to-machine endpoints (traffic-platform intake) run through a lean
# handler with only these (lenddesk/web/machine.py): no session, CSRF, user or plan
# middleware, whose work those views do not need or do themselves.
MACHINE_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lenddesk.web.middleware.RequestIdMiddleware",
    "lenddesk.web.middleware.RefuseNulMiddleware",
    "lenddesk.web.machine.MachineMiddleware",
    "lenddesk.web.middleware.RequestLimitsMiddleware",
    "lenddesk.web.transport.MachineHttpsOnlyMiddleware",
]

ROOT_URLCONF = "lenddesk.urls"
WSGI_APPLICATION = "lenddesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lenddesk.accounts.backends.TenantUserBackend",
]
# Usernames are unique per firm, (tenant, username); the backend looks up within the
# current tenant only.
# axes.W002: the log-in views handle a locked account themselves (same page and status
# for known and unknown usernames) instead of AxesMiddleware's generic 429 page.
# axes.W006: lockout is per account on purpose (an office shares one NAT address);
# password spraying from one address is capped separately (accounts.authflow).
SILENCED_SYSTEM_CHECKS = ["auth.W004", "axes.W002", "axes.W006"]
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 50, minimum=1, maximum=10**6)

# Lockout per (firm, username), limits from the firm's settings (see accounts.lockout).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "lenddesk.accounts.lockout.lockout_username"
AXES_FAILURE_LIMIT = "lenddesk.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "lenddesk.accounts.lockout.cooloff_time"
AXES_CLIENT_IP_CALLABLE = "lenddesk.accounts.lockout.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lenddesk.web.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    HOME.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": HOME / "lenddesk.sqlite3",
        }
    }
_db = DATABASES["default"]
IS_POSTGRES = "postgresql" in _db["ENGINE"]
if IS_POSTGRES:
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {})
    # Server-side parameter binding: psycopg then does not re-parse every (large,
    # bulk) statement on the client.
    # Hot statements (the intake store) prepared once per connection; set 0 behind a
    # pooler that hands each transaction another server connection (PgBouncer in
    # transaction mode), where a session's PREPARE is not there for the next one.
    DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        _db["OPTIONS"]["server_side_binding"] = True
        if DB_PREPARED_STATEMENTS:
            # psycopg prepares a statement on its 5th run on a connection, so the
            # hot reads are planned once per connection, not on every request (a
            # move's order read: 3.5 ms of planning for 0.2 ms of execution).
            _db["OPTIONS"]["prepare_threshold"] = 5
    _db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_lenddesk")}
else:
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
# Role the web and worker processes use on PostgreSQL; it must not own the tables.
DB_APP_ROLE = env_str("DB_APP_ROLE", "lenddesk_app")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, broker ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lenddesk.web.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lenddesk",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lenddesk_cache",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
if ENV == "test":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
# CELERY_VISIBILITY_TIMEOUT: seconds before Redis hands an unacknowledged task (its
# worker died) to another worker; the kill -9 test (T47) sets 15.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
    "visibility_timeout": env_int(
        "CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1, maximum=30 * 86400
    )
}
if CELERY_BROKER_URL == "filesystem://":
    _queue = HOME / "queue"
    for _folder in ("out", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "out"),
        "data_folder_out": str(_queue / "out"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),  # not the working directory
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = ENV == "test"
CELERY_BEAT_SCHEDULE_FILENAME = str(HOME / "celerybeat-schedule")
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "prune-expired-tokens": {"task": "accounts.prune_expired_tokens", "schedule": 3600},
    "customers-pool-return": {
        "task": "customers.pool_return",
        "schedule": crontab(hour=2, minute=30),
    },
    "customers-followup-reminders": {
        "task": "customers.followup_reminders",
        "schedule": 300,
    },
    "prune-idempotency-records": {"task": "web.prune_idempotency", "schedule": 3600},
    "clear-expired-sessions": {
        "task": "accounts.clear_expired_sessions",
        "schedule": 86400,
    },
    "audit-log-chain-anchors": {"task": "audit.log_chain_anchors", "schedule": 3600},
    "acquisition-drain-stale-intake": {
        "task": "acquisition.drain_stale_intake",
        "schedule": 60,
    },
    "orders-flag-overdue": {"task": "orders.flag_overdue", "schedule": 900},
    "notifications-sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": 60,
    },
    "notifications-prune-outbox": {
        "task": "notifications.prune_outbox",
        "schedule": crontab(hour=4, minute=20),
    },
    "finance-receivables-sync": {
        "task": "finance.receivables_sync",
        "schedule": crontab(hour=1, minute=15),
    },
    "orders-reconcile-step-counts": {
        "task": "orders.reconcile_step_counts",
        "schedule": crontab(hour=3, minute=10),
    },
    "warrants-flag-overdue-checkouts": {
        "task": "warrants.flag_overdue_checkouts",
        "schedule": crontab(hour=8, minute=30),
    },
    "orders-afterloan-remind": {
        "task": "orders.afterloan_remind",
        "schedule": crontab(hour=8, minute=0),
    },
    "acquisition-sweep-conversions": {
        "task": "acquisition.sweep_conversions",
        "schedule": 60,
    },
    "analytics-refresh-recent": {"task": "analytics.refresh_recent", "schedule": 300},
    "analytics-refresh-nightly": {
        "task": "analytics.refresh_nightly",
        "schedule": crontab(hour=2, minute=50),
    },
    "performance-task-reminders": {
        "task": "performance.task_reminders",
        "schedule": 900,
    },
    "performance-monthly-reports": {
        "task": "performance.monthly_reports",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
}

# --- Sessions and security headers ----------------------------------------------------
SESSION_COOKIE_AGE = 12 * 3600  # absolute lifetime; idle timeout is per tenant
SESSION_IDLE_TIMEOUT_DEFAULT = timedelta(minutes=30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Never redirected to HTTPS: a load balancer's health probe, and intake, which answers
# plain HTTP with a JSON 403 instead (web.transport): an HTTP client follows a 301 by
# re-sending its POST as a GET, and the lead would be lost.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^api/v1/intake/"]
# Number of trusted reverse proxies in front of the app (nginx = 1).
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0, maximum=100)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # The nonce is sent only on pages that use it (the API docs' init script).
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "lenddesk.security.passwords.ComplexityValidator"},
    {"NAME": "lenddesk.security.passwords.MaximumLengthValidator"},
]

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = HOME / "media"

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lenddesk.accounts.api_auth.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["lenddesk.web.api_permissions.IsTenantUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["lenddesk.web.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lenddesk.web.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "lenddesk.web.throttles.AnonRateThrottle",
        "lenddesk.web.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_ANON_RATE", "60/min"),
        "user": env_str("API_USER_RATE", "1200/min"),
        "token": env_str("API_TOKEN_RATE", "20/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LendDesk API",
    "DESCRIPTION": "Public API of LendDesk. Authenticate with POST /api/v1/auth/token "
    "and send `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Shared credential of the firm's mobile app build; tokens it obtains have client "mobile".
MOBILE_APP_KEY = env_str("MOBILE_APP_KEY")
API_TOKEN_TTL = timedelta(
    hours=env_int("API_TOKEN_TTL_HOURS", 12, minimum=1, maximum=24 * 366)
)

# --- Logging --------------------------------------------------------------------------
LOG_FORMAT = env_str("LOG_FORMAT", "json" if IS_PRODUCTION else "text")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lenddesk.web.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "ts", "levelname": "level"},
        },
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "text") else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": "WARNING" if ENV == "test" else "INFO"},
    },
}

# Outgoing mail for notifications by email (docs/notifications.md).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@lenddesk.local")
# Message channels: absolute links in email/WeChat, provider endpoints (settings only,
# never a firm's input), the domain of Message-IDs.
NOTIFY_SITE_URL = env_str("NOTIFY_SITE_URL")
NOTIFY_EMAIL_DOMAIN = env_str("NOTIFY_EMAIL_DOMAIN", "lenddesk.local")
NOTIFY_ALIYUN_SMS_ENDPOINT = env_str(
    "NOTIFY_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"
)
NOTIFY_WECHAT_API = env_str("NOTIFY_WECHAT_API", "https://api.weixin.qq.com")
