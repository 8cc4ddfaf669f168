"""HTTP API of the accounts app: mount ``nexus_accounts.api.urls`` under ``api/auth/``."""
