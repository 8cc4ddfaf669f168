"""The accounts engine: plain functions, no HTTP, each owning its transaction."""

from nexus_accounts.services.accounts import (
    authenticate_user,
    change_password,
    register_user,
    update_profile,
)
from nexus_accounts.services.addresses import (
    addresses_of,
    create_address,
    delete_address,
    get_address,
    update_address,
)
from nexus_accounts.services.erasure import erase_account
from nexus_accounts.services.recovery import request_password_reset, reset_password
from nexus_accounts.services.tokens import (
    TokenPair,
    issue_token_pair,
    revoke_all_refresh_tokens,
    revoke_refresh_token,
    rotate_refresh_token,
)
from nexus_accounts.services.verification import (
    email_address_of,
    resend_verification_to,
    send_verification,
    verify_email,
)

__all__ = [
    "TokenPair",
    "addresses_of",
    "authenticate_user",
    "change_password",
    "create_address",
    "delete_address",
    "email_address_of",
    "erase_account",
    "get_address",
    "issue_token_pair",
    "register_user",
    "request_password_reset",
    "resend_verification_to",
    "reset_password",
    "revoke_all_refresh_tokens",
    "revoke_refresh_token",
    "rotate_refresh_token",
    "send_verification",
    "update_address",
    "update_profile",
    "verify_email",
]
