"""The plugin contract of django-nexus-commerce.

Each function below is a *hook specification*: an empty function whose signature and
docstring define what a plugin may implement. A plugin is any module or object with
functions of the same names decorated with :data:`hookimpl`::

    from decimal import Decimal
    from nexus_catalog.plugins import hookimpl

    @hookimpl
    def nexus_unit_price(product, quantity, user):
        if quantity >= 10:
            return (product.price * Decimal("0.9")).quantize(Decimal("0.01"))
        return None  # let the next plugin (finally the catalog price) decide

A plugin implements only the hooks it needs and may accept only the arguments it uses
(pluggy passes arguments by name); a function named ``nexus_*`` that is not a hook below,
or that asks for an argument the hook does not offer, fails the system check
(``nexus_catalog.E004``). Plugins are found through the ``nexus`` entry-point group and
through ``NEXUS_CATALOG["PLUGINS"]``: a module, an object, or a class (instantiated with no
arguments). See :mod:`nexus_catalog.plugins.manager` for the order and the names.

pluggy has no value chaining: a plugin that wants to adjust the price another plugin
chose implements ``nexus_unit_price`` with ``@hookimpl(wrapper=True)`` and changes the
result of ``yield``.

Wrappers apply to the hooks the engine calls as a whole (``nexus_unit_price``,
``nexus_order_validate``, ``nexus_order_pre_transition``). The implementations of the other
hooks (``nexus_order_adjustments``, ``nexus_shipping_methods``, ``nexus_order_created``,
``nexus_order_transitioned``, ``nexus_audit_event``) are called one by one, so that one plugin's failure is isolated and
the engine knows which plugin gave what
(:meth:`~nexus_catalog.plugins.manager.NexusPluginManager.call_each`): a wrapper of one of
those is never called, and is reported once with a warning.

Two kinds of hook run at two moments:

* *Inside the transaction* (``nexus_unit_price``, ``nexus_order_adjustments``,
  ``nexus_order_validate``, ``nexus_order_pre_transition``): the rows they see are locked,
  and an exception they raise rolls back everything; nothing is written. An unexpected
  exception of a pricing hook is logged and answered as a
  :class:`~nexus_catalog.exceptions.PricingError` (400, "a pricing plugin failed").
* *After commit* (``nexus_order_created``, ``nexus_order_transitioned``,
  ``nexus_audit_event``): the change is durable; an exception they raise is logged and
  never undoes it, nor stops the other plugins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from nexus_catalog.models import Cart, Order, Product
    from nexus_catalog.plugins.types import (
        Adjustment,
        AuditEvent,
        DraftLine,
        PaymentProvider,
        ShippingOffer,
    )

PROJECT_NAME = "nexus"

#: Marks a function as a hook specification (used by this module only).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Marks a plugin function as an implementation of a hook.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# -- Pricing ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def nexus_unit_price(product: Product, quantity: int, user: Any) -> Decimal | None:
    """Return the unit price of ``product`` for this order line, or ``None`` to pass.

    Called once per order line while the order is placed, inside its transaction, with
    the product row locked. The first plugin to return a value that is not ``None`` wins
    (``firstresult``); the built-in plugin runs last and returns ``product.price``. To
    change the price another plugin chose (a discount on top of any price list), implement
    this hook with ``@hookimpl(wrapper=True)``: ``price = yield`` gives the chosen price,
    and the wrapper returns the new one.

    :param product: the :class:`~nexus_catalog.models.Product` ordered.
    :param quantity: the quantity ordered on this line (1 or more).
    :param user: the customer placing the order; ``None`` for a guest (``GUEST_CHECKOUT``)
        and when a cart is priced for an anonymous visitor.
    :return: a non-negative :class:`~decimal.Decimal` in the order currency (rounded by the
        engine to two places), or ``None``. A negative price or a value that is not a number
        refuses the order with a :class:`~nexus_catalog.exceptions.PricingError`.
    """


@hookspec
def nexus_order_adjustments(
    order: Order, lines: Sequence[DraftLine], user: Any
) -> Iterable[Adjustment] | None:
    """Return the adjustments this plugin adds to an order: discounts, tax, shipping.

    Called once per order, inside its transaction, after every line is priced. Every
    plugin is called; their adjustments are stored as
    :class:`~nexus_catalog.models.OrderAdjustment` rows in the order they come, each
    with ``source`` set to the plugin's name, and the order total is the subtotal plus
    every adjustment.

    Every plugin sees the same subtotal, before any adjustment: adjustments do not chain.
    An amount that must follow a discount (a tax on the discounted amount, free shipping
    from a threshold) is computed from a discounted subtotal when the discount lowers the
    unit price (``nexus_unit_price`` with ``wrapper=True``) rather than adding a negative
    adjustment; the demo plugins of the example project do so.

    :param order: the :class:`~nexus_catalog.models.Order` being placed; ``user`` (``None``
        for a guest order), ``subtotal`` and ``currency`` are set. It is not saved yet (no ``pk``, no lines in
        the database): it is saved with its total, then its adjustments and lines, once
        every plugin has answered, in the same transaction.
    :param lines: the priced :class:`~nexus_catalog.plugins.types.DraftLine` objects.
    :param user: the customer placing the order; ``None`` for a guest (``GUEST_CHECKOUT``)
        and when a cart is priced for an anonymous visitor.
    :return: an iterable of :class:`~nexus_catalog.plugins.types.Adjustment`, or ``None``.
        Adjustments that would make the total negative refuse the order with a
        :class:`~nexus_catalog.exceptions.PricingError`; nothing is written.
    """


@hookspec
def nexus_shipping_methods(
    cart: Cart, address: dict[str, str] | None
) -> Iterable[ShippingOffer] | None:
    """Offer ways to ship a cart (a carrier plugin), besides the
    :class:`~nexus_catalog.models.ShippingMethod` rows.

    Called whenever the shipping methods of a cart are listed
    (``GET /api/carts/<token>/shipping-methods/``), when a cart is priced with a method
    chosen (every read of the cart), and at checkout, inside its transaction. Every plugin
    is called, one by one: one that raises is logged and its offers are left out (at
    checkout, a method no longer offered is a ``400`` on ``shipping_method``). A code that
    a row or an earlier plugin already offers is ignored.

    The chosen offer becomes an order adjustment (code ``shipping``, source
    ``nexus.shipping``): its ``price``, or nothing when the subtotal reaches its
    ``free_over``.

    :param cart: the :class:`~nexus_catalog.models.Cart` (read it, do not change it).
    :param address: the cart's shipping address (the keys of
        ``nexus_accounts.models.addresses.ADDRESS_FIELDS``, ``country`` an ISO 3166-1
        alpha-2 code), or ``None`` when the customer has not given one yet.
    :return: an iterable of :class:`~nexus_catalog.plugins.types.ShippingOffer`, or
        ``None``. An offer that is not a ``ShippingOffer`` with a non-negative ``Decimal``
        price is logged and left out.
    """


# -- Order lifecycle ----------------------------------------------------------------------


@hookspec
def nexus_order_validate(user: Any, lines: Sequence[DraftLine]) -> None:
    """Check an order before anything is written; raise to refuse it.

    Called once per order, inside its transaction, after the engine's own checks (known,
    active products, quantities, stock) and after pricing, before the order is written.
    The units asked for are already held by the transaction (taken by the same statement
    that locks each product row); a refusal rolls them back.

    :param user: the customer placing the order; ``None`` for a guest (``GUEST_CHECKOUT``)
        and when a cart is priced for an anonymous visitor.
    :param lines: the priced :class:`~nexus_catalog.plugins.types.DraftLine` objects.
    :raises nexus_catalog.exceptions.OrderRefused: to refuse the order; the API answers 400
        with the exception's message (under its ``field``, if given). Nothing is written
        and no stock is taken.
    """


@hookspec
def nexus_order_created(order: Order) -> None:
    """React to a new order (send a notification, reserve a shipment...).

    ``order.user`` is ``None`` for a guest order; its ``email`` is then the customer's.

    Called once, *after* the transaction that placed the order has committed: never for
    an order that was rolled back. An exception is logged and does not affect the order.

    :param order: the committed :class:`~nexus_catalog.models.Order`.
    """


@hookspec
def nexus_order_pre_transition(order: Order, source: str, target: str, actor: Any) -> None:
    """Check a status change before it happens; raise to veto it.

    Called inside the transaction, with the order row locked, after the engine has checked
    that ``source -> target`` is an allowed move for ``actor``.

    :param order: the :class:`~nexus_catalog.models.Order`, still in status ``source``.
    :param source: the current status.
    :param target: the requested status.
    :param actor: the user asking for the change, ``None`` for the system (the unpaid
        order sweep), a :class:`~nexus_catalog.services.audit.ServiceActor` (a payment
        provider), or a :class:`~nexus_catalog.services.audit.GuestActor` (the guest
        cancelling their own order: not a user, ``pk`` is ``None``). ``order.user`` is
        ``None`` for a guest order.
    :raises nexus_catalog.exceptions.TransitionVetoed: to veto the move; the API answers
        400 with the message and the order stays as it was.
    """


@hookspec
def nexus_order_transitioned(order: Order, source: str, target: str, actor: Any) -> None:
    """React to a status change that has been committed.

    Called once, *after* commit. An exception is logged and does not undo the change.

    :param order: the :class:`~nexus_catalog.models.Order`, now in status ``target``.
    :param source: the previous status.
    :param target: the new status.
    :param actor: as for ``nexus_order_pre_transition``: a user, ``None`` for the system,
        a ``ServiceActor`` or a ``GuestActor``.
    """


# -- Audit sinks --------------------------------------------------------------------------


@hookspec
def nexus_audit_event(event: AuditEvent) -> None:
    """Receive one audit event: ship it to a log, a SIEM, a webhook, a data warehouse.

    The database is the built-in record, not a sink: the
    :class:`~nexus_catalog.models.AuditLog` row is written in the same transaction as the
    change, so no change goes unrecorded whatever the sinks do, and it is the outbox the
    sinks are fed from. The built-in sinks are the ``nexus_catalog.audit`` logger (one JSON
    line per event), the order-created e-mail (``nexus.notifications.email``, on
    ``order.created`` only) and, when ``WEBHOOK_URLS`` is set, the signed webhook
    (:mod:`nexus_catalog.plugins.webhooks`). Sinks are called after
    commit: through Celery when a broker is configured (with retries), otherwise in the
    process that made the change. Every sink is called; one that raises is logged with
    the event id and the others still receive the event. A sink may be called more than
    once for the same ``event.event_id`` (at-least-once delivery): deduplicate on it.

    :param event: the :class:`~nexus_catalog.plugins.types.AuditEvent`.
    """


# -- Payments -----------------------------------------------------------------------------


@hookspec
def nexus_payment_providers() -> Iterable[PaymentProvider] | None:
    """Return the payment providers this plugin offers.

    Called (each implementation on its own) whenever the engine needs a provider: to
    start a payment (``POST /api/orders/<id>/payments/ {"provider": code}``), to receive a
    webhook (``/api/payments/webhooks/<code>/``), to capture, refund or reconcile. The
    built-in plugin ``nexus.payments`` offers ``manual`` always and ``stripe`` when
    ``PAYMENTS["STRIPE_SECRET_KEY"]`` is set. Two providers with the same ``code``: the
    first registered wins and the other is logged and ignored; a plugin that raises is
    logged and its providers are missing, the others still work.

    A provider is any object with these attributes (see
    :class:`~nexus_catalog.plugins.types.PaymentProvider`, and the guide *Payments*):

    ``code``
        a short slug naming it in URLs and on each :class:`~nexus_catalog.models.Payment`.
    ``start(payment, *, idempotency_key)``
        ask the provider to take ``payment.amount`` in ``payment.currency`` for
        ``payment.order``; return a :class:`~nexus_catalog.plugins.types.ProviderPayment`
        (its ``reference``, status, and what the client needs: ``client_secret``,
        ``next_action``). Called inside the transaction that creates the payment; send
        ``idempotency_key`` to the provider so that a retry after a rollback does not
        charge twice.
    ``capture(payment, *, idempotency_key)``
        take the money of an authorized (or, for ``manual``, pending) payment; return a
        ``ProviderPayment``.
    ``refund(payment, amount, *, idempotency_key)``
        give ``amount`` (a ``Decimal``) of a captured payment back; return a
        :class:`~nexus_catalog.plugins.types.ProviderRefund`, or raise
        :class:`~nexus_catalog.exceptions.PaymentProviderError` when the provider refuses.
    ``parse_webhook(body, headers)``
        verify the signature of a webhook (``body`` the raw bytes, ``headers`` a mapping
        with case-insensitive keys) and return a
        :class:`~nexus_catalog.plugins.types.WebhookEvent`; raise
        :class:`~nexus_catalog.exceptions.WebhookSignatureError` when the signature is
        missing or wrong (the API answers 400 and writes nothing).
    ``retrieve(payment)``
        ask the provider what the payment is now (reconciliation, and the unpaid-order
        sweep before it cancels an order with a payment in flight); return a
        ``ProviderPayment``.

    Every method but ``parse_webhook`` may raise
    :class:`~nexus_catalog.exceptions.PaymentProviderError` (refused, or unreachable): the
    engine then writes nothing for that step and says so.

    :return: an iterable of provider objects, or ``None``.
    """
