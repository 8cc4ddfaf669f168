"""The accounts engine: plain functions, no HTTP, each owning its transaction."""

from nexus_accounts.services.accounts import (
    authenticate_user,
    change_password,
    register_user,
    update_profile,
)
from nexus_accounts.services.tokens import (
    TokenPair,
    issue_token_pair,
    revoke_all_refresh_tokens,
    revoke_refresh_token,
    rotate_refresh_token,
)

__all__ = [
    "TokenPair",
    "authenticate_user",
    "change_password",
    "issue_token_pair",
    "register_user",
    "revoke_all_refresh_tokens",
    "revoke_refresh_token",
    "rotate_refresh_token",
    "update_profile",
]
