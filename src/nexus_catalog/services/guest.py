"""Guest orders: the secret that stands for a customer who has no account.

A guest checkout (``GUEST_CHECKOUT``) places an order with no user. Its customer is whoever
holds the secret made here: :func:`new_secret` returns it once, to be shown in the
checkout's answer, and its SHA-256 (hex) is what the order stores, so a copy of the
database gives no access to any order. A plain hash, not a password hasher: the secret is
32 random bytes, not a human's password, so there is nothing to guess by brute force.

:func:`admits` decides whether a presented secret opens an order: only that one order,
and only a guest order (an order with a user is never reached with a secret). The stored
and presented hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from nexus_catalog.conf import ID_COLUMN_MAX
from nexus_catalog.models import Order
from nexus_catalog.services.audit import GuestActor

#: Bytes of randomness in a secret (``secrets.token_urlsafe``: 43 characters).
SECRET_BYTES = 32
#: A presented secret longer than this is refused without hashing it.
MAX_SECRET_LENGTH = 128


def new_secret() -> tuple[str, str]:
    """A new secret and its hash: ``(secret, hash)``. Store the hash; show the secret once."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def admits(order_id: Any, secret: str | None) -> bool:
    """Whether ``secret`` is the secret of the guest order ``order_id``.

    False for a missing, malformed or wrong secret, an unknown id and an order that has a
    user alike: the caller answers each as "not found".
    """
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return False
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        return False
    if not 0 < pk <= ID_COLUMN_MAX:
        return False
    stored = (
        Order.objects.filter(pk=pk, user__isnull=True)
        .values_list("guest_secret_hash", flat=True)
        .first()
    )
    if not stored:
        return False
    return hmac.compare_digest(stored, secret_hash(secret))


def guest_actor(order_id: int) -> GuestActor:
    """The actor of what the holder of order ``order_id``'s secret does."""
    return GuestActor(order_id=order_id)
