from .communities import CommunityIndexPage, CommunityPage, Membership
from .events import EventRegistration
from .interactions import Interaction
from .lists import ReadingList, ReadingListEntry
from .members import FollowedInterest, User
from .moderation import ModerationAction, ModerationSettings, Report, Sanction
from .notifications import Notification
from .posts import Comment, ContentStatus, Post, Reaction
from .social import Block, Follow
from .suggestions import PurchaseSuggestion, SuggestionSupport
from .tokens import AccessToken
from .topics import TopicCategory, TopicFollow, TopicRead

__all__ = [
    "CommunityIndexPage",
    "CommunityPage",
    "EventRegistration",
    "FollowedInterest",
    "Interaction",
    "Membership",
    "Notification",
    "User",
    # community life: posts, moderation, follows and blocks
    "Block",
    "Comment",
    "ContentStatus",
    "Follow",
    "ModerationAction",
    "ModerationSettings",
    "Post",
    "Reaction",
    "Report",
    "Sanction",
    # purchase suggestions
    "PurchaseSuggestion",
    "SuggestionSupport",
    # members' reading lists
    "ReadingList",
    "ReadingListEntry",
    # topics: categories, read positions, follows
    "TopicCategory",
    "TopicFollow",
    "TopicRead",
    # the API's personal access tokens
    "AccessToken",
]
