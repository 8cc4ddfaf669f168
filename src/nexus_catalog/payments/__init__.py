"""The built-in payment providers, offered through the ``nexus_payment_providers`` hook by
the plugin ``nexus.payments`` (:class:`BuiltinPaymentProviders`).

* :class:`~nexus_catalog.payments.manual.ManualProvider` (``manual``): bank transfer, cash on
  delivery; staff capture it when the money arrived. Offered unless
  ``PAYMENTS["MANUAL"]`` is false.
* :class:`~nexus_catalog.payments.stripe_provider.StripeProvider` (``stripe``): Stripe
  PaymentIntents through the official SDK (the ``[stripe]`` extra). Offered when
  ``PAYMENTS["STRIPE_SECRET_KEY"]`` is set.

Disable both with ``DISABLED_PLUGINS = ["nexus.payments"]``.
"""

from __future__ import annotations

from typing import Any

from nexus_catalog.conf import catalog_settings
from nexus_catalog.payments.manual import ManualProvider
from nexus_catalog.plugins.hookspecs import hookimpl


class BuiltinPaymentProviders:
    """The plugin ``nexus.payments``: the built-in providers for the current settings."""

    @hookimpl
    def nexus_payment_providers(self) -> list[Any]:
        config = catalog_settings.PAYMENTS
        providers: list[Any] = []
        if config["MANUAL"]:
            providers.append(ManualProvider())
        if config["STRIPE_SECRET_KEY"]:
            # Imported only when configured: the SDK is an optional extra.
            from nexus_catalog.payments.stripe_provider import StripeProvider

            providers.append(
                StripeProvider(
                    secret_key=config["STRIPE_SECRET_KEY"],
                    webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
                    api_base=config["STRIPE_API_BASE"] or None,
                    capture_method=config["STRIPE_CAPTURE_METHOD"],
                )
            )
        return providers
