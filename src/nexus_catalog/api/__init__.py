"""The REST API of the catalog: DRF viewsets on a router (``nexus_catalog.api.urls``)."""
