"""What the questionnaire does: answer, consent, count, suggest, and turn prospects into members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from cms import geo
from cms.branches import BranchDistance, nearest_branches
from cms.dates import format_datetime
from cms.event_series import OVERFETCH, one_per_series
from cms.links import absolute_url, page_url
from cms.models import Branch, CatalogueItem, EventPage, Interest, Service
from cms.transactions import on_commit_enqueue
from community.journey import Step, send_journey_step
from community.outreach.consents import consent_text, give_consent
from community.outreach.models import AnswerCount, ConsentRecord, Partner, Prospect, Purpose

MAX_INTERESTS = 5
WIDGET_PURPOSES = (Purpose.SUGGESTIONS_EMAIL, Purpose.RECONTACT)


@dataclass
class Answer:
    """A validated questionnaire answer (see ``forms.AnswerForm``)."""

    interests: list[Interest]
    commune: geo.Commune
    purposes: list[str] = field(default_factory=list)
    email: str = ""
    under_15: bool = False
    parental: bool = False


@dataclass
class Suggestion:
    kind: str  # "event", "item" or "service"
    title: str
    detail: str
    url: str


@dataclass
class Outcome:
    nearest: BranchDistance
    suggestions: list[Suggestion]
    links: dict[str, str]
    prospect: Prospect | None = None
    consents: list[ConsentRecord] = field(default_factory=list)


# --- Suggestions ---------------------------------------------------------------------------


def partner_branches(partner: Partner | None) -> list[Branch]:
    branches = list(partner.branches.all()) if partner is not None else []
    return branches or list(Branch.objects.all())


def nearest_for(commune: geo.Commune, partner: Partner | None) -> BranchDistance | None:
    ranked = nearest_branches(commune.lat, commune.lon, partner_branches(partner))
    return ranked[0] if ranked else None


def _page_url(page) -> str:
    return page_url(page) or absolute_url("/")


def suggestions_for(
    branch: Branch, interests: Sequence[Interest], limit: int = 3
) -> list[Suggestion]:
    """Up to ``limit`` things at ``branch`` for these interests: events, then items, then
    services. Events tagged with a chosen interest come before those only of its family
    (its parent, its children); a series is suggested once, its next session."""
    family = list(Interest.objects.with_family(interests).values_list("pk", flat=True))
    chosen = [i.pk for i in interests]
    found: list[Suggestion] = []
    direct = EventPage.objects.filter(pk=OuterRef("pk"), interests__in=chosen)
    events = one_per_series(
        EventPage.objects.live()
        .filter(branch=branch, end__gte=timezone.now(), interests__in=family)
        .distinct()
        .annotate(direct=Exists(direct))
        .order_by("-direct", "start")[: limit * OVERFETCH],
        limit,
    )
    for event in events:
        when = format_datetime(event.start)
        found.append(Suggestion("event", event.title, when, _page_url(event)))
    if len(found) < limit:
        items = (
            CatalogueItem.objects.active()
            .available_at(branch)
            .filter(interests__in=family)
            .distinct()
            .order_by("-year", "title")[: limit - len(found)]
        )
        for item in items:
            url = absolute_url(reverse("search:item", args=[item.record_id]))
            detail = ", ".join(p for p in (item.main_author, str(item.year or "")) if p)
            found.append(Suggestion("item", item.title, detail, url))
    if len(found) < limit:
        page = getattr(branch, "page", None)
        services = (
            page.services.all()[: limit - len(found)]
            if page is not None
            else Service.objects.none()
        )
        for service in services:
            found.append(Suggestion("service", service.name, service.description, _page_url(page)))
    return found


def signup_url(email: str = "", utm: dict[str, str] | None = None) -> str:
    """The sign-up page, with the address filled in (the invitation) and the source."""
    query = {**({"email": email} if email else {}), **(utm or {})}
    return absolute_url(reverse("account_signup")) + ("?" + urlencode(query) if query else "")


def branch_links(
    branch: Branch, partner: Partner | None, interests: Sequence[Interest] = (), email: str = ""
) -> dict[str, str]:
    """The calls to action: a community, an account (the invitation), the library card."""
    from community.models import CommunityIndexPage, CommunityPage

    page = getattr(branch, "page", None)
    branch_url = _page_url(page) if page is not None else (branch.website or "")
    utm = {"utm_source": partner.slug, "utm_medium": "widget"} if partner is not None else {}
    family = Interest.objects.with_family(interests).values("pk") if interests else None
    community = None
    if family is not None:
        community = (
            CommunityPage.objects.live().filter(interests__in=family).order_by("path").first()
        )
    if community is None:
        community = CommunityIndexPage.objects.live().first()
    community_url = _page_url(community) if community is not None else absolute_url("/")
    return {
        "branch": branch_url,
        "community": community_url + ("?" + urlencode(utm) if utm else ""),
        "account": signup_url(email, utm),
        "card": _card_signup_url(branch, utm) or branch_url,
    }


def _card_signup_url(branch: Branch, utm: dict[str, str]) -> str:
    """The library-card sign-up, through our counted click-through (community.reach)."""
    if not branch.card_signup_url:
        return ""
    url = absolute_url(reverse("reach:card_signup", args=[branch.slug]))
    return url + ("?" + urlencode(utm) if utm else "")


# --- Answers -------------------------------------------------------------------------------


def count_answer(
    partner: Partner, branch: Branch, interests: Sequence[Interest], day: date
) -> None:
    """Add one anonymous answer per chosen interest to the day's aggregate (race-safe)."""
    for interest in interests:
        keys = {"day": day, "partner": partner, "interest": interest, "branch": branch}
        if AnswerCount.objects.filter(**keys).update(answers=F("answers") + 1):
            continue
        try:
            with transaction.atomic():
                AnswerCount.objects.create(**keys, answers=1)
        except IntegrityError:  # created meanwhile by a concurrent answer
            AnswerCount.objects.filter(**keys).update(answers=F("answers") + 1)


def _prospect_for(email: str) -> Prospect:
    """The open prospect using ``email``, created with the address alone when there is none.

    Nothing of the answer is written on it here: an answer only reaches the prospect once
    the address's owner confirms (community.outreach.confirmation).
    """
    prospect = (
        Prospect.objects.select_for_update()
        .filter(email__iexact=email, merged_into__isnull=True, merged_at__isnull=True)
        .first()
    )
    if prospect is None:
        prospect = Prospect.objects.create(email=email, last_contact_at=timezone.now())
    return prospect


@transaction.atomic
def answer_questionnaire(partner: Partner, answer: Answer, *, request=None) -> Outcome | None:
    """Record an answer: always the anonymous count; with consent, pending consents and
    the confirmation email to the address (double opt-in), nothing else.

    Returns None when the network has no branch to suggest.
    """
    nearest = nearest_for(answer.commune, partner)
    if nearest is None:
        return None
    branch = nearest.branch
    count_answer(partner, branch, answer.interests, timezone.localdate())
    outcome = Outcome(
        nearest=nearest,
        suggestions=suggestions_for(branch, answer.interests),
        links=branch_links(branch, partner, answer.interests),
    )
    send_journey_step(
        Step.QUESTIONNAIRE_ANSWERED,
        request=request,
        branch=branch,
        interests=answer.interests,
        source=partner.slug,
    )
    if not answer.purposes:
        return outcome
    from community.outreach.confirmation import confirmation_token
    from community.outreach.tasks import send_consent_confirmation

    prospect = _prospect_for(answer.email)
    for purpose in answer.purposes:
        outcome.consents.append(
            give_consent(
                purpose=purpose,
                text=consent_text(purpose),
                source=partner.slug,
                request=request,
                prospect=prospect,
                parental=answer.under_15 and answer.parental,
                confirmed=False,
            )
        )
    outcome.prospect = prospect
    send_journey_step(
        Step.CONSENT_REQUESTED,
        request=request,
        branch=branch,
        interests=answer.interests,
        source=partner.slug,
    )
    token = confirmation_token(
        prospect,
        outcome.consents,
        interests=answer.interests,
        commune=answer.commune,
        branch=branch,
        partner=partner,
    )
    on_commit_enqueue(send_consent_confirmation, prospect.pk, token)
    return outcome


# --- Prospects become members ---------------------------------------------------------------


@transaction.atomic
def merge_prospect(user, email: str) -> Prospect | None:
    """Carry the open prospect using ``email`` over to ``user``; None if there is none.

    Interests and commune are copied only when the member has none yet; consents are
    re-linked to the member; the prospect is marked merged (never duplicated).
    """
    from community.actions.onboarding import set_home_branch, set_interests, set_place

    prospect = (
        Prospect.objects.select_for_update(of=("self",))
        .filter(email__iexact=email, merged_into__isnull=True, merged_at__isnull=True)
        .select_related("partner", "nearest_branch")
        .first()
    )
    if prospect is None:
        return None
    interests = list(prospect.interests.all())
    if interests and not user.followed_interests.exists():
        set_interests(user, interests)
    if not user.commune_insee and prospect.commune_insee:
        commune = geo.by_insee(prospect.commune_insee)
        if commune is not None:
            set_place(user, commune)
    if user.home_branch_id is None and prospect.nearest_branch_id:
        set_home_branch(user, prospect.nearest_branch)
    # Consents the address's owner never confirmed are not carried over: someone else may
    # have asked for them with this address.
    prospect.consents.filter(confirmed_at__isnull=True, withdrawn_at__isnull=True).delete()
    prospect.consents.update(user=user)
    prospect.merged_into = user
    prospect.merged_at = timezone.now()
    prospect.save(update_fields=["merged_into", "merged_at"])
    # The sign-up itself is counted once, credited to the prospect's partner, by
    # community.outreach.signup before this runs; counting it here would count it twice.
    return prospect
