"""Template tags of the reach package: the digest opt-in state, the card sign-up link."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def digest_subscribed(context) -> bool:
    """True if the logged-in member gets the weekly digest."""
    from community.reach.digest_optin import is_subscribed

    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and is_subscribed(user))


@register.simple_tag
def digest_consent_text() -> str:
    from community.reach.digest_optin import consent_wording

    return consent_wording()


@register.simple_tag
def card_signup_url(branch) -> str:
    """The counted click-through address of a branch's card sign-up link ("" if none)."""
    if not getattr(branch, "card_signup_url", "") or not getattr(branch, "slug", ""):
        return ""
    return reverse("reach:card_signup", args=[branch.slug])
