"""Guest orders (issue 18): an order may have no user, and then holds the hash of its
secret; the check constraint keeps every order reachable by a user or a secret."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('nexus_catalog', '0008_cart_reservations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='guest_secret_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name='guest secret hash'),
        ),
        migrations.AlterField(
            model_name='order',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='nexus_orders', to=settings.AUTH_USER_MODEL, verbose_name='user'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('user__isnull', False), ('guest_secret_hash__isnull', False), _connector='OR'), name='nexus_order_user_or_guest_secret'),
        ),
    ]
