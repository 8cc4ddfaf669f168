from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NexusCatalogConfig(AppConfig):
    name = "nexus_catalog"
    label = "nexus_catalog"
    verbose_name = _("Nexus catalog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks; plugins are loaded lazily on first use, never here.
        from nexus_catalog import checks  # noqa: F401
