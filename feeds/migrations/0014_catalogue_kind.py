"""Feeds and search name a catalogue item with one value (``cms.kinds.FeedKind.ITEM``):
"catalogue", search's public name (``?type=catalogue``, the JSON API's ``kind``). Stored feed
entries and "not interested" marks follow; every feed is rebuilt on its member's next visit
(a blank signature), which rewrites the Redis feed store's entries too."""

from django.db import migrations, models

KIND_CHOICES = [
    ("announcement", "announcement"),
    ("event", "event"),
    ("recommendation", "curated recommendations"),
    ("catalogue", "document"),
    ("post", "community post"),
    ("community", "community"),
]


def rename(old: str, new: str):
    def run(apps, schema_editor):
        db = schema_editor.connection.alias
        for name in ("FeedEntry", "FeedFeedback"):
            apps.get_model("feeds", name).objects.using(db).filter(kind=old).update(kind=new)
        apps.get_model("feeds", "FeedState").objects.using(db).update(signature="")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0013_notification_moved_to_community"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedentry",
            name="kind",
            field=models.CharField(choices=KIND_CHOICES, max_length=20, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="feedfeedback",
            name="kind",
            field=models.CharField(choices=KIND_CHOICES, max_length=20, verbose_name="kind"),
        ),
        migrations.RunPython(rename("item", "catalogue"), rename("catalogue", "item")),
    ]
