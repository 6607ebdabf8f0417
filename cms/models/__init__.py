"""Ground-floor models: the interest taxonomy, the branches and the home page."""

from .branches import Branch
from .interests import Interest
from .pages import HomePage

__all__ = ["Branch", "HomePage", "Interest"]
