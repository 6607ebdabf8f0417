"""The default Wagtail site takes SITE_URL's host and port (it said localhost:80).

Page addresses (emails, the partner questionnaire's answer, Facebook posts, Wagtail's
workflow emails) are built from this site; `migrate` keeps it in step afterwards
(cms.apps), and `manage.py check` warns when they disagree (cms.links, cms.W010).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def site_from_site_url(apps, schema_editor):
    Site = apps.get_model("wagtailcore", "Site")
    parts = urlsplit(str(getattr(settings, "SITE_URL", "") or "http://127.0.0.1:8000"))
    hostname = (parts.hostname or "127.0.0.1").lower()
    port = parts.port or {"https": 443}.get(parts.scheme, 80)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None or Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).exists():
        return
    site.hostname, site.port = hostname, port
    site.save(update_fields=["hostname", "port"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0009_branch_librarians"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(site_from_site_url, migrations.RunPython.noop)]
