"""The hash chain, the actor snapshot, the request context and the new actions.

Rows written before this migration are chained here in id order (their `at` as stored), so
`manage.py verify_audit` passes on an upgraded database. The serialisation below is a frozen copy
of audit/chain.py's first version: migrations must not change when the app's code does.
"""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "actor_role", "client_code", "action", "object_type",
    "object_code", "detail", "outcome", "ip", "user_agent", "request_id", "prev_hash",
)  # fmt: skip


def _row_hash(values):
    content = {name: values[name] for name in CONTENT_FIELDS}
    content["at"] = content["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if content["ip"] is not None:
        content["ip"] = str(content["ip"])
    serialised = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(serialised.encode("ascii")).hexdigest()


def chain_existing_rows(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    alias = schema_editor.connection.alias
    events = AuditEvent.objects.using(alias)
    prev, seq, last_id = GENESIS, 0, 0
    labels = {}
    while True:
        batch = list(events.filter(pk__gt=last_id).order_by("pk")[:1000])
        if not batch:
            break
        missing = {e.actor_id for e in batch if e.actor_id is not None} - set(labels)
        for user in User.objects.using(alias).filter(pk__in=missing):
            labels[user.pk] = f"{user.name} <{user.email}>".strip()[:300]
        for event in batch:
            seq += 1
            event.seq = seq
            event.actor_label = labels.get(event.actor_id, "")
            event.outcome = "denied" if event.action == "denied" else "ok"
            event.prev_hash = prev
            values = {name: getattr(event, name) for name in CONTENT_FIELDS}
            event.row_hash = prev = _row_hash(values)
        events.bulk_update(batch, ["seq", "actor_label", "outcome", "prev_hash", "row_hash"])
        last_id = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["-at", "-seq"]}),
        migrations.AddField(
            model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(null=True)
        ),
        migrations.AlterField(model_name="auditevent", name="at", field=models.DateTimeField(db_index=True)),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="auditevent", name="actor_label", field=models.CharField(blank=True, max_length=300, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_role",
            field=models.CharField(
                blank=True,
                default="",
                max_length=20,
                choices=[
                    ("owner", "Practice owner"),
                    ("therapist", "Therapist"),
                    ("client", "Client"),
                    ("anonymous", "Not signed in"),
                    ("", "Unknown"),
                ],
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                max_length=20,
                choices=[
                    ("read", "Read"),
                    ("list", "Listed"),
                    ("create", "Created"),
                    ("update", "Changed"),
                    ("export", "Exported"),
                    ("denied", "Denied"),
                    ("sign_in", "Signed in"),
                    ("sign_in_failed", "Sign-in failed"),
                    ("locked_out", "Locked out"),
                    ("sign_out", "Signed out"),
                    ("mfa_added", "Second factor added"),
                    ("mfa_removed", "Second factor removed"),
                    ("mfa_failed", "Second factor failed"),
                    ("password_changed", "Password changed"),
                    ("password_reset", "Password reset"),
                    ("email_changed", "Email address changed"),
                ],
            ),
        ),
        migrations.AddField(
            model_name="auditevent", name="detail", field=models.CharField(blank=True, max_length=80, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="outcome",
            field=models.CharField(
                choices=[("ok", "Done"), ("denied", "Refused"), ("failed", "Failed")], default="ok", max_length=10
            ),
        ),
        migrations.AddField(
            model_name="auditevent", name="user_agent", field=models.CharField(blank=True, max_length=300, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="request_id", field=models.CharField(blank=True, max_length=32, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="prev_hash", field=models.CharField(max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent", name="row_hash", field=models.CharField(max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent", name="client_code", field=models.CharField(blank=True, max_length=16)
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["client_code", "at"], name="audit_event_client_time"),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent", name="seq", field=models.PositiveBigIntegerField(unique=True)
        ),
    ]
