"""Member-side views: onboarding, profile, joining and leaving communities. Thin: parse, act, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms import geo
from cms.branches import nearest_branch
from cms.params import redirect_next
from community.actions.memberships import join_community, leave_community
from community.actions.onboarding import (
    complete_onboarding,
    save_interests_and_place,
    update_profile,
)
from community.forms import HomeBranchForm, InterestsAndPlaceForm, ProfileForm
from community.models import CommunityIndexPage, CommunityPage


def _member_commune(user) -> geo.Commune | None:
    return geo.by_insee(user.commune_insee) if user.commune_insee else None


def _communities_url() -> str:
    index = CommunityIndexPage.objects.live().first()
    return index.url if index else "/"


@login_required
def onboarding(request):
    """Step 1: interests and commune."""
    user = request.user
    initial = {
        "display_name": user.display_name,  # the neutral name given at sign-up, or theirs
        "interests": list(user.interests.all()),
        "place": user.commune_name,
    }
    if request.method == "POST":
        form = InterestsAndPlaceForm(request.POST, initial=initial)
        if form.is_valid():
            save_interests_and_place(
                user,
                display_name=form.cleaned_data["display_name"],
                interests=form.cleaned_data["interests"],
                commune=form.cleaned_data["place"],
            )
            return redirect("community:onboarding_branch")
    else:
        form = InterestsAndPlaceForm(initial=initial)
    return render(request, "community/onboarding.html", {"form": form, "step": 1})


@login_required
def onboarding_branch(request):
    """Step 2: the nearest branch is shown; the member confirms it or picks another."""
    user = request.user
    commune = _member_commune(user)
    if commune is None or not user.interests.exists():
        return redirect("community:onboarding")
    nearest = nearest_branch(commune.lat, commune.lon)
    if request.method == "POST":
        form = HomeBranchForm(request.POST, origin=commune)
        if form.is_valid():
            complete_onboarding(user, branch=form.cleaned_data["branch"])
            messages.success(
                request,
                _("Welcome! Here are the communities that match your interests."),
            )
            return redirect(_communities_url())
    else:
        initial_branch = user.home_branch_id or (nearest.branch.pk if nearest else None)
        form = HomeBranchForm(initial={"branch": initial_branch}, origin=commune)
    return render(
        request,
        "community/onboarding_branch.html",
        {
            "form": form,
            "step": 2,
            "commune": commune,
            "nearest": nearest,
            "near_limit_km": settings.AFFINITES_NEAR_BRANCH_KM,
        },
    )


@login_required
def profile(request):
    """Everything chosen during onboarding, editable in one form."""
    user = request.user
    commune = _member_commune(user)
    initial = {
        "display_name": user.display_name,
        "interests": list(user.interests.all()),
        "place": user.commune_name,
        "insee": user.commune_insee,
        "branch": user.home_branch_id,
        "notify_by_email": user.notify_by_email,
    }
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=initial, origin=commune)
        if form.is_valid():
            update_profile(
                user,
                display_name=form.cleaned_data["display_name"].strip(),
                interests=form.cleaned_data["interests"],
                commune=form.cleaned_data["place"],
                branch=form.cleaned_data["branch"],
                notify_by_email=form.cleaned_data["notify_by_email"],
            )
            messages.success(request, _("Your profile has been saved."))
            return redirect("community:profile")
    else:
        form = ProfileForm(initial=initial, origin=commune)
    nearest = nearest_branch(commune.lat, commune.lon) if commune else None
    return render(
        request,
        "community/profile.html",
        {
            "form": form,
            "commune": commune,
            "nearest": nearest,
            "near_limit_km": settings.AFFINITES_NEAR_BRANCH_KM,
            "memberships": user.memberships.select_related("community").order_by(
                "community__title"
            ),
        },
    )


def _back(request, community: CommunityPage) -> HttpResponseRedirect:
    return redirect_next(request, community.url)


@require_POST
@login_required
def join(request, page_id: int):
    community = get_object_or_404(CommunityPage.objects.live().public(), pk=page_id)
    if join_community(request.user, community):
        messages.success(request, _("You joined “%(name)s”.") % {"name": community.title})
    else:
        messages.info(
            request, _("You are already a member of “%(name)s”.") % {"name": community.title}
        )
    return _back(request, community)


@require_POST
@login_required
def leave(request, page_id: int):
    community = get_object_or_404(CommunityPage.objects.live().public(), pk=page_id)
    if leave_community(request.user, community):
        messages.success(request, _("You left “%(name)s”.") % {"name": community.title})
    else:
        messages.info(
            request, _("You were not a member of “%(name)s”.") % {"name": community.title}
        )
    return _back(request, community)
