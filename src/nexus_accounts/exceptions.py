"""Errors raised by the accounts services.

They carry no HTTP: ``nexus_accounts.api.views`` maps each to a status code, so the same
service can be called from a view, a management command or a test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class AccountsError(Exception):
    """Base class of every error of the accounts services."""

    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class AccountValidationError(AccountsError):
    """Submitted account data breaks a rule (400); ``errors`` maps each field to its messages."""

    default_message = "The account data is invalid."

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        super().__init__(self.default_message)


class InvalidCredentials(AccountsError):
    """Login failed. Deliberately silent about whether the identifier or the password was wrong,
    and about inactive accounts, so the answer cannot be used to enumerate users."""

    default_message = "No active account found with the given credentials."


class InvalidRefreshToken(AccountsError):
    """A refresh token that is malformed, tampered with, expired, blacklisted, or whose user is
    gone or inactive."""

    default_message = "Token is invalid or expired."


class ForeignRefreshToken(InvalidRefreshToken):
    """A valid refresh token that belongs to another user than the one asking."""

    default_message = "This refresh token belongs to another user."


class EmailNotVerified(AccountsError):
    """Login refused: ``EMAIL_VERIFICATION`` is ``"mandatory"`` and the account's e-mail
    address is not verified yet. Raised only after the password was checked, so it tells
    nothing to someone who does not hold the password."""

    default_message = "The e-mail address of this account is not verified yet."
    code = "email_not_verified"


class AddressNotFound(AccountsError):
    """No address with this id in the caller's address book (another user's included)."""

    default_message = "No address found."
