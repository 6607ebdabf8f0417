"""The editor's "Publier aussi sur" panel: one checkbox per place a published page is
mirrored to (the Facebook Page, the Fediverse), filled by the packages that send it.

cms declares the panel in the pages' ``content_panels`` and the boolean fields it shows; the
destinations themselves live higher up (``feeds``), which cms may not import. They register
through a Wagtail hook::

    @hooks.register(PUBLICATION_DESTINATIONS_HOOK)
    def facebook():
        return PublicationDestination("publish_on_facebook", is_available=..., status_panel=...)

A destination that is not available (Facebook not connected, Fediverse switched off) is left
out of the form: its checkbox is not shown and the page's stored value is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, Panel

PUBLICATION_DESTINATIONS_HOOK = "register_publication_destinations"


@dataclass(frozen=True)
class PublicationDestination:
    """One place a page may also be published to.

    ``field_name``: the page's boolean field (declared by cms's page models);
    ``is_available``: whether the destination is configured, so offered to editors;
    ``status_panel``: an optional panel shown under the checkbox (state, history, retry).
    """

    field_name: str
    is_available: Callable[[], bool] = field(default=lambda: True)
    status_panel: Panel | None = None


def publication_destinations() -> list[PublicationDestination]:
    return [hook() for hook in hooks.get_hooks(PUBLICATION_DESTINATIONS_HOOK)]


def remove_unavailable_destinations(form) -> None:
    """Take the checkboxes of destinations that are not configured out of ``form``."""
    for destination in publication_destinations():
        if destination.field_name in form.fields and not destination.is_available():
            del form.fields[destination.field_name]


class PublishAlsoPanel(MultiFieldPanel):
    """ "Publier aussi sur": the checkboxes (and status) of the registered destinations that
    the page model has a field for, in the order the hooks are registered."""

    def __init__(self, children=(), *args, **kwargs):
        kwargs.setdefault("heading", _("Also publish on"))
        super().__init__(children, *args, **kwargs)

    def on_model_bound(self):
        if not self.children:
            field_names = {f.name for f in self.model._meta.get_fields()}
            children: list[Panel] = []
            for destination in publication_destinations():
                if destination.field_name not in field_names:
                    continue
                children.append(FieldPanel(destination.field_name))
                if destination.status_panel is not None:
                    children.append(destination.status_panel)
            self.children = children
        super().on_model_bound()
