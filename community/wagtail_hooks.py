"""Wagtail admin: community memberships, and the registrations of each event.

- Memberships: librarians see who belongs to which community, network admins manage them.
- Event registrations: for an event page, its attendees and its waitlist, and a CSV export
  (UTF-8 with a BOM so that Excel opens it right). Reached from the "…" menu of the event
  in the page listing and from the header of its edit view. Attendee lists hold names and
  email addresses: only the librarians of the event's branch and network admins see them
  (``roles.can_see_attendees``).
- The agenda: the event index page is served by ``community.views.agenda`` (its filters and
  places left read the registrations, which cms cannot import).
"""

import csv
import io

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.pages.utils import get_breadcrumbs_items_for_page
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from cms.models import EventPage
from community import roles
from community.actions.events import confirmed_registrations, waitlist
from community.models import EventRegistration, Membership
from community.spreadsheets import spreadsheet_safe


class MembershipViewSet(ModelViewSet):
    model = Membership
    icon = "group"
    menu_label = gettext_lazy("Memberships")
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["user", "community", "role", "joined_at"]
    list_filter = ["community", "role"]
    search_fields = ["user__email", "user__display_name", "community__title"]
    form_fields = ["user", "community", "role"]
    inspect_view_enabled = True


@hooks.register("register_admin_viewset")
def register_membership_viewset():
    return MembershipViewSet("memberships")


# --- Event registrations -------------------------------------------------------------------


def registration_rows(event: EventPage) -> tuple[list[dict], list[dict]]:
    """(attendees, waitlist) as rows: name, email, registered_at, promoted_at, status, position."""

    def row(registration: EventRegistration, position: int | None) -> dict:
        user = registration.user
        return {
            "name": user.public_name,
            "full_name": user.get_full_name(),
            "email": user.email,
            "registered_at": timezone.localtime(registration.created_at),
            "promoted_at": registration.promoted_at
            and timezone.localtime(registration.promoted_at),
            "status": registration.get_status_display(),
            "position": position,
        }

    attendees = [
        row(r, None)
        for r in confirmed_registrations(event).select_related("user").order_by("created_at", "id")
    ]
    waiting = [
        row(r, position)
        for position, r in enumerate(waitlist(event).select_related("user"), start=1)
    ]
    return attendees, waiting


def _event_for(request, page_id: int) -> EventPage:
    event = get_object_or_404(EventPage, pk=page_id)
    if not roles.can_see_attendees(request.user, event):
        raise PermissionDenied
    return event


class EventRegistrationsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "community/admin/event_registrations.html"
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        self.event = _event_for(request, kwargs["page_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Registrations")

    def get_page_subtitle(self):
        return self.event.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return get_breadcrumbs_items_for_page(self.event, self.request.user) + [
            {"url": "", "label": _("Registrations")}
        ]

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Download (CSV)"),
                url=reverse("event_registrations_csv", args=[self.event.pk]),
                icon_name="download",
            ),
            HeaderButton(
                _("Edit the event"),
                url=reverse("wagtailadmin_pages:edit", args=[self.event.pk]),
                icon_name="edit",
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attendees, waiting = registration_rows(self.event)
        capacity = self.event.capacity
        context.update(
            event=self.event,
            attendees=attendees,
            waiting=waiting,
            capacity=capacity,
            remaining=None if capacity is None else max(capacity - len(attendees), 0),
            cancelled=EventRegistration.objects.filter(
                event=self.event, status=EventRegistration.Status.CANCELLED
            ).count(),
            csv_url=reverse("event_registrations_csv", args=[self.event.pk]),
        )
        return context


def event_registrations_csv(request, page_id: int) -> HttpResponse:
    event = _event_for(request, page_id)
    attendees, waiting = registration_rows(event)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Name"),
            _("Email address"),
            _("Registered at"),
            _("Status"),
            _("Position on the waitlist"),
            _("Promoted from the waitlist at"),
        ]
    )
    for row in attendees + waiting:
        writer.writerow(
            [
                spreadsheet_safe(row["name"]),
                spreadsheet_safe(row["email"]),
                row["registered_at"].strftime("%d/%m/%Y %H:%M"),
                row["status"],
                row["position"] or "",
                row["promoted_at"].strftime("%d/%m/%Y %H:%M") if row["promoted_at"] else "",
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"inscriptions-{slugify(event.slug or event.title) or event.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@hooks.register("register_admin_urls")
def register_event_registration_urls():
    return [
        path(
            "evenements/<id:page_id>/inscriptions/",
            EventRegistrationsView.as_view(),
            name="event_registrations",
        ),
        path(
            "evenements/<id:page_id>/inscriptions.csv",
            event_registrations_csv,
            name="event_registrations_csv",
        ),
    ]


class EventRegistrationsMenuItem(PageMenuItem):
    label = gettext_lazy("Registrations")
    icon_name = "group"
    url_name = "event_registrations"

    def is_shown(self, user):
        if self.page.specific_class is None or not issubclass(self.page.specific_class, EventPage):
            return False
        return roles.can_see_attendees(user, self.page.specific_deferred)


@hooks.register("register_page_listing_more_buttons")
def event_registrations_listing_button(page, user, next_url=None):
    yield EventRegistrationsMenuItem(page=page, priority=15)


@hooks.register("register_page_header_buttons")
def event_registrations_header_button(page, user, view_name, next_url=None):
    yield EventRegistrationsMenuItem(page=page, priority=25)


# The avatars drawn here (no Gravatar), the moderation queue in the admin, and the admin's
# account page pointing to allauth for passwords and email addresses.
from community import avatar_hooks, login_door, moderation_hooks  # noqa: E402, F401, I001

# Members' public lists, from which librarians build curated lists.
from community import lists_admin  # noqa: E402, F401


# --- Purchase suggestions ------------------------------------------------------------------
from community import suggestion_admin  # noqa: E402


@hooks.register("register_admin_viewset")
def register_purchase_suggestions():
    return suggestion_admin.SuggestionViewSet(
        "purchase_suggestions", url_prefix="suggestions-achat"
    )


@hooks.register("register_admin_urls")
def register_purchase_suggestion_urls():
    return suggestion_admin.admin_urls()


@hooks.register("before_serve_page")
def serve_the_agenda(page, request, serve_args, serve_kwargs):
    """The event index page is the agenda (community.views.agenda): filters and places left
    need the registrations, which cms does not know about."""
    from cms.models import EventIndexPage
    from community.views.agenda import agenda_page

    if isinstance(page, EventIndexPage) and request.method in ("GET", "HEAD"):
        return agenda_page(request, page)
    return None


@hooks.register("affinites_home_page_sections")
def home_page_sections(request, context):
    """This week near a commune and the liveliest communities on the home page
    (cms.models.pages.HOME_PAGE_SECTIONS_HOOK; community.front_door)."""
    from community.front_door import home_sections

    home_sections(request, context)
