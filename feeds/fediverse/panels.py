"""The Fediverse status of a page, under its "Fédivers" checkbox ("Publier aussi sur")."""

from __future__ import annotations

from django.urls import reverse
from wagtail.admin.panels import Panel


class FediverseStatusPanel(Panel):
    """The page's latest Fediverse publications: state, servers reached, retry."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "feeds/fediverse/page_status_panel.html"

        def is_shown(self):
            # on a page that exists: with its checkbox, or when it has rows already
            if not (self.instance and self.instance.pk):
                return False
            if self.form is None or "publish_on_fediverse" in self.form.fields:
                return True
            from feeds.syndication.models import Syndication

            return Syndication.objects.fediverse().for_page(self.instance.pk).exists()

        def get_context_data(self, parent_context=None):
            from django.db.models import Count, Q

            from feeds.fediverse.models import FediverseDelivery
            from feeds.syndication.destinations import can_cancel, can_retry
            from feeds.syndication.models import Syndication

            context = super().get_context_data(parent_context)
            page = self.instance
            DS = FediverseDelivery.State
            rows = list(
                Syndication.objects.fediverse()
                .for_page(page.pk)
                .annotate(
                    servers=Count("deliveries"),
                    reached=Count("deliveries", filter=Q(deliveries__state=DS.SENT)),
                )
                .order_by("-id")[:5]
            )
            latest = rows[0] if rows else None
            user = getattr(self.request, "user", None)
            may_edit = bool(
                user is not None
                and user.is_authenticated
                and page.permissions_for_user(user).can_edit()
            )
            context.update(
                page=page,
                latest=latest,
                history=rows,
                can_retry=bool(latest and may_edit and can_retry(latest)),
                can_cancel=bool(latest and may_edit and can_cancel(latest)),
                next_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                deliveries_url=reverse("feeds_fediverse_report:index"),
            )
            return context
