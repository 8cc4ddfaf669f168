"""nexus_accounts: JWT register, login, refresh, logout, profile and password change."""
