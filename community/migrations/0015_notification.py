"""Notifications move from feeds to community, keeping their rows.

Django's documented pattern for moving a model between apps: this app takes the model over
in the migration state only (same table), then renames its table and index to this app's
names; ``feeds.0013`` drops the model from feeds' state without touching the database. The
content type is carried over too, so permissions granted on it stay granted.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def carry_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="community", model="notification"):
        ContentType.objects.using(db).filter(app_label="feeds", model="notification").update(
            app_label="community"
        )


def return_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="feeds", model="notification"):
        ContentType.objects.using(db).filter(app_label="community", model="notification").update(
            app_label="feeds"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0014_suggestion_labels"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("feeds", "0012_suggestion_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("waitlist_promoted", "waitlist promotion"),
                                    ("event_reminder", "event reminder"),
                                    ("reply", "reply"),
                                    ("mention", "mention"),
                                    ("community_announcement", "new announcement in a community"),
                                    ("moderation", "moderation"),
                                    ("suggestion", "purchase suggestion"),
                                ],
                                max_length=30,
                                verbose_name="kind",
                            ),
                        ),
                        ("title", models.CharField(max_length=250, verbose_name="title")),
                        ("body", models.TextField(blank=True, verbose_name="text")),
                        ("url", models.CharField(blank=True, max_length=500, verbose_name="link")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        (
                            "read_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="read"),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="member",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at"],
                        "db_table": "feeds_notification",
                        "indexes": [
                            models.Index(
                                fields=["user", "read_at", "-created_at"],
                                name="feeds_notif_user_id_2b7e2e_idx",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name="notification", table=None),
        migrations.RenameIndex(
            model_name="notification",
            new_name="notification_unread",
            old_name="feeds_notif_user_id_2b7e2e_idx",
        ),
        migrations.RunPython(carry_content_type, return_content_type),
    ]
