"""Public views of the reach package: the card sign-up click-through, the digest opt-in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms.models import Branch
from community.journey import Step, send_journey_step
from community.reach import digest_optin


@require_GET
def card_signup(request, slug: str):
    """Count a click on a branch's "sign up for a card" link, then go there (302).

    Only the branch's own sign-up address can be the target: nothing in the request
    chooses where the redirect goes.
    """
    branch = get_object_or_404(Branch, slug=slug)
    if not branch.card_signup_url:
        raise Http404(_("This médiathèque has no online sign-up."))
    send_journey_step(
        Step.CARD_SIGNUP_CLICKED,
        request=request,
        member=request.user if request.user.is_authenticated else None,
        branch=branch,
        interests=[],
    )
    response = HttpResponseRedirect(branch.card_signup_url)
    response["Cache-Control"] = "no-store"  # every click reaches us, not a cached redirect
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@login_required
def digest_toggle(request):
    """Opt in to (``subscribe=1``) or out of the weekly digest, from the profile page."""
    wanted = request.POST.get("subscribe")
    if wanted not in ("0", "1"):
        messages.error(request, _("Choose whether you want the selection of the week."))
        return redirect("community:profile")
    with transaction.atomic():
        if wanted == "1":
            digest_optin.subscribe(request.user, request=request)
            messages.success(
                request, _("Done: you will receive the selection of the week by email.")
            )
        else:
            digest_optin.unsubscribe(request.user)
            messages.success(
                request, _("Done: you will no longer receive the selection of the week.")
            )
    return redirect("community:profile")
