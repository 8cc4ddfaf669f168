# django-nexus-commerce: append to the settings.py that `django-admin startproject` wrote.
from datetime import timedelta

INSTALLED_APPS += [
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",  # logout and rotation blacklist refresh tokens
    "django_filters",
    "drf_yasg",  # Swagger UI and ReDoc
    "nexus_catalog",
    "nexus_accounts",
]

# After AuthenticationMiddleware (appending does that): a retried write with the same
# Idempotency-Key runs once.
MIDDLEWARE += ["nexus_catalog.idempotency.middleware.IdempotencyMiddleware"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # Behind a reverse proxy that appends to X-Forwarded-For, the number of such proxies;
    # unset, the login and register throttles count clients by REMOTE_ADDR.
    # "NUM_PROXIES": 1,
}

# Refresh tokens are single use: the accounts checks (nexus_accounts.E003) require both.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

# The schema documents the Idempotency-Key header on every write the middleware handles,
# and Swagger UI's "Authorize" takes "Bearer <access token>".
SWAGGER_SETTINGS = {
    "DEFAULT_AUTO_SCHEMA_CLASS": "nexus_catalog.idempotency.schema.IdempotentAutoSchema",
    "SECURITY_DEFINITIONS": {
        "Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"},
    },
}

# Order e-mails are files in sent_emails/ while you try it out; for real mail, Django's SMTP
# backend and its EMAIL_* settings. (Django's default, SMTP on localhost, fails without a
# mail server: the order is placed, and the failure logged.)
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "sent_emails"

# Every key has a default; set only what you change (see the settings reference).
NEXUS_CATALOG = {
    "CURRENCY": "USD",
}
NEXUS_ACCOUNTS = {
    "REGISTER_THROTTLE_RATE": "5/min",
}
