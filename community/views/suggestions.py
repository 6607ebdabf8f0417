"""Purchase suggestions on the site: the list with "Moi aussi", the form. Thin: parse, call
one action (community.actions.suggestions), render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.validators import slug_re
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.models import Interest
from cms.params import parse_id, redirect_next
from community.actions import suggestions as actions
from community.actions.errors import Refused
from community.actions.ratelimits import RateLimited
from community.models import CommunityPage, PurchaseSuggestion, SuggestionSupport
from community.suggestion_forms import SuggestionForm
from community.views.posts import rate_limited, refused

Status = PurchaseSuggestion.Status
SHOWN_STATES = [Status.RECEIVED, Status.ACCEPTED, Status.ORDERED, Status.AVAILABLE, Status.REFUSED]
PAGE_SIZE = 20


def suggestion_list(request):
    """Open suggestions first (most supported first), then those decided; filters by interest
    and state. No names: who suggested or supported is nobody else's business."""
    queryset = PurchaseSuggestion.objects.filter(status__in=SHOWN_STATES).annotate(
        supporters=Count("supports", distinct=True)
    )
    state = request.GET.get("etat", "")
    if state in SHOWN_STATES:
        queryset = queryset.filter(status=state)
    else:
        state = ""
        queryset = queryset.filter(status__in=PurchaseSuggestion.OPEN)
    interest = None
    slug = request.GET.get("centre", "")
    if slug_re.match(slug):  # a slug, or not looked up (PostgreSQL refuses NUL in text)
        interest = Interest.objects.filter(slug=slug).first()
        if interest is not None:
            queryset = queryset.filter(
                interests__in=Interest.objects.with_family([interest]).values("pk")
            ).distinct()
    if request.user.is_authenticated:
        queryset = queryset.annotate(
            supported=Exists(
                SuggestionSupport.objects.filter(suggestion=OuterRef("pk"), user=request.user)
            )
        )
    queryset = (
        queryset.select_related("item")
        .prefetch_related("interests")
        .order_by("-supporters", "-created_at", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/suggestions/list.html",
        {
            "page": page,
            "state": state,
            "states": [(s, Status(s).label) for s in SHOWN_STATES],
            "interest": interest,
            "interests": Interest.objects.filter(parent__isnull=True).order_by("position", "name"),
        },
    )


@login_required
def suggest(request):
    initial = {
        "title": request.GET.get("titre", "")[:300],
        "author": request.GET.get("auteur", "")[:200],
    }
    community = None
    community_id = parse_id(request.GET.get("communaute"))
    if community_id is not None:
        community = CommunityPage.objects.live().public().filter(pk=community_id).first()
    if community is not None:
        initial["interests"] = list(community.interests.values_list("pk", flat=True))
    else:
        initial["interests"] = list(request.user.interests.values_list("pk", flat=True))
    form = SuggestionForm(request.POST or None, initial=initial)
    held = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion, created = actions.suggest(
                request.user,
                title=data["title"],
                author=data["author"],
                isbn=data["isbn"],
                reason=data["reason"],
                interests=data["interests"],
            )
        except actions.AlreadyHeld as found:
            held = found.item
        except RateLimited as error:
            return rate_limited(request, error)
        except Refused as error:
            if error.status == 400:
                form.add_error("isbn" if error.code == "isbn" else None, error.message)
            else:
                return refused(request, error)
        else:
            if created:
                messages.success(
                    request,
                    _(
                        "Thank you: the librarians will read your suggestion. Others can support it."
                    ),
                )
            else:
                messages.info(
                    request,
                    _("This title had already been suggested: your support has been added to it."),
                )
            return redirect(reverse("community:suggestions") + f"#suggestion-{suggestion.pk}")
    return render(
        request,
        "community/suggestions/form.html",
        {"form": form, "held": held, "community": community},
        status=400 if request.method == "POST" and held is None else 200,
    )


@require_POST
def support(request, suggestion_id: int):
    suggestion = get_object_or_404(PurchaseSuggestion, pk=suggestion_id)
    fallback = reverse("community:suggestions") + f"#suggestion-{suggestion.pk}"
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={reverse('community:suggestions')}")
    try:
        if request.POST.get("support", "1") == "0":
            actions.withdraw_support(request.user, suggestion)
            messages.info(request, _("You no longer support this suggestion."))
        else:
            actions.support(request.user, suggestion)
            messages.success(request, _("Noted: you want this title too."))
    except Refused as error:
        return refused(request, error)
    return redirect_next(request, fallback)
