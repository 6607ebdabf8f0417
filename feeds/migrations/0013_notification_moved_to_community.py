"""Notifications now belong to community (``community.0015_notification`` took the table
over): drop the model from feeds' migration state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0015_notification"),
        ("feeds", "0012_suggestion_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
        ),
    ]
