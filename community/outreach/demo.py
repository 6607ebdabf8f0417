"""Demo partner site (``load_demo``): a pretend city portal on http://127.0.0.1:8001.

DEMO DATA. Serve any page embedding the widget from that origin to try it, e.g.
``python -m http.server 8001`` in a folder holding a page with
``<script src="http://127.0.0.1:8000/widget.js" data-partner="ville-aubagne" async></script>``.
Upserted by slug, so running ``load_demo`` again changes nothing.
"""

from __future__ import annotations

from cms.models import Branch
from community.outreach.models import Partner

DEMO_PARTNER = {
    "slug": "ville-aubagne",
    "name": "Ville d'Aubagne (démo)",
    "allowed_origins": "http://127.0.0.1:8001\nhttp://localhost:8001",
    "primary_colour": "#0f4c5c",
    "secondary_colour": "#eef6f8",
    "delay_seconds": None,
    "active": True,
}
DEMO_PARTNER_BRANCHES = ["marcel-pagnol-aubagne"]


def load_partners(tally_class):
    """Create or update the demo partner; returns a loader ``Tally``."""
    tally = tally_class("partner sites (demo)")
    values = {k: v for k, v in DEMO_PARTNER.items() if k != "slug"}
    partner = Partner.objects.filter(slug=DEMO_PARTNER["slug"]).first()
    if partner is None:
        partner = Partner.objects.create(slug=DEMO_PARTNER["slug"], **values)
        status = "created"
    else:
        changed = [k for k, v in values.items() if getattr(partner, k) != v]
        for k in changed:
            setattr(partner, k, values[k])
        if changed:
            partner.save(update_fields=changed)
        status = "updated" if changed else "unchanged"
    wanted = set(Branch.objects.filter(slug__in=DEMO_PARTNER_BRANCHES).values_list("pk", flat=True))
    if set(partner.branches.values_list("pk", flat=True)) != wanted:
        partner.branches.set(wanted)
        status = "updated" if status == "unchanged" else status
    tally.add(status)
    return tally
