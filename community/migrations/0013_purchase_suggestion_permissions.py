"""Purchase suggestions: librarians and network admins read them and decide on them (which
ones each librarian sees is decided by the médiathèques they work for)."""

from django.db import migrations

LIBRARIAN_PERMISSIONS = ["view_purchasesuggestion", "change_purchasesuggestion"]
ADMIN_PERMISSIONS = LIBRARIAN_PERMISSIONS
GROUPS = {"Bibliothécaires": LIBRARIAN_PERMISSIONS, "Administrateurs réseau": ADMIN_PERMISSIONS}


def grant_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("community")
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
                *Permission.objects.filter(content_type__app_label="community", codename__in=codenames)
            )


def revoke_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="community", codename__in=ADMIN_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0012_purchase_suggestions"),
    ]

    operations = [migrations.RunPython(grant_permissions, revoke_permissions)]
