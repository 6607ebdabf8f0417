"""Network admins edit *Paramètres › Réseau* (NetworkSettings: the editorial workflow and
the OPAC address), the services and the subject → interest rules; librarians and network
admins manage catalogue items and import the catalogue (README, table of roles).

Migration 0003 built the groups without these permissions and may already be applied, so
they are granted here.
"""

from django.db import migrations

LIBRARIANS = "Bibliothécaires"
ADMINS = "Administrateurs réseau"

LIBRARIAN_PERMISSIONS = ["add_catalogueitem", "change_catalogueitem", "view_catalogueitem"]
ADMIN_PERMISSIONS = LIBRARIAN_PERMISSIONS + [
    "delete_catalogueitem",
    "change_networksettings",
    "view_networksettings",
    "add_service",
    "change_service",
    "delete_service",
    "view_service",
    "add_subjectrule",
    "change_subjectrule",
    "delete_subjectrule",
    "view_subjectrule",
]
GROUPS = {LIBRARIANS: LIBRARIAN_PERMISSIONS, ADMINS: ADMIN_PERMISSIONS}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("cms")
    app_config.models_module = True  # permissions are normally created after migrate
    create_contenttypes(app_config, apps=apps, verbosity=0)
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="cms", codename__in=codenames)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="cms", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_event_series_key"),
        ("community", "0007_interactions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
