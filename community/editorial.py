"""The editorial workflow: librarians write, network admins approve (issue #3, point 7).

`apply_editorial_workflow(True)`:
  a Wagtail workflow "Validation réseau" with one group-approval task ("Approbation par un
  administrateur réseau", group "Administrateurs réseau") is active on the home page, so on
  every page of the site; librarians lose the publish permission there (they save drafts
  and submit them for moderation); network admins keep it.
`apply_editorial_workflow(False)`:
  the workflow is inactive (its assignment is kept, ready to be switched back on) and
  librarians get the publish permission back: they publish directly.

Network admins switch it with Settings › Network settings › "publishing needs a network
admin's approval" (`cms.NetworkSettings.editorial_workflow`); saving the settings calls
this function (receiver in `community.receivers`). Pages already in moderation when the
workflow is switched off stay there: an admin can still approve them, or their author can
now publish them.

Migration community/0005 performs the same set-up (enabled) with historical models.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cms.models import HomePage

WORKFLOW_NAME = "Validation réseau"
TASK_NAME = "Approbation par un administrateur réseau"
LIBRARIANS = "Bibliothécaires"
ADMINS = "Administrateurs réseau"


def _publish_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename="publish_page")


@transaction.atomic
def apply_editorial_workflow(enabled: bool) -> Workflow:
    """Make the site's moderation match the setting; idempotent. Returns the workflow."""
    admins, _ = Group.objects.get_or_create(name=ADMINS)
    librarians, _ = Group.objects.get_or_create(name=LIBRARIANS)

    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    elif not task.active:
        task.active = True
        task.save(update_fields=["active"])
    task.groups.add(admins)

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(
            workflow=workflow, task=task, sort_order=workflow.workflow_tasks.count()
        )
    if workflow.active != enabled:
        workflow.active = enabled
        workflow.save(update_fields=["active"])

    home = HomePage.objects.order_by("path").first()
    if home is not None:
        WorkflowPage.objects.update_or_create(page_id=home.pk, defaults={"workflow": workflow})
        publish = _publish_permission()
        GroupPagePermission.objects.get_or_create(group=admins, page_id=home.pk, permission=publish)
        if enabled:
            GroupPagePermission.objects.filter(
                group=librarians, page_id=home.pk, permission=publish
            ).delete()
        else:
            GroupPagePermission.objects.get_or_create(
                group=librarians, page_id=home.pk, permission=publish
            )
    return workflow
