"""nexus_accounts: JWT register, login, refresh, logout, profile, password change and reset,
e-mail verification, address book and account erasure."""
