"""Settings of the benchmarked server: the example project, production-like, plus the baselines.

``benchmarks/run.py`` sets the environment before gunicorn imports this module:
``DATABASE_URL`` (PostgreSQL) or ``SQLITE_PATH`` (SQLite), and ``SECRET_KEY``. Everything
that is not needed to serve the load (SSL redirect, secure cookies, HSTS) is switched off
so that plain HTTP on 127.0.0.1 works; everything the example project does on a request
(middleware, authentication, pagination, rendering) is left as a user gets it.
"""

import os

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "nexus-bench-not-a-secret-only-for-loopback-load")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# One login per client and run: the token must outlive the longest run.
os.environ.setdefault("JWT_ACCESS_MINUTES", "240")

from example_project.settings import *  # noqa: F403
from example_project.settings import NEXUS_ACCOUNTS, NEXUS_CATALOG, REST_FRAMEWORK

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.urls"

SECURE_SSL_REDIRECT = False
SECURE_PROXY_SSL_HEADER = None
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# No collectstatic for a benchmark: the manifest storage would fail on the admin's assets.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The harness logs its clients in once per run; hashing stays the project's own.
NEXUS_ACCOUNTS = {
    **NEXUS_ACCOUNTS,
    "LOGIN_THROTTLE_RATE": "100000/min",
    "REGISTER_THROTTLE_RATE": "100000/min",
}

# Load comes from a handful of clients on one address: any per-client throttle of the host
# would turn the measurement into a measurement of 429s.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(
        REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "1000000/min"
    ),
}

# With a broker (run.py passes CELERY_BROKER_URL unless --eager), the audit deliveries and
# order e-mails are queued on the benchmark's own queue, which run.py deletes afterwards.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("NEXUS_BENCH_QUEUE", "nexus-bench")

# Idempotency-Key is optional: the scenarios measure both with and without it.
NEXUS_CATALOG = {
    **NEXUS_CATALOG,
    "IDEMPOTENCY": {**NEXUS_CATALOG.get("IDEMPOTENCY", {}), "REQUIRED": []},
}
