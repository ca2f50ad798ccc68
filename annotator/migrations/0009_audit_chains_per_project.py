"""One audit chain per project (and one for the installation), the database keeping each
chain from forking.

The events written so far form one chain for the whole installation; they stay exactly as
they are (their hashes must still verify), numbered in order and marked as version 1, and
that chain goes on for events about no project. The old single head row becomes the
installation chain's head.
"""

from django.db import migrations, models

GENESIS_HASH = "0" * 64


def number_the_existing_events(apps, schema_editor):
    event = apps.get_model("annotator", "AuditEvent")
    batch = []
    for sequence, pk in enumerate(event.objects.order_by("pk").values_list("pk", flat=True), 1):
        batch.append(event(pk=pk, sequence=sequence))
        if len(batch) >= 2000:
            event.objects.bulk_update(batch, ["sequence"])
            batch = []
    if batch:
        event.objects.bulk_update(batch, ["sequence"])


def carry_the_head_over(apps, schema_editor):
    old = apps.get_model("annotator", "AuditChainHead")
    new = apps.get_model("annotator", "AuditChain")
    head = old.objects.filter(pk=1).first()
    if head is not None and head.event_count:
        new.objects.create(
            chain="installation", last_hash=head.last_hash, event_count=head.event_count
        )


class Migration(migrations.Migration):
    dependencies = [("annotator", "0008_imports")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(default="installation", max_length=40),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.RunPython(number_the_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "sequence"), name="audit_chain_sequence"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "previous_hash"), name="audit_chain_link"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="audit_sequence_positive"
            ),
        ),
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                ("chain", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("last_hash", models.CharField(max_length=64)),
                ("event_count", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(carry_the_head_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.RenameModel(old_name="AuditChain", new_name="AuditChainHead"),
    ]
