"""Models of the accounts app: each user's e-mail address record and address book.

The user model itself is the host's (``settings.AUTH_USER_MODEL``, Django's ``auth.User`` in
the example project); this app adds rows beside it rather than columns to it.
"""

from nexus_accounts.models.addresses import AbstractAddress, Address
from nexus_accounts.models.emails import EmailAddress

__all__ = ["AbstractAddress", "Address", "EmailAddress"]
