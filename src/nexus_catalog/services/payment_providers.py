"""Finding payment providers, and the idempotency keys the engine sends them.

Providers come from the ``nexus_payment_providers`` hook (the built-in ``manual`` and
``stripe`` through the plugin ``nexus.payments``, and any plugin's). Each implementation is
called on its own: a plugin that raises is logged and the others' providers still work.
"""

from __future__ import annotations

import hashlib
import logging

from nexus_catalog.exceptions import UnknownPaymentProvider
from nexus_catalog.models import Payment
from nexus_catalog.plugins.manager import get_plugin_manager
from nexus_catalog.plugins.types import PaymentProvider

logger = logging.getLogger(__name__)


def payment_providers() -> dict[str, PaymentProvider]:
    """Every provider offered by the plugins, by code; the first of a code wins."""
    found: dict[str, PaymentProvider] = {}
    for outcome in get_plugin_manager().call_each("nexus_payment_providers", {}):
        if outcome.failed:
            logger.error(
                "Plugin %s failed in nexus_payment_providers; its providers are missing",
                outcome.plugin_name,
                exc_info=outcome.error,
            )
            continue
        for provider in outcome.result or ():
            code = getattr(provider, "code", None)
            if not isinstance(code, str) or not code:
                logger.error("Plugin %s offered a provider without a code", outcome.plugin_name)
            elif code in found:
                logger.warning(
                    "Payment provider %r of plugin %s ignored: the code is taken",
                    code,
                    outcome.plugin_name,
                )
            else:
                found[code] = provider
    return found


def get_provider(code: str) -> PaymentProvider:
    """The provider of ``code``.

    :raises UnknownPaymentProvider: no plugin offers it (on the field ``provider``).
    """
    provider = payment_providers().get(code)
    if provider is None:
        raise UnknownPaymentProvider(f'"{code}" is not a payment provider.', field="provider")
    return provider


def provider_idempotency_key(payment: Payment, step: str, client_key: str | None = None) -> str:
    """The idempotency key sent to the provider for one ``step`` of ``payment``.

    With the client's ``Idempotency-Key``, the key is derived from the order, the provider,
    the step and that key: the request's transaction (and so the :class:`Payment` row) may
    have rolled back after the provider acted, and the retry, with the same client key,
    sends the same key, so the provider answers with what it did instead of charging
    again. The client's key is hashed with the order id because a provider's keys are
    shared by every client of the shop. Without a client key, the key is derived from the
    payment's own uuid, which protects the provider call's own retries.
    """
    if client_key is not None:
        source = f"order:{payment.order_id}:{payment.provider}:{step}:client:{client_key}"
    else:
        source = f"payment:{payment.uuid}:{step}"
    return "nexus-" + hashlib.sha256(source.encode()).hexdigest()
