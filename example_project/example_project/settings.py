"""Settings of the example host project, read from the environment (and ``.env`` if present).

Every variable is documented in ``.env.example``. The defaults are safe for production
(``DEBUG`` off, no hosts allowed); ``make run`` sets ``DEBUG=True`` for the local demo.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=True for a demo).")
    SECRET_KEY = "insecure-demo-key-only-for-debug-mode"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_yasg",
    "nexus_catalog",
    "nexus_accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After AuthenticationMiddleware: it scopes keys to the session user as a fallback.
    "nexus_catalog.idempotency.middleware.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The landing page (templates/home.html).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Database, in this order: DATABASE_URL; USE_POSTGRES with POSTGRES_*; a SQLite file.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
elif env_bool("USE_POSTGRES"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("POSTGRES_DB", "nexus"),
            "USER": os.environ.get("POSTGRES_USER", "postgres"),
            "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
            "HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
            "PORT": os.environ.get("POSTGRES_PORT", "5432"),
            "CONN_MAX_AGE": 60,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # Writers queue for the lock (BEGIN IMMEDIATE) and wait up to 20 s for it,
                # instead of failing with "database is locked" under concurrent requests.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

# Cache: Redis when REDIS_URL is set, so throttle counters are shared by every worker.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
# Uploaded files (product images): local files here, served by runserver in DEBUG (see
# urls.py); in production a web server serves MEDIA_URL, or STORAGES["default"] names S3
# or another django-storages backend (docs/guide/catalog.md).
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or BASE_DIR / "media"
MEDIA_URL = os.environ.get("MEDIA_URL") or "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Proxies in front that append to X-Forwarded-For. Unset, the login and register
    # throttles count clients by REMOTE_ADDR, since a client can forge X-Forwarded-For.
    "NUM_PROXIES": int(os.environ["NUM_PROXIES"]) if os.environ.get("NUM_PROXIES") else None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "7"))),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
}

# drf-yasg 1.21: format names without the leading dot (matches the swagger.<format> URL).
SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "USE_SESSION_AUTH": False,
    # Documents the Idempotency-Key header on every write the middleware handles.
    "DEFAULT_AUTO_SCHEMA_CLASS": "nexus_catalog.idempotency.schema.IdempotentAutoSchema",
    "SECURITY_DEFINITIONS": {
        "Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"},
    },
}

# The demo (DEBUG) writes each e-mail to a file in EMAIL_FILE_PATH, so that the order e-mails
# of nexus_seed_demo and of the demo's requests do not flood the terminal; `make run` says
# where they are. Otherwise, the console (a PaaS keeps it as the log) until EMAIL_BACKEND
# names a real backend (django.core.mail.backends.smtp.EmailBackend and the EMAIL_* settings).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or BASE_DIR / "sent_emails"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shop@example.com")

NEXUS_CATALOG = {
    "CURRENCY": os.environ.get("NEXUS_CURRENCY", "USD"),
    # The demo shows guest checkout (docs/guide/checkout.md); the package's default is off.
    "GUEST_CHECKOUT": env_bool("NEXUS_GUEST_CHECKOUT", True),
    # The `stripe` provider is offered when STRIPE_SECRET_KEY is set (docs/guide/payments.md);
    # STRIPE_API_BASE points the SDK at an emulator (localstripe) instead of Stripe.
    "PAYMENTS": {
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_CAPTURE_METHOD": os.environ.get("STRIPE_CAPTURE_METHOD", "automatic"),
    },
}
# The links of the accounts e-mails open pages of a storefront; the demo has none, so they
# point at the demo's host: copy the uid and token (or the key) from the e-mail file in
# sent_emails/ into the API calls of the accounts guide.
NEXUS_ACCOUNTS = {
    "PASSWORD_RESET_URL": os.environ.get(
        "NEXUS_PASSWORD_RESET_URL", "http://127.0.0.1:8000/reset/{uid}/{token}"
    ),
    "EMAIL_VERIFICATION": os.environ.get("NEXUS_EMAIL_VERIFICATION", "none"),
    "EMAIL_VERIFICATION_URL": os.environ.get(
        "NEXUS_EMAIL_VERIFICATION_URL", "http://127.0.0.1:8000/verify/{key}"
    ),
}

# Celery (example_project/celery.py). No CELERY_BROKER_URL: tasks run in the process that
# sends them, so the demo needs no server. With one: a worker and beat (see the Procfile).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# No task result is read, so no result backend.
CELERY_TASK_IGNORE_RESULT = True
# A message is acknowledged after its task ran: a worker that dies mid-task leaves it to
# another (every task is safe to run twice), and takes one message at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not hold up a request for long: the enqueue gives up within
# about a second, and the event waits in the audit outbox for the redelivery sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: seconds before an unacknowledged message goes back to the queue; longer than
    # the longest task (the e-mail retries' countdowns are counted from each attempt).
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULE = {
    "nexus-redeliver-audit-events": {
        "task": "nexus_catalog.tasks.redeliver_audit_events",
        "schedule": timedelta(minutes=1),
    },
    "nexus-cancel-unpaid-orders": {
        "task": "nexus_catalog.tasks.cancel_unpaid_orders",
        "schedule": timedelta(minutes=5),
    },
    "nexus-reconcile-payments": {
        "task": "nexus_catalog.tasks.reconcile_payments",
        "schedule": timedelta(minutes=5),
    },
    "nexus-purge-idempotency-records": {
        "task": "nexus_catalog.tasks.purge_idempotency_records",
        "schedule": timedelta(hours=1),
    },
    "nexus-purge-old-carts": {
        "task": "nexus_catalog.tasks.purge_old_carts",
        "schedule": timedelta(days=1),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own logger has a console handler of its own in DEBUG: without this, every
        # "Not Found: ..." would be printed twice (by it and by the root's).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The logging audit sink writes every audit event as a line of JSON at INFO: wanted
        # by a log shipper in production, noise in the demo's terminal (the events are in
        # the admin's audit log and at /api/orders/<id>/audit/ anyway).
        "nexus_catalog.audit": {
            "level": os.environ.get("AUDIT_LOG_LEVEL") or ("WARNING" if DEBUG else "INFO"),
        },
    },
}

# Production hardening, each switch overridable from the environment.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", not DEBUG) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
