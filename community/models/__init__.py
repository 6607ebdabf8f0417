from .communities import CommunityIndexPage, CommunityPage, Membership
from .events import EventRegistration
from .members import FollowedInterest, User

__all__ = [
    "CommunityIndexPage",
    "CommunityPage",
    "EventRegistration",
    "FollowedInterest",
    "Membership",
    "User",
]
