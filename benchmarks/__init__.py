"""Load harness of django-nexus-commerce: ``make bench`` (see ``benchmarks/README.md``)."""
