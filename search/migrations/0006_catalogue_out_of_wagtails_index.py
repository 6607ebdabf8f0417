"""Catalogue items left Wagtail's own index (they declare no search_fields: the site search
indexes them and the admin searches them in the database); `update_index` only cleans the
models still indexed, so the rows an earlier configuration wrote are deleted here."""

from django.db import migrations


def delete_catalogue_entries(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    IndexEntry = apps.get_model("wagtailsearch", "IndexEntry")
    alias = schema_editor.connection.alias
    content_types = ContentType.objects.using(alias).filter(
        app_label="cms", model="catalogueitem"
    )
    IndexEntry.objects.using(alias).filter(content_type__in=content_types).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_postgresql_id_list_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(delete_catalogue_entries, migrations.RunPython.noop)]
