"""The Django settings the documentation build runs with.

autodoc imports the apps (the hook specifications, the settings defaults, the management
commands), so Django must be set up; these settings need nothing beyond the package's own
dependencies, so ``pip install -e ".[docs]"`` is enough to build the docs (as Read the Docs
does). Deliberately not ``tests.settings``, which needs the test extra.
"""

SECRET_KEY = "docs-build-only-not-a-secret"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_yasg",
    "nexus_catalog",
    "nexus_accounts",
]
# Nothing is queried while the docs build; the apps' models need a configured database.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
NEXUS_CATALOG: dict = {}
NEXUS_ACCOUNTS: dict = {}
