"""The raw baselines answer what the API answers, through the shortest path."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from django.test import RequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from benchmarks import baselines
from nexus_catalog.models import AuditLog, InventoryMovement, Order, Product
from nexus_catalog.tasks import deliver_audit_event
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rf() -> RequestFactory:
    return RequestFactory()


def body(response) -> dict:
    return orjson.loads(response.content)


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(user)}"}


def place(rf: RequestFactory, user, items: list[dict], view=baselines.order_place):
    request = rf.post(
        "/bench/orders/place/",
        data=orjson.dumps({"items": items}),
        content_type="application/json",
        **bearer(user),
    )
    return view(request)


def test_product_list_pages_active_products_by_name(rf):
    for name in ("Cherry", "Apple", "Banana"):
        ProductFactory(name=name)
    ProductFactory(name="Aardvark", is_active=False)
    data = body(baselines.product_list(rf.get("/bench/products/", {"page_size": 2})))
    assert data["count"] == 3
    assert [p["name"] for p in data["results"]] == ["Apple", "Banana"]
    assert data["next"].endswith("page=2") and data["previous"] is None
    assert data["results"][0]["price"] == "10.00"


def test_product_list_filters_by_category_and_price(rf):
    category = CategoryFactory()
    ProductFactory(category=category, price=Decimal("5.00"))
    wanted = ProductFactory(category=category, price=Decimal("50.00"))
    ProductFactory(price=Decimal("50.00"))
    query = {"category": category.pk, "min_price": "10", "max_price": "100"}
    data = body(baselines.product_list(rf.get("/bench/products/", query)))
    assert [p["id"] for p in data["results"]] == [wanted.pk]


def test_product_list_refuses_a_bad_filter_value(rf):
    assert baselines.product_list(rf.get("/bench/products/", {"min_price": "x"})).status_code == 400


def test_product_detail_hides_inactive_products(rf):
    active, inactive = ProductFactory(), ProductFactory(is_active=False)
    assert body(baselines.product_detail(rf.get("/"), active.pk))["sku"] == active.sku
    assert baselines.product_detail(rf.get("/"), inactive.pk).status_code == 404


def test_order_place_takes_stock_and_stores_prices(rf):
    user, product = UserFactory(), ProductFactory(price=Decimal("12.50"), stock=5)
    response = place(rf, user, [{"product": product.pk, "quantity": 2}])
    assert response.status_code == 201
    order = Order.objects.get(pk=body(response)["id"])
    assert (order.user, order.total) == (user, Decimal("25.00"))
    assert order.lines.get().unit_price == Decimal("12.50")
    assert Product.objects.get(pk=product.pk).stock == 3


def test_order_place_over_stock_writes_nothing(rf):
    user = UserFactory()
    plenty, scarce = ProductFactory(stock=5), ProductFactory(stock=1)
    items = [{"product": plenty.pk, "quantity": 1}, {"product": scarce.pk, "quantity": 2}]
    assert place(rf, user, items).status_code == 400
    assert not Order.objects.exists()
    assert Product.objects.get(pk=plenty.pk).stock == 5


def test_order_place_needs_a_token(rf):
    request = rf.post("/bench/orders/place/", data=b"{}", content_type="application/json")
    assert baselines.order_place(request).status_code == 401


def test_order_list_shows_only_the_callers_orders_with_lines(rf):
    owner, other, product = UserFactory(), UserFactory(), ProductFactory(stock=10)
    place(rf, owner, [{"product": product.pk, "quantity": 1}])
    place(rf, other, [{"product": product.pk, "quantity": 1}])
    data = body(baselines.order_list(rf.get("/bench/orders/", **bearer(owner))))
    assert data["count"] == 1
    assert data["results"][0]["user"] == owner.pk
    assert data["results"][0]["lines"][0]["product"] == product.pk


def test_same_work_placement_writes_the_ledger_and_the_audit_row(
    rf, django_capture_on_commit_callbacks
):
    user, product = UserFactory(), ProductFactory(price=Decimal("12.50"), stock=5)
    with django_capture_on_commit_callbacks() as callbacks:
        response = place(
            rf, user, [{"product": product.pk, "quantity": 2}], baselines.order_place_same_work
        )
    assert response.status_code == 201
    order = Order.objects.get(pk=body(response)["id"])
    movement = InventoryMovement.objects.get(order_line__order=order)
    assert (movement.order_line, movement.change, movement.actor) == (order.lines.get(), -2, user)
    assert movement.product_id == product.pk and movement.reason == "order"
    log = AuditLog.objects.get(action="order.created")
    assert (log.action, log.object_id, log.actor, log.actor_repr) == (
        "order.created",
        str(order.pk),
        user,
        user.username,
    )
    assert log.after["total"] == "25.00" and log.delivered_at is None
    assert len(log.request_id) == 32  # a new one, as the API writes when the client sends none
    # The delivery of that event, queued only once the order committed.
    assert [callback.args for callback in callbacks] == [(str(log.event_id),)]


def test_same_work_placement_refuses_an_inactive_user(rf):
    user, product = UserFactory(is_active=False), ProductFactory(stock=5)
    items = [{"product": product.pk, "quantity": 1}]
    assert place(rf, user, items, baselines.order_place_same_work).status_code == 401
    assert not Order.objects.exists()


def test_same_work_placement_queues_the_packages_delivery_task(monkeypatch):
    sent = []
    monkeypatch.setattr(baselines.current_app.conf, "broker_url", "redis://queue.invalid")
    monkeypatch.setattr(baselines.current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        baselines.current_app, "send_task", lambda name, **options: sent.append((name, options))
    )
    baselines._enqueue_delivery("event-1")
    assert sent == [(deliver_audit_event.name, {"args": ["event-1"], "ignore_result": True})]


@pytest.fixture
def shelf_with_variants(category):
    from nexus_catalog.models import ProductImage
    from nexus_catalog.services import catalog
    from tests.factories import ParentProductFactory

    ProductFactory(category=category, name="Anvil", price=Decimal("30.00"))
    shirt = ParentProductFactory(category=category, name="Shirt", option_names=["size"])
    for size, price in (("M", "12.00"), ("L", "15.00")):
        catalog.create_product(
            {
                "name": f"Shirt {size}",
                "sku": f"SHIRT-{size}",
                "price": Decimal(price),
                "category": category,
                "parent": shirt,
                "option_values": {"size": size},
            },
            actor=None,
            stock=3,
        )
    ProductImage.objects.create(product=shirt, image="nexus/products/shirt.png", alt_text="A")
    return shirt


@pytest.mark.parametrize(
    "query",
    [{"page_size": 20}, {"min_price": "10", "max_price": "13"}, {"search": "shirt"}],
)
def test_product_list_answers_the_apis_document(rf, api_client, shelf_with_variants, query):
    api = api_client.get("/api/products/", query).json()
    raw = body(baselines.product_list(rf.get("/bench/products/", query)))
    assert raw["results"] == api["results"] and raw["count"] == api["count"]
    assert "Shirt" in {row["name"] for row in raw["results"]}


def test_product_detail_and_facets_answer_the_apis_documents(rf, api_client, shelf_with_variants):
    pk = shelf_with_variants.pk
    assert (
        body(baselines.product_detail(rf.get("/"), pk))
        == api_client.get(f"/api/products/{pk}/").json()
    )
    assert (
        body(baselines.product_facets(rf.get("/")))
        == api_client.get("/api/products/facets/").json()
    )


def test_order_placement_and_list_answer_the_apis_fields(rf, auth_client):
    user, product = UserFactory(), ProductFactory(stock=10)
    api = auth_client(user).post(
        "/api/orders/", {"items": [{"product": product.pk, "quantity": 1}]}, format="json"
    )
    assert api.status_code == 201, api.content
    raw = body(place(rf, user, [{"product": product.pk, "quantity": 1}]))
    assert set(raw) == set(api.json())
    listed = body(baselines.order_list(rf.get("/bench/orders/", **bearer(user))))["results"]
    assert {frozenset(row) for row in listed} == {frozenset(api.json())}
    assert raw["shipping_postal_address"] is None and raw["email"] == ""
