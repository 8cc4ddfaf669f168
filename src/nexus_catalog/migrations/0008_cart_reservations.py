"""Cart reservations (issue 18): a cart line's hold, ``CartLine.reserved_until``, and the
partial index that sums the live holds of a product."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("nexus_catalog", "0007_payments"),
    ]

    operations = [
        migrations.AddField(
            model_name="cartline",
            name="reserved_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reserved until"),
        ),
        migrations.AddIndex(
            model_name="cartline",
            index=models.Index(
                condition=models.Q(("reserved_until__isnull", False)),
                fields=["product", "reserved_until"],
                name="nexus_cartline_hold",
            ),
        ),
    ]
