"""Create the audit log's head row once, so that concurrent first writers never race to."""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    head = apps.get_model("annotator", "AuditChainHead")
    head.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH, "event_count": 0})


class Migration(migrations.Migration):
    dependencies = [("annotator", "0002_annotations_audit_tokens")]

    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
