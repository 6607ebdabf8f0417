"""A member's interests, commune and home branch."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from cms import geo
from cms.branches import BranchDistance, nearest_branch
from cms.models import Branch, Interest
from community.models import FollowedInterest, User
from community.models.members import unique_handle


@transaction.atomic
def set_interests(user: User, interests: Iterable[Interest]) -> None:
    """Replace the member's followed interests, keeping the visibility of those they keep."""
    wanted = {i.pk for i in interests}
    FollowedInterest.objects.filter(user=user).exclude(interest_id__in=wanted).delete()
    existing = set(FollowedInterest.objects.filter(user=user).values_list("interest_id", flat=True))
    FollowedInterest.objects.bulk_create(
        [FollowedInterest(user=user, interest_id=pk) for pk in wanted - existing],
        ignore_conflicts=True,
    )


def follow_interest(user: User, interest: Interest) -> bool:
    """Follow one more interest (shown on the profile by default); True if newly followed."""
    try:
        with transaction.atomic():
            _, created = FollowedInterest.objects.get_or_create(user=user, interest=interest)
    except IntegrityError:  # a concurrent follow of the same pair won the race
        return False
    return created


def unfollow_interest(user: User, interest: Interest) -> bool:
    """Stop following an interest; True if it was followed."""
    deleted, _ = FollowedInterest.objects.filter(user=user, interest=interest).delete()
    return deleted > 0


def set_place(user: User, commune: geo.Commune) -> None:
    """Store where the member lives, at commune level (no street address)."""
    user.commune_insee = commune.insee
    user.commune_name = commune.name
    user.latitude = commune.lat
    user.longitude = commune.lon
    user.save(update_fields=["commune_insee", "commune_name", "latitude", "longitude"])


def set_home_branch(user: User, branch: Branch | None) -> None:
    user.home_branch = branch
    user.save(update_fields=["home_branch"])


def set_public_name(user: User, display_name: str) -> None:
    """The name others see. Before onboarding is complete, the @handle follows it (it was
    made from the neutral name given at sign-up and nobody has used it yet)."""
    display_name = " ".join(display_name.split())
    if display_name == user.display_name:
        return
    user.display_name = display_name
    fields = ["display_name"]
    if user.onboarded_at is None:
        user.handle = unique_handle(user)
        fields.append("handle")
    user.save(update_fields=fields)


@transaction.atomic
def save_interests_and_place(
    user: User,
    *,
    interests: Iterable[Interest],
    commune: geo.Commune,
    display_name: str | None = None,
) -> BranchDistance | None:
    """First onboarding step: public name, interests and commune; proposes the nearest
    branch.

    The nearest branch becomes the home branch when the member has none yet (they confirm
    or change it on the next step); an existing choice is kept.
    """
    if display_name is not None:
        set_public_name(user, display_name)
    set_interests(user, interests)
    set_place(user, commune)
    nearest = nearest_branch(commune.lat, commune.lon)
    if user.home_branch_id is None and nearest is not None:
        set_home_branch(user, nearest.branch)
    return nearest


@transaction.atomic
def complete_onboarding(user: User, *, branch: Branch) -> None:
    """Second step: the member confirms or changes their home branch; onboarding is done."""
    user.home_branch = branch
    if user.onboarded_at is None:
        user.onboarded_at = timezone.now()
    user.save(update_fields=["home_branch", "onboarded_at"])


@transaction.atomic
def update_profile(
    user: User,
    *,
    display_name: str,
    interests: Iterable[Interest],
    commune: geo.Commune,
    branch: Branch,
    notify_by_email: bool | None = None,
) -> None:
    """The profile page saves everything at once (`notify_by_email=None`: left as is)."""
    user.display_name = " ".join(display_name.split())
    fields = ["display_name"]
    if notify_by_email is not None:
        user.notify_by_email = notify_by_email
        fields.append("notify_by_email")
    user.save(update_fields=fields)
    set_interests(user, interests)
    set_place(user, commune)
    complete_onboarding(user, branch=branch)
