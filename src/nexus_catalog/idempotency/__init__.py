"""Idempotent writes: a retried request with the same ``Idempotency-Key`` runs once.

``middleware.IdempotencyMiddleware`` is the HTTP side, ``store`` the claims in the database,
``keys`` the parsing of the header and the request digests, ``schema`` the OpenAPI header.
"""
