"""The editorial workflow: librarians submit, network admins approve; switchable in the settings."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowState,
)
from wagtail.test.utils.form_data import querydict_from_html, rich_text

from cms.models import EventIndexPage, EventPage, HomePage, NetworkSettings
from community.editorial import (
    ADMINS,
    LIBRARIANS,
    TASK_NAME,
    WORKFLOW_NAME,
    apply_editorial_workflow,
)

pytestmark = pytest.mark.django_db


def editorial_workflow_enabled() -> bool:
    """Whether the workflow is currently active (as applied, not as set)."""
    return Workflow.objects.filter(name=WORKFLOW_NAME, active=True).exists()


def _can_publish_on_home(group_name: str) -> bool:
    home = HomePage.objects.get()
    return GroupPagePermission.objects.filter(
        group__name=group_name, page=home, permission__codename="publish_page"
    ).exists()


def _set_workflow(enabled: bool) -> None:
    settings = NetworkSettings.load()
    settings.editorial_workflow = enabled
    settings.save()


def _event_form(client, parent, *, title: str, branch, **extra) -> dict:
    """The admin's own "add event" form, filled in as a librarian would."""
    url = reverse("wagtailadmin_pages:add", args=["cms", "eventpage", parent.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    start = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=14, minute=30, second=0, microsecond=0
    )
    data.update(
        {
            "title": title,
            "slug": slugify(title),
            "start": start.strftime("%Y-%m-%d %H:%M"),
            "end": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "branch": str(branch.pk),
            "description": rich_text("<p>Un atelier pour découvrir le manga.</p>"),
            "capacity": "12",
        }
    )
    data["registration_required"] = "on"
    for key, value in extra.items():
        data[key] = value
    return data


def _edit_form(client, page):
    html = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    data = querydict_from_html(html, form_id="page-edit-form")
    # (the helper reads a checked box without a value attribute as "", i.e. unchecked)
    if page.specific.registration_required:
        data["registration_required"] = "on"
    return data


def _create_event(client, parent, *, action: str | None, title="Atelier manga", branch=None):
    extra = {action: "1"} if action else {}
    data = _event_form(client, parent, title=title, branch=branch, **extra)
    url = reverse("wagtailadmin_pages:add", args=["cms", "eventpage", parent.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    return EventPage.objects.get(title=title)


@pytest.fixture
def agenda():
    return EventIndexPage.objects.get()


@pytest.fixture
def branch(branches):
    return branches["alcazar"]


# --- Set-up -----------------------------------------------------------------------------------


def test_migration_switched_the_workflow_on():
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    assert workflow.active
    home = HomePage.objects.get()
    assert WorkflowPage.objects.get(page=home).workflow == workflow
    [task] = [wt.task.specific for wt in workflow.workflow_tasks.all()]
    assert isinstance(task, GroupApprovalTask) and task.name == TASK_NAME
    assert list(task.groups.values_list("name", flat=True)) == [ADMINS]
    assert not _can_publish_on_home(LIBRARIANS)
    assert _can_publish_on_home(ADMINS)
    # every page of the site is under it (Wagtail's default root workflow is detached)
    assert EventIndexPage.objects.get().get_workflow() == workflow
    assert not WorkflowPage.objects.filter(page__depth=1).exists()


def test_apply_is_idempotent_and_follows_the_setting():
    for enabled in (True, True, False, False, True):
        apply_editorial_workflow(enabled)
        assert editorial_workflow_enabled() is enabled
        assert _can_publish_on_home(LIBRARIANS) is not enabled
        assert _can_publish_on_home(ADMINS)
    assert Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1
    assert GroupApprovalTask.objects.filter(name=TASK_NAME).count() == 1
    assert Workflow.objects.get(name=WORKFLOW_NAME).workflow_tasks.count() == 1


def test_saving_network_settings_switches_the_workflow():
    _set_workflow(False)
    assert not editorial_workflow_enabled()
    assert _can_publish_on_home(LIBRARIANS)
    assert EventIndexPage.objects.get().get_workflow() is None
    _set_workflow(True)
    assert editorial_workflow_enabled()
    assert not _can_publish_on_home(LIBRARIANS)


# --- With the workflow on -----------------------------------------------------------------------


def test_librarian_submits_but_cannot_publish(client, librarian, agenda, branch):
    client.force_login(librarian)
    event = _create_event(client, agenda, action=None, branch=branch)  # "Save draft"
    assert not event.live and not event.workflow_in_progress
    edit_url = reverse("wagtailadmin_pages:edit", args=[event.pk])

    # A direct publish is refused: the edit form saves a draft, nothing more.
    data = _edit_form(client, event)
    data["title"] = "Atelier manga (nouvelle version)"
    data["action-publish"] = "1"
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert event.get_latest_revision().as_object().title == "Atelier manga (nouvelle version)"
    assert not event.live and event.live_revision is None
    assert "action-publish" not in client.get(edit_url).content.decode()

    # Submitting for moderation is what the librarian can do.
    data = _edit_form(client, event)
    data["action-submit"] = "1"
    assert client.post(edit_url, data).status_code == 302
    event.refresh_from_db()
    assert event.workflow_in_progress and not event.live
    state = WorkflowState.objects.get(status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.workflow.name == WORKFLOW_NAME
    assert state.requested_by == librarian
    assert not EventPage.objects.live().filter(pk=event.pk).exists()


def test_librarian_creating_with_publish_gets_no_live_page(client, librarian, agenda, branch):
    client.force_login(librarian)
    url = reverse("wagtailadmin_pages:add", args=["cms", "eventpage", agenda.pk])
    data = _event_form(client, agenda, title="Heure du conte", branch=branch)
    data["action-publish"] = "1"
    client.post(url, data)
    assert not EventPage.objects.live().filter(title="Heure du conte").exists()


def test_network_admin_approves_and_the_event_goes_live(
    client, librarian, network_admin, agenda, branch
):
    client.force_login(librarian)
    event = _create_event(client, agenda, action="action-submit", branch=branch)
    task_state = event.current_workflow_task_state

    client.force_login(network_admin)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Atelier manga" in dashboard  # "awaiting your review"
    url = reverse("wagtailadmin_pages:workflow_action", args=[event.pk, "approve", task_state.pk])
    response = client.post(url, {"comment": ""})
    assert response.status_code in (200, 302)
    event.refresh_from_db()
    assert event.live
    assert not event.workflow_in_progress
    assert EventPage.objects.live().filter(pk=event.pk).exists()


def test_a_librarian_cannot_approve(client, librarian, agenda, branch):
    client.force_login(librarian)
    event = _create_event(client, agenda, action="action-submit", branch=branch)
    task_state = event.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[event.pk, "approve", task_state.pk])
    response = client.post(url, {"comment": ""})
    assert response.status_code in (302, 403)
    event.refresh_from_db()
    assert not event.live


def test_approval_through_the_task_api(librarian, network_admin, agenda, branch):
    event = EventPage(
        title="Ciné-goûter",
        start=timezone.now() + timedelta(days=3),
        end=timezone.now() + timedelta(days=3, hours=2),
        branch=branch,
        description="<p>Un film, un goûter.</p>",
    )
    agenda.add_child(instance=event)
    revision = event.save_revision(user=librarian)
    workflow = event.get_workflow()
    workflow.start(event, librarian)
    event.refresh_from_db()
    task_state = event.current_workflow_task_state
    task_state.task.specific.on_action(task_state, network_admin, "approve")
    event.refresh_from_db()
    assert event.live and event.live_revision == revision


# --- With the workflow off -----------------------------------------------------------------


def test_librarian_publishes_directly_when_switched_off(client, librarian, agenda, branch):
    _set_workflow(False)
    client.force_login(librarian)
    event = _create_event(client, agenda, action="action-publish", branch=branch)
    assert event.live
    assert not WorkflowState.objects.exists()


# --- Who reaches the admin ----------------------------------------------------------------


def test_members_get_nothing_in_the_admin(client, member, agenda):
    client.force_login(member)
    for url in (
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[agenda.pk]),
        reverse("wagtailadmin_pages:add", args=["cms", "eventpage", agenda.pk]),
        reverse("wagtailadmin_workflows:index"),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/"), url


def test_only_network_admins_and_superusers_manage_workflows(client, librarian, network_admin):
    client.force_login(librarian)
    assert client.get(reverse("wagtailadmin_workflows:index")).status_code in (302, 403)
    assert (
        Group.objects.get(name=ADMINS) in GroupApprovalTask.objects.get(name=TASK_NAME).groups.all()
    )


# --- Wagtail's own tools: preview ---------------------------------------------------------


def test_librarian_previews_a_draft_event(client, librarian, agenda, branch):
    client.force_login(librarian)
    event = _create_event(client, agenda, action="action-submit", branch=branch)
    assert not event.live
    data = _edit_form(client, event)
    data["title"] = "Atelier manga — aperçu"
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[event.pk])
    response = client.post(preview_url, data)
    assert response.status_code == 200
    assert response.json()["is_valid"] is True
    response = client.get(preview_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Atelier manga — aperçu" in html
    assert "Un atelier pour découvrir le manga." in html
    # and the public does not see the draft
    assert Page.objects.live().filter(pk=event.pk).count() == 0
