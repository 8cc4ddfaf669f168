"""Product images: staff multipart upload checked by Pillow, a size limit, reorder, delete;
payloads list the URLs in position order."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from nexus_catalog.models import ProductImage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_URL = "/media/"
    return tmp_path


def png(name="p.png", size=(4, 4)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def upload(client, product, file, **fields):
    return client.post(
        f"/api/products/{product.pk}/images/", {"image": file, **fields}, format="multipart"
    )


def test_staff_upload_stores_the_file_and_lists_it(
    auth_client, staff, api_client, product, media_root
):
    response = upload(auth_client(staff), product, png(), alt_text="Front")

    assert response.status_code == 201, response.content
    image = ProductImage.objects.get()
    assert (media_root / image.image.name).exists()
    [shown] = api_client.get(f"/api/products/{product.pk}/").json()["images"]
    assert shown == {
        "id": image.pk,
        "url": f"/media/{image.image.name}",
        "alt_text": "Front",
        "position": 0,
    }


def test_customers_cannot_upload(auth_client, customer, product):
    assert upload(auth_client(customer), product, png()).status_code == 403


def test_a_file_that_is_not_an_image_is_a_400(auth_client, staff, product):
    fake = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")

    response = upload(auth_client(staff), product, fake)

    assert response.status_code == 400
    assert response.json() == {"image": ["Not an image Pillow can read."]}
    assert not ProductImage.objects.exists()


def test_an_image_over_the_size_limit_is_a_400(auth_client, staff, product):
    with override_settings(NEXUS_CATALOG={"MAX_IMAGE_BYTES": 10}):
        response = upload(auth_client(staff), product, png())

    assert response.status_code == 400
    assert "MAX_IMAGE_BYTES" in response.json()["image"][0]


def test_images_come_in_position_order_and_can_be_reordered(
    auth_client, staff, api_client, product
):
    client = auth_client(staff)
    first = upload(client, product, png("a.png")).json()["id"]
    second = upload(client, product, png("b.png")).json()["id"]
    third = upload(client, product, png("c.png"), position=0).json()["id"]

    shown = api_client.get(f"/api/products/{product.pk}/").json()["images"]
    assert [i["id"] for i in shown] == [third, first, second]

    response = client.post(
        f"/api/products/{product.pk}/images/order/",
        {"order": [second, third, first]},
        format="json",
    )
    assert response.status_code == 200, response.content
    shown = api_client.get(f"/api/products/{product.pk}/").json()["images"]
    assert [i["id"] for i in shown] == [second, third, first]


def test_a_reorder_must_name_every_image_once(auth_client, staff, product):
    client = auth_client(staff)
    first = upload(client, product, png()).json()["id"]
    upload(client, product, png())

    response = client.post(
        f"/api/products/{product.pk}/images/order/", {"order": [first]}, format="json"
    )

    assert response.status_code == 400


def test_delete_removes_the_row_and_the_file(
    auth_client, staff, product, media_root, django_capture_on_commit_callbacks
):
    client = auth_client(staff)
    image_id = upload(client, product, png()).json()["id"]
    name = ProductImage.objects.get().image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"/api/products/{product.pk}/images/{image_id}/")

    assert response.status_code == 204
    assert not ProductImage.objects.exists()
    assert not (media_root / name).exists()


def test_list_reads_variants_and_images_in_one_query_each_whatever_the_page(
    auth_client, staff, api_client, category, django_assert_max_num_queries
):
    from tests.catalog.test_query_budget import queries_for
    from tests.factories import ParentProductFactory, ProductFactory, VariantFactory

    client = auth_client(staff)
    for _ in range(3):
        upload(client, ProductFactory(category=category), png())
        parent = ParentProductFactory(category=category, option_names=["size"])
        variant = VariantFactory(parent=parent, option_values={"size": "M"})
        upload(client, variant, png())
    # The count, the page, the variants of its parents, the images of every product shown
    # (queries_for asserts the page holds min(page_size, 6) rows).
    for page_size in (1, 100):
        with django_assert_max_num_queries(4):
            queries_for(api_client, "/api/products/", page_size)
