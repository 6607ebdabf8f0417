"""The editorial workflow "Validation réseau", switched on (NetworkSettings.editorial_workflow
defaults to True): network admins approve, librarians no longer publish directly.

Same set-up as `community.editorial.apply_editorial_workflow(True)`, with historical
models. Wagtail's own default workflow ("Moderators approval", assigned to the root page for
its "Moderators" group, which this project does not use) is detached from the root page:
otherwise the pages would fall back to it whenever the network's workflow is switched off.
"""

from django.db import migrations

WORKFLOW_NAME = "Validation réseau"
TASK_NAME = "Approbation par un administrateur réseau"
LIBRARIANS = "Bibliothécaires"
ADMINS = "Administrateurs réseau"
WAGTAIL_DEFAULT_WORKFLOW = "Moderators approval"


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("cms.HomePage")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")

    admins, _ = Group.objects.get_or_create(name=ADMINS)
    librarians, _ = Group.objects.get_or_create(name=LIBRARIANS)

    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        content_type, _ = ContentType.objects.get_or_create(
            app_label="wagtailcore", model="groupapprovaltask"
        )
        task = GroupApprovalTask.objects.create(
            name=TASK_NAME, content_type=content_type, active=True
        )
    task.groups.add(admins)

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    workflow.active = True
    workflow.save()
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        WorkflowPage.objects.filter(page=root, workflow__name=WAGTAIL_DEFAULT_WORKFLOW).delete()

    home = HomePage.objects.order_by("path").first()
    if home is None:
        return
    WorkflowPage.objects.update_or_create(page_id=home.pk, defaults={"workflow": workflow})
    publish = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename="publish_page"
    ).first()
    if publish is not None:
        GroupPagePermission.objects.get_or_create(group=admins, page_id=home.pk, permission=publish)
        GroupPagePermission.objects.filter(
            group=librarians, page_id=home.pk, permission=publish
        ).delete()


def backwards(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("cms.HomePage")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")

    Workflow.objects.filter(name=WORKFLOW_NAME).update(active=False)
    WorkflowPage.objects.filter(workflow__name=WORKFLOW_NAME).delete()
    default = Workflow.objects.filter(name=WAGTAIL_DEFAULT_WORKFLOW).first()
    root = Page.objects.filter(depth=1).order_by("path").first()
    if default is not None and root is not None:
        WorkflowPage.objects.get_or_create(page=root, defaults={"workflow": default})
    home = HomePage.objects.order_by("path").first()
    publish = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename="publish_page"
    ).first()
    librarians = Group.objects.filter(name=LIBRARIANS).first()
    if home is not None and publish is not None and librarians is not None:
        GroupPagePermission.objects.get_or_create(
            group=librarians, page_id=home.pk, permission=publish
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0004_user_notify_by_email_eventregistration"),
        ("cms", "0003_create_homepage"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
