"""Joining and leaving themed communities (idempotent: one membership row per pair)."""

from django.db import IntegrityError, transaction

from community.journey import Step, send_journey_step
from community.models import CommunityPage, Membership, User


def join_community(user: User, community: CommunityPage) -> bool:
    """Make `user` a member of `community`. Returns True if they just joined."""
    try:
        with transaction.atomic():
            _, created = Membership.objects.get_or_create(user=user, community=community)
    except IntegrityError:  # a concurrent join of the same pair won the race
        return False
    if created:
        send_journey_step(Step.COMMUNITY_JOINED, member=user, interests=community.interests.all())
    return created


def leave_community(user: User, community: CommunityPage) -> bool:
    """Remove the membership. Returns True if there was one."""
    deleted, _ = Membership.objects.filter(user=user, community=community).delete()
    return deleted > 0
