"""The "Réserver" click-through: record the step, then go to the item's record in the OPAC."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cms.models import CatalogueItem, NetworkSettings
from community.journey import Step, send_journey_step


def _refusal(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def reserve(request: HttpRequest, item_id: int) -> HttpResponse:
    """302 to the network's OPAC record of the item (never to an address taken from the request)."""
    item = get_object_or_404(CatalogueItem, pk=item_id)
    if item.withdrawn:
        return _refusal(_("This item is no longer in the collections."), 410)
    target = NetworkSettings.load(request_or_site=request).opac_url(item.record_id)
    if not target:
        return _refusal(_("The network has no online catalogue to reserve from."), 404)
    member = request.user if request.user.is_authenticated else None
    send_journey_step(
        Step.RESERVATION_CLICKED,
        request=request,
        member=member,
        branch=getattr(member, "home_branch", None),
        item=item,
    )
    return HttpResponseRedirect(target)
