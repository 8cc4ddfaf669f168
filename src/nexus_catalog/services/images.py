"""Product images: checked by Pillow, stored through Django's storage API, ordered by
position.

Where the files go is the host's ``STORAGES["default"]`` (local ``MEDIA_ROOT`` files, or S3
and the other django-storages backends), so nothing here knows about a backend.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from PIL import Image, UnidentifiedImageError

from nexus_catalog.conf import catalog_settings
from nexus_catalog.exceptions import CatalogValidationError
from nexus_catalog.models import Product, ProductImage
from nexus_catalog.services import audit
from nexus_catalog.services.audit import AuditContext

#: The formats an upload may be (Pillow's names): what browsers show.
FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def check_image(upload: UploadedFile) -> None:
    """Refuse an upload over ``MAX_IMAGE_BYTES`` or that Pillow cannot read as a JPEG, PNG,
    GIF or WebP image (a renamed text file, a truncated image...)."""
    limit = catalog_settings.MAX_IMAGE_BYTES
    if upload.size is None or upload.size > limit:
        raise CatalogValidationError({"image": [f"At most {limit} bytes (MAX_IMAGE_BYTES)."]})
    try:
        upload.seek(0)
        with Image.open(upload) as picture:
            kind = picture.format
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise CatalogValidationError({"image": ["Not an image Pillow can read."]}) from None
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise CatalogValidationError(
            {"image": [f"{kind} images are not accepted: JPEG, PNG, GIF or WebP."]}
        )


def add_image(
    product: Product,
    upload: UploadedFile,
    *,
    alt_text: str = "",
    position: int | None = None,
    actor: Any,
    context: AuditContext | None = None,
) -> ProductImage:
    """Store ``upload`` as an image of ``product``: last unless ``position`` is given (the
    images at or after it move one place down)."""
    check_image(upload)
    with transaction.atomic():
        Product.objects.select_for_update().only("id").get(pk=product.pk)
        images = ProductImage.objects.filter(product=product)
        if position is None:
            last = images.aggregate(last=Max("position"))["last"]
            position = 0 if last is None else last + 1
        else:
            images.filter(position__gte=position).update(position=F("position") + 1)
        image = ProductImage(product=product, alt_text=alt_text, position=position)
        # The storage writes the file; a rollback leaves it orphaned, never a row without one.
        image.image.save(upload.name or "image", upload, save=False)
        image.save()
        audit.record(
            "product.image_added",
            product,
            actor=actor,
            after={"image": image.pk, "name": image.image.name, "position": position},
            context=context,
        )
    return image


def reorder_images(
    product: Product, order: list[int], *, actor: Any, context: AuditContext | None = None
) -> list[ProductImage]:
    """Give the product's images the positions 0, 1, 2... in the order of ``order``, which
    names each of its images exactly once."""
    with transaction.atomic():
        Product.objects.select_for_update().only("id").get(pk=product.pk)
        images = {image.pk: image for image in ProductImage.objects.filter(product=product)}
        if sorted(order) != sorted(images):
            raise CatalogValidationError(
                {"order": [f"List every image of the product once: {sorted(images)}."]}
            )
        for position, pk in enumerate(order):
            images[pk].position = position
        ProductImage.objects.bulk_update(images.values(), ["position"])
        audit.record(
            "product.images_reordered",
            product,
            actor=actor,
            after={"order": order},
            context=context,
        )
    return sorted(images.values(), key=lambda image: image.position)


def delete_image(image: ProductImage, *, actor: Any, context: AuditContext | None = None) -> None:
    """Delete the row, then the file once the deletion is committed."""
    name, storage = image.image.name, image.image.storage
    with transaction.atomic():
        audit.record(
            "product.image_deleted",
            image.product,
            actor=actor,
            before={"image": image.pk, "name": name, "position": image.position},
            context=context,
        )
        image.delete()
        transaction.on_commit(lambda: storage.delete(name))
