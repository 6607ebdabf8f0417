"""On login: the member is no longer inactive (their inactivity warning is dropped), and
the time is noted in the session (deleting an account without a password needs a login
in the last few minutes)."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from community.privacy.models import InactivityWarning

SESSION_KEY = "privacy_authenticated_at"


@receiver(user_logged_in, dispatch_uid="privacy_on_login")
def on_login(sender, request, user, **kwargs) -> None:
    InactivityWarning.objects.filter(user_id=user.pk).delete()
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = time.time()


def recently_authenticated(request) -> bool:
    """Logged in within ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds (allauth's, 300 s)."""
    at = request.session.get(SESSION_KEY)
    timeout = getattr(settings, "ACCOUNT_REAUTHENTICATION_TIMEOUT", 300)
    return isinstance(at, (int, float)) and time.time() - at < timeout
