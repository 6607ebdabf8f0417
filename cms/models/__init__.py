"""Ground-floor models: interests, branches, the catalogue, library pages, network settings."""

from .branches import Branch
from .catalogue import (
    Audience,
    CatalogueItem,
    DocumentType,
    Holding,
    HoldingStatus,
    SubjectRule,
)
from .interests import Interest
from .library_pages import (
    AnnouncementPage,
    BranchIndexPage,
    BranchPage,
    EventIndexPage,
    EventPage,
    NewsIndexPage,
    RecommendationIndexPage,
    RecommendationPage,
    Service,
)
from .pages import HomePage
from .settings import NetworkSettings

__all__ = [
    "AnnouncementPage",
    "Audience",
    "Branch",
    "BranchIndexPage",
    "BranchPage",
    "CatalogueItem",
    "DocumentType",
    "EventIndexPage",
    "EventPage",
    "HomePage",
    "Holding",
    "HoldingStatus",
    "Interest",
    "NetworkSettings",
    "NewsIndexPage",
    "RecommendationIndexPage",
    "RecommendationPage",
    "Service",
    "SubjectRule",
]
