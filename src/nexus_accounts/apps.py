from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NexusAccountsConfig(AppConfig):
    name = "nexus_accounts"
    label = "nexus_accounts"
    verbose_name = _("Nexus accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from nexus_accounts import checks  # noqa: F401
