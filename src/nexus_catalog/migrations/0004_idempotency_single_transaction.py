"""Idempotency records are written in the request's own transaction (see the guide).

A committed record now always holds its answer, so the claim state and its lock go. Claims
left in progress by the old middleware (a request that was running, or whose process died,
during the upgrade) are deleted first: their key may then be used anew, as a stale claim
could before.
"""

from django.db import migrations, models


def delete_claims_in_progress(apps, schema_editor):
    record = apps.get_model("nexus_catalog", "IdempotencyRecord")
    record.objects.using(schema_editor.connection.alias).filter(state="in_progress").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("nexus_catalog", "0003_drop_redundant_indexes"),
    ]

    operations = [
        migrations.RunPython(delete_claims_in_progress, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencyrecord", name="locked_until"),
        migrations.RemoveField(model_name="idempotencyrecord", name="state"),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="headers",
            field=models.JSONField(blank=True, default=dict, verbose_name="headers"),
        ),
    ]
