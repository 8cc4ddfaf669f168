"""``idempotency_exempt``: a view the middleware never handles, as ``csrf_exempt`` for CSRF.

For a view whose response must not be stored, such as one that returns credentials (a
login answering with tokens would otherwise keep them in the database for ``TTL``), or a
write that is idempotent by nature.
"""

from __future__ import annotations

from typing import TypeVar

EXEMPT_ATTRIBUTE = "idempotency_exempt"

ViewT = TypeVar("ViewT")


def idempotency_exempt(view: ViewT) -> ViewT:
    """Mark a view function or a view class (DRF or Django) as never handled.

    Usable as a decorator on either; the middleware looks for the mark on the resolved view
    function and on its class.
    """
    setattr(view, EXEMPT_ATTRIBUTE, True)
    return view
