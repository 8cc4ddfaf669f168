"""A soak test: several gunicorn workers on PostgreSQL under mixed traffic, then an invariant
check of stock, orders and audit rows (``python -m benchmarks.soak.run``; not run in CI)."""
