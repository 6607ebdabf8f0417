"""Librarians work for their home branch until a network admin says otherwise.

Attendee lists are restricted to the librarians of the event's branch (``Branch.librarians``);
each librarian is first assigned to the branch they chose as home, so that nobody who
could see the lists of their own médiathèque loses them. Network admins then adjust the
assignment in *Réseau › Médiathèques*.
"""

from django.db import migrations


def assign_home_branches(apps, schema_editor):
    User = apps.get_model("community", "User")
    Branch = apps.get_model("cms", "Branch")
    through = Branch.librarians.through
    pairs = User.objects.filter(
        groups__name="Bibliothécaires", home_branch__isnull=False
    ).values_list("pk", "home_branch_id")
    through.objects.bulk_create(
        [through(user_id=user_id, branch_id=branch_id) for user_id, branch_id in pairs],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0010_french_field_labels"),
        ("cms", "0009_branch_librarians"),
    ]

    operations = [migrations.RunPython(assign_home_branches, migrations.RunPython.noop)]
