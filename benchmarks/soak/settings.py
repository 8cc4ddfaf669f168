"""Settings of the soak server: the example project as it runs in production, on loopback.

``benchmarks/soak/run.py`` sets ``DATABASE_URL`` and ``SECRET_KEY`` before gunicorn imports
this module. Only what plain HTTP on 127.0.0.1 needs is changed (no SSL redirect, no secure
cookies); the middleware, authentication, idempotency, throttles and error handlers are the
example project's own.
"""

import os

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from example_project.settings import *  # noqa: F403
from example_project.settings import MIDDLEWARE, NEXUS_ACCOUNTS

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

SECURE_SSL_REDIRECT = False
SECURE_PROXY_SSL_HEADER = None
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# Static files are not part of the soak (and there is no collectstatic here).
MIDDLEWARE = [entry for entry in MIDDLEWARE if not entry.startswith("whitenoise.")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Every client of the load generator comes from 127.0.0.1: the shipped per-address rates
# would refuse nearly every registration. The rates stay on, only wider (429s are counted).
NEXUS_ACCOUNTS = {
    **NEXUS_ACCOUNTS,
    "REGISTER_THROTTLE_RATE": os.environ.get("SOAK_REGISTER_RATE", "120/min"),
    "LOGIN_THROTTLE_RATE": os.environ.get("SOAK_LOGIN_RATE", "240/min"),
}

# No console e-mails in the server log; tasks run eagerly unless CELERY_BROKER_URL is set.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Django's PBKDF2 (a million rounds) costs about a second of CPU per login or registration:
# the soak would measure password hashing. SOAK_REAL_HASHING=1 keeps the project's hashers.
if os.environ.get("SOAK_REAL_HASHING") != "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
