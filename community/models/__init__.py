from .communities import CommunityIndexPage, CommunityPage, Membership
from .members import FollowedInterest, User

__all__ = ["CommunityIndexPage", "CommunityPage", "FollowedInterest", "Membership", "User"]
