"""Who may do what with the Fediverse: librarians and network admins follow the deliveries
report; network admins block servers."""

from django.db import migrations

LIBRARIAN_PERMISSIONS = ["view_fediversedelivery"]
ADMIN_PERMISSIONS = LIBRARIAN_PERMISSIONS + [
    f"{action}_blockeddomain" for action in ("add", "change", "delete", "view")
]
GROUPS = {"Bibliothécaires": LIBRARIAN_PERMISSIONS, "Administrateurs réseau": ADMIN_PERMISSIONS}


def grant_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("feeds")
    app_config.models_module = True  # permissions are normally created after migrate
    create_contenttypes(app_config, apps=apps, verbosity=0)
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="feeds", codename__in=codenames)
            )


def revoke_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="feeds", codename__in=ADMIN_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0008_fediverse"),
        ("community", "0003_community_index_and_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
