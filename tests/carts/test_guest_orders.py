"""Guest orders outside the API: the service guards, the e-mail, the unpaid sweep, the
admin and the database constraint all cope with an order that has no user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from nexus_catalog.exceptions import GuestCheckoutDisabled, TransitionForbidden
from nexus_catalog.models import AuditLog, Cart, CartLine, Order, OrderStatus, Product
from nexus_catalog.notifications import send_order_created
from nexus_catalog.services import guest
from nexus_catalog.services.audit import GuestActor
from nexus_catalog.services.checkout import checkout
from nexus_catalog.services.ordering import cancel_order, place_order, transition_order
from nexus_catalog.services.unpaid import cancel_unpaid_orders
from tests.carts.conftest import ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_checkout(settings):
    settings.NEXUS_CATALOG = {**settings.NEXUS_CATALOG, "GUEST_CHECKOUT": True}


def anonymous_cart(product, quantity: int = 1) -> str:
    cart = Cart.objects.create(email="ada@example.com", shipping_address=ADDRESS)
    CartLine.objects.create(cart=cart, product=product, quantity=quantity)
    return cart.token


@pytest.fixture
def guest_order(guest_checkout, tea) -> Order:
    return checkout(anonymous_cart(tea, 2), AnonymousUser())


def test_the_service_refuses_a_guest_checkout_while_the_setting_is_off(tea):
    token = anonymous_cart(tea)

    with pytest.raises(GuestCheckoutDisabled):
        checkout(token, AnonymousUser())
    assert Order.objects.count() == 0


def test_the_service_returns_the_secret_that_admits_the_order(guest_order):
    assert guest_order.user is None
    assert guest.admits(guest_order.pk, guest_order.guest_secret)
    assert guest.admits(str(guest_order.pk), guest_order.guest_secret)
    assert not guest.admits(guest_order.pk, guest_order.guest_secret + "x")
    assert not guest.admits(guest_order.pk + 1, guest_order.guest_secret)
    assert not guest.admits("nope", guest_order.guest_secret)
    assert not guest.admits(guest_order.pk, None)


def test_an_order_without_user_or_secret_is_refused(tea):
    with pytest.raises(ValueError):
        place_order(None, [{"product": tea.pk, "quantity": 1}])
    assert Order.objects.count() == 0
    assert Product.objects.get(pk=tea.pk).stock == 20


def test_the_database_refuses_an_order_without_user_or_secret(customer, tea):
    order = place_order(customer, [{"product": tea.pk, "quantity": 1}])

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(user=None)


def test_a_guest_actor_of_another_order_cannot_cancel(guest_order, customer):
    with pytest.raises(TransitionForbidden):
        transition_order(guest_order, OrderStatus.CANCELLED, GuestActor(guest_order.pk + 1))
    with pytest.raises(TransitionForbidden):
        cancel_order(guest_order, customer)
    assert Order.objects.get(pk=guest_order.pk).status == OrderStatus.PENDING


def test_a_guest_actor_cannot_cancel_a_customers_order(customer, tea):
    order = place_order(customer, [{"product": tea.pk, "quantity": 1}])

    with pytest.raises(TransitionForbidden):
        transition_order(order, OrderStatus.CANCELLED, GuestActor(order.pk))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_the_order_email_goes_to_the_guests_address(guest_order):
    assert send_order_created(guest_order.pk) is True

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.body.startswith(f"Hello {ADDRESS['name']},")
    assert guest_order.guest_secret not in message.body


def test_the_unpaid_sweep_cancels_a_guest_order_as_the_system(guest_order, tea):
    Order.objects.filter(pk=guest_order.pk).update(created_at=timezone.now() - timedelta(days=2))

    assert cancel_unpaid_orders() == 1

    assert Order.objects.get(pk=guest_order.pk).status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=tea.pk).stock == 20
    moved = AuditLog.objects.filter(action="order.transitioned", object_id=str(guest_order.pk))
    assert list(moved.values_list("actor_repr", flat=True)) == ["system"]


def test_the_admin_lists_and_shows_guest_orders(admin_client, guest_order):
    listed = admin_client.get(reverse("admin:nexus_catalog_order_changelist"))
    shown = admin_client.get(reverse("admin:nexus_catalog_order_change", args=[guest_order.pk]))

    assert listed.status_code == shown.status_code == 200
    assert "ada@example.com" in listed.content.decode()
    assert guest_order.guest_secret_hash not in shown.content.decode()
