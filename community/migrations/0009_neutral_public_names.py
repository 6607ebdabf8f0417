"""Public names never taken from the email address.

Accounts without a public name were shown as the start of their email address (or their
Facebook name); they get a neutral one (``community.names.neutral_name``). Handles that had
been made from the email address or the username are remade from that name, and the
mentions of the old handle in posts and comments are rewritten, so no page shows the start
of an email address any more.
"""

import random
import re

from django.db import migrations, models
from django.utils.text import slugify


def _base(text):
    base = re.sub(r"[^A-Za-z0-9_-]", "", slugify(text or "").replace("-", "_"))[:24]
    return base if len(base) >= 3 else (base + "_membre")[:24]


def _from_email_or_username(user, display_base):
    handle = (user.handle or "").lower()
    if not handle:
        return False
    sources = {user.username or "", (user.email or "").split("@")[0]}
    for source in sources:
        base = _base(source).lower()
        if re.fullmatch(re.escape(base) + r"\d*", handle) and base != display_base:
            return True
    return False


def forwards(apps, schema_editor):
    from community.names import neutral_name

    User = apps.get_model("community", "User")
    rng = random.SystemRandom()
    taken = {h.lower() for h in User.objects.exclude(handle=None).values_list("handle", flat=True)}
    renamed = {}
    for user in User.objects.order_by("pk"):
        fields = []
        if not (user.display_name or "").strip():
            user.display_name = neutral_name(rng)
            fields.append("display_name")
        display_base = _base(user.display_name).lower()
        if _from_email_or_username(user, display_base):
            candidate, n = display_base, 1
            while candidate in taken:
                n += 1
                candidate = f"{display_base}{n}"
            taken.discard(user.handle.lower())
            taken.add(candidate)
            renamed[user.handle] = candidate
            user.handle = candidate
            fields.append("handle")
        if fields:
            user.save(update_fields=fields)
    if not renamed:
        return
    pattern = re.compile(
        r"(?<![\w@])@(" + "|".join(re.escape(h) for h in renamed) + r")(?![\w-])", re.IGNORECASE
    )
    lower = {old.lower(): new for old, new in renamed.items()}
    for name in ("Post", "Comment"):
        model = apps.get_model("community", name)
        for obj in model.objects.filter(body__contains="@").only("pk", "body"):
            body = pattern.sub(lambda m: "@" + lower[m.group(1).lower()], obj.body)
            if body != obj.body:
                model.objects.filter(pk=obj.pk).update(body=body)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_network_settings_and_catalogue_permissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="display_name",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Shown to everyone on posts, comments and the profile. A pseudonym is "
                    "fine; never taken from the email address."
                ),
                max_length=80,
                verbose_name="public name",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
