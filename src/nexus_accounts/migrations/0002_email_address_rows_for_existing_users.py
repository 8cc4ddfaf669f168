"""A row of ``EmailAddress`` for every user that exists when the app's tables are created.

Existing addresses are not verified (nothing verified them). Two users whose addresses
differ only by case (possible with Django's own ``auth_user``, written before this app or by
the admin) cannot both hold theirs under the unique index: the older account keeps it, the
newer gets a blank row, and the migration names them so that an operator can settle it.
"""

from django.conf import settings
from django.db import migrations


def create_rows(apps, schema_editor):
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    email_address = apps.get_model("nexus_accounts", "EmailAddress")
    field_names = {field.name for field in user_model._meta.get_fields()}
    if "email" not in field_names:
        return
    seen: set[str] = set()
    rows = []
    clashes = []
    done = set(email_address.objects.values_list("user_id", flat=True))
    for pk, email in user_model._default_manager.order_by("pk").values_list("pk", "email"):
        if pk in done:
            continue
        email = email or ""
        if email and email.lower() in seen:
            clashes.append((pk, email))
            email = ""
        seen.add(email.lower())
        rows.append(email_address(user_id=pk, email=email))
    email_address.objects.bulk_create(rows, batch_size=1000)
    for pk, email in clashes:
        print(
            f"\n  nexus_accounts: user {pk}'s address {email!r} is another user's in another "
            "case; that user's EmailAddress row is blank until the address is changed."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("nexus_accounts", "0001_email_addresses_and_address_book"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
