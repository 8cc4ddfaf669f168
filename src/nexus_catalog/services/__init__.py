"""The engine: business rules as plain functions, no HTTP. Each owns its transaction."""
