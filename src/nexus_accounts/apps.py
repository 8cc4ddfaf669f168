from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NexusAccountsConfig(AppConfig):
    name = "nexus_accounts"
    label = "nexus_accounts"
    verbose_name = _("Nexus accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from nexus_accounts import checks  # noqa: F401
        from nexus_accounts.signals import user_saved

        post_save.connect(
            user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="nexus_accounts.user_saved"
        )
