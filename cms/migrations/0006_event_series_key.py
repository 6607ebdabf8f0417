"""Events know their series (one page per session, same title at the same branch), so the
feed finds the other sessions of an event through one index."""

import hashlib

from django.conf import settings
from django.db import migrations, models


def event_series_key(title, branch_id):
    # cms.models.library_pages.event_series_key as of this migration (history stays fixed)
    raw = f"{branch_id}\n{' '.join((title or '').split()).casefold()}"
    return hashlib.sha1(raw.encode()).hexdigest()


def fill_series_keys(apps, schema_editor):
    EventPage = apps.get_model("cms", "EventPage")
    batch = []
    for event in EventPage.objects.only("pk", "title", "branch_id").iterator(chunk_size=2000):
        event.series_key = event_series_key(event.title, event.branch_id)
        batch.append(event)
        if len(batch) >= 2000:
            EventPage.objects.bulk_update(batch, ["series_key"])
            batch = []
    EventPage.objects.bulk_update(batch, ["series_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_library_index_pages"),
        ("wagtailimages", "0027_image_description"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="eventpage",
            name="series_key",
            field=models.CharField(default="", editable=False, max_length=40),
        ),
        migrations.RunPython(fill_series_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="eventpage",
            index=models.Index(
                fields=["series_key", "start"], name="cms_eventpa_series__5e013d_idx"
            ),
        ),
    ]
