"""The Fediverse publications made before the shared outbox get their outbox rows: one row per
page and activity (the Create, each Update, each Delete, grouped across the actors that sent
it), its deliveries attached, its status summed up from theirs, its dates theirs."""

import re

from django.db import migrations

ACTIVITY = re.compile(r"/objets/(\d+)/(activite|maj/([^/]+)|suppression/([^/]+))$")
ACTIONS = {"Create": "create", "Update": "update", "Delete": "delete"}


def _key(delivery):
    found = ACTIVITY.search(delivery.activity_id)
    kind = (delivery.activity or {}).get("type")
    if not found or kind not in ACTIONS:
        return None
    stamp = found.group(3) or found.group(4) or ""
    # the actors' copies of one Update or Delete were stamped within the same second
    return int(found.group(1)), ACTIONS[kind], stamp[:15]


def _summary(deliveries):
    states = [d.state for d in deliveries]
    total, sent, abandoned = len(states), states.count("sent"), states.count("abandoned")
    if "pending" in states:
        return {"status": "sending"}
    if abandoned and sent:
        return {"status": "sent", "problem": "partly_delivered", "problem_detail": f"{abandoned}/{total}"}
    if abandoned:
        last = max(deliveries, key=lambda d: d.pk).last_error
        return {
            "status": "failed",
            "problem": "unreachable",
            "problem_detail": f"{abandoned}/{total}",
            "error_message": last,
        }
    return {"status": "sent"}


def forwards(apps, schema_editor):
    Delivery = apps.get_model("feeds", "FediverseDelivery")
    Syndication = apps.get_model("feeds", "Syndication")
    Page = apps.get_model("wagtailcore", "Page")
    groups: dict = {}
    for delivery in Delivery.objects.filter(publication__isnull=True).order_by("pk").iterator():
        key = _key(delivery)
        if key is not None:
            groups.setdefault(key, []).append(delivery)
    titles = dict(
        Page.objects.filter(pk__in={key[0] for key in groups}).values_list("pk", "title")
    )
    for (page_pk, action, _stamp), deliveries in sorted(
        groups.items(), key=lambda item: min(d.created_at for d in item[1])
    ):
        summary = _summary(deliveries)
        sent = [d.sent_at for d in deliveries if d.sent_at]
        row = Syndication.objects.create(
            destination="fediverse",
            page_id=page_pk if page_pk in titles else None,
            page_pk=page_pk,
            page_title=(titles.get(page_pk) or f"#{page_pk}")[:255],
            action=action,
            attempts=1,
            sent_at=max(sent) if sent and summary["status"] == "sent" else None,
            **summary,
        )
        Syndication.objects.filter(pk=row.pk).update(
            created_at=min(d.created_at for d in deliveries)
        )
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(publication=row)


def backwards(apps, schema_editor):
    Delivery = apps.get_model("feeds", "FediverseDelivery")
    Syndication = apps.get_model("feeds", "Syndication")
    Delivery.objects.update(publication=None)
    Syndication.objects.filter(destination="fediverse").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0015_one_syndication_outbox"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
