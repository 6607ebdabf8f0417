"""Network admins manage partner sites (Wagtail snippets need the model permissions)."""

from django.db import migrations

ADMINS = "Administrateurs réseau"


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("outreach")
    app_config.models_module = True
    create_contenttypes(app_config, apps=apps, verbosity=0)
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    group = Group.objects.filter(name=ADMINS).first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="outreach",
            codename__in=["add_partner", "change_partner", "delete_partner", "view_partner"],
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
        ("community", "0003_community_index_and_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
