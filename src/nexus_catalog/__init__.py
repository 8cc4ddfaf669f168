"""nexus_catalog: categories, products, orders with stock, audit trail, plugins."""
