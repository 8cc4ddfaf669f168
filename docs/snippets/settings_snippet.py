# django-nexus-commerce: append to the settings.py that `django-admin startproject` wrote.
from datetime import timedelta

INSTALLED_APPS += [
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",  # logout blacklists refresh tokens
    "django_filters",
    "drf_yasg",  # Swagger UI and ReDoc
    "nexus_catalog",
    "nexus_accounts",
]

# After AuthenticationMiddleware: a retried write with the same Idempotency-Key runs once.
MIDDLEWARE += ["nexus_catalog.idempotency.middleware.IdempotencyMiddleware"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}

NEXUS_CATALOG = {
    "CURRENCY": "USD",
}
NEXUS_ACCOUNTS = {
    "REGISTER_THROTTLE_RATE": "5/min",
}
