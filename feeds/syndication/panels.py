"""Admin panels: the connection status (settings) and the Facebook status of a page.

The page panel is shown under the "Facebook" checkbox of cms's "Publier aussi sur" panel
(``cms.panels.PublishAlsoPanel``), which asks the destinations registered through the
``register_publication_destinations`` hook (``admin_hooks``): feeds adds to the cms editors
without cms importing feeds, in keeping with the layering.
"""

from __future__ import annotations

import json

from django.urls import reverse
from wagtail.admin.panels import Panel


class ConnectionStatusPanel(Panel):
    """Read-only: connected Page, last verification, token's last four characters, state."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "feeds/syndication/connection_status_panel.html"

        def get_context_data(self, parent_context=None):
            from .models import Syndication

            context = super().get_context_data(parent_context)
            context.update(
                connection=self.instance,
                pending=Syndication.objects.facebook().unfinished().count(),
                login_url=reverse("feeds_syndication:connect_pages"),
            )
            return context


class SyndicationStatusPanel(Panel):
    """On an announcement or event: Facebook status, post link, retry, targeting."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "feeds/syndication/page_status_panel.html"

        def is_shown(self):
            # on a page that exists: with its checkbox, or when it has rows already
            if not (self.instance and self.instance.pk):
                return False
            if self.form is None or "publish_on_facebook" in self.form.fields:
                return True
            from feeds.syndication.models import Syndication

            return Syndication.objects.facebook().for_page(self.instance.pk).exists()

        def get_context_data(self, parent_context=None):
            from .models import AdCampaign, FacebookConnection, Syndication
            from .outbox import current_post
            from .targeting import targeting_spec

            context = super().get_context_data(parent_context)
            page = self.instance
            rows = list(Syndication.objects.facebook().for_page(page.pk).order_by("-id")[:5])
            user = getattr(self.request, "user", None)
            can_retry = bool(
                user is not None
                and user.is_authenticated
                and page.permissions_for_user(user).can_edit()
            )
            connection = FacebookConnection.load()
            try:
                spec = json.dumps(targeting_spec(page), indent=2, ensure_ascii=False)
            except Exception:  # a page being created: no branch yet
                spec = ""
            context.update(
                page=page,
                latest=rows[0] if rows else None,
                history=rows,
                post=current_post(page.pk),
                connection=connection,
                can_retry=can_retry,
                next_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                targeting_json=spec,
                targeting_url=reverse("feeds_syndication:targeting", args=[page.pk]),
                campaigns=list(AdCampaign.objects.filter(page_id=page.pk)[:3]),
            )
            return context
