"""Avatars in the Wagtail admin, drawn here: Wagtail asks Gravatar by default (a hash of the
person's email sent to a third party, and broken images for everyone without an account
there). ``WAGTAIL_GRAVATAR_PROVIDER_URL = None`` turns that off; this hook gives the
member's own picture, else their initials as a small SVG served by the admin itself.
Loaded from ``community.wagtail_hooks``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import escape
from wagtail import hooks

from community.names import colour_index, initials

# The same pairs as the site's .avatar-colour-N classes (static/css/site.css).
COLOURS = [
    ("#e7f0f2", "#0e4c5c"),
    ("#fbe9e3", "#7a2a17"),
    ("#e8f3e8", "#1f5a24"),
    ("#f3eafb", "#4f2a7a"),
    ("#fdf3d8", "#6b4a00"),
    ("#e6ecfa", "#1d3f80"),
]


def initials_svg(name: str, seed: int) -> str:
    background, ink = COLOURS[colour_index(seed, len(COLOURS))]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" fill="{background}"/>'
        f'<text x="32" y="41" text-anchor="middle" font-family="sans-serif" font-size="26" '
        f'font-weight="700" fill="{ink}">{escape(initials(name))}</text></svg>'
    )


def initials_avatar(request, user_id: int) -> HttpResponse:
    """GET /admin/avatars/<id>.svg: a member's initials (admin users only, like every
    admin URL: it tells nothing a staff member cannot already see)."""
    user = get_object_or_404(get_user_model(), pk=user_id)
    response = HttpResponse(initials_svg(user.public_name, user.pk), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@hooks.register("register_admin_urls")
def register_avatar_urls():
    return [path("avatars/<id:user_id>.svg", initials_avatar, name="community_initials_avatar")]


@hooks.register("get_avatar_url")
def local_avatar_url(user, size):
    if getattr(user, "avatar_small", None) and size <= 64:
        return user.avatar_small.url
    if getattr(user, "avatar", None):
        return user.avatar.url
    if getattr(user, "pk", None):
        return reverse("community_initials_avatar", args=[user.pk])
    return None
