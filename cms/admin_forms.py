"""Admin forms of the library's pages and snippets.

- Fields that pick interests read them with their theme in one query (their labels say
  "Imaginaire › Science-fiction"; without it, one query per interest).
- `REQUIRED_NOTE` says at the top of the form that fields marked * are required.
- Destinations of "Publier aussi sur" that are not configured are left out of the form.
- A page's picture must carry its alternative text: the image's "description" in the image
  library (Wagtail reads it as the default alt text); a picture without one is refused.
- A new page is filled in with the librarian's médiathèque (their home branch): the event's
  "branch", the audience's "branches". An existing page is never changed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import HelpPanel

from cms.panels import remove_unavailable_destinations

# At the top of the forms librarians fill in: what the asterisks mean, before saving.
REQUIRED_NOTE = HelpPanel(
    _("Fields marked with an asterisk (*) are required to save or publish the page."),
    heading=_("Required fields"),
)


class InterestFieldsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and queryset.model._meta.label == "cms.Interest":
                field.queryset = queryset.select_related("parent")


class LibrarianDefaultsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        branch = getattr(self.for_user, "home_branch", None)
        if self.is_bound or self.instance.pk is not None or branch is None:
            return
        if "branch" in self.fields and not self.initial.get("branch"):
            self.initial["branch"] = branch.pk
        if "branches" in self.fields and not self.initial.get("branches"):
            self.initial["branches"] = [branch.pk]


class PublishAlsoFieldsMixin:
    """Only the destinations that are configured are offered ("Publier aussi sur")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        remove_unavailable_destinations(self)


class ImageAltTextMixin:
    """The page's `image`, when one is chosen, must have a description (its alt text)."""

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("image") if "image" in self.fields else None
        if image is not None and not (image.description or "").strip():
            self.add_error(
                "image",
                _(
                    "This picture has no description (alternative text, read aloud to blind "
                    "visitors): add one in Images › %(title)s, then save again."
                )
                % {"title": image.title},
            )
        return cleaned


class LibraryPageForm(
    ImageAltTextMixin,
    PublishAlsoFieldsMixin,
    LibrarianDefaultsMixin,
    InterestFieldsMixin,
    WagtailAdminPageForm,
):
    """Events, announcements, curated lists, communities."""


class BranchPageForm(ImageAltTextMixin, WagtailAdminPageForm):
    """Branch pages: their picture needs its alternative text too."""


class InterestModelForm(InterestFieldsMixin, WagtailAdminModelForm):
    """Snippets that pick interests (catalogue items, subject rules, Facebook interests)."""
