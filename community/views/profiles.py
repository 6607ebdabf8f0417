"""Public profiles at /membres/<handle>/, their editing, following and blocking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.params import redirect_next
from community import roles
from community.actions import profiles as profile_actions
from community.actions import social
from community.actions.errors import Refused
from community.avatars import ImageRejected
from community.models import Block, ContentStatus, Post, User
from community.post_forms import PublicProfileForm
from community.templatetags.community_life import mark_reactions
from community.views.posts import refused, report_view

RECENT_POSTS = 10


def _member(handle: str) -> User:
    return get_object_or_404(User, handle__iexact=handle, is_active=True)


def member_profile(request, handle: str):
    owner = _member(handle)
    if owner.handle != handle:  # one address per member: /membres/Lea/ → /membres/lea/
        return redirect(owner.profile_url, permanent=True)
    viewer = request.user
    if not profile_actions.can_view_profile(viewer, owner):
        status = 404 if viewer.is_authenticated and owner.pk in social.blocked_ids(viewer) else 403
        return render(
            request,
            "community/profiles/hidden.html",
            {"owner": owner, "login_needed": not viewer.is_authenticated},
            status=status,
        )
    posts = list(
        Post.objects.filter(author=owner, status=ContentStatus.PUBLISHED)
        .filter(community__live=True)
        .for_display()
        .select_related("community")
        .order_by("-created_at")[:RECENT_POSTS]
    )
    mark_reactions(viewer, posts)
    is_self = viewer.is_authenticated and viewer.pk == owner.pk
    return render(
        request,
        "community/profiles/detail.html",
        {
            "owner": owner,
            "is_self": is_self,
            "interests": profile_actions.public_interests(owner, viewer),
            "communities": [
                m.community
                for m in owner.memberships.select_related("community")
                .filter(community__live=True)
                .order_by("community__title")
            ],
            "posts": posts,
            "is_following": not is_self and social.is_following(viewer, owner),
            "has_blocked": viewer.is_authenticated
            and not is_self
            and social.has_blocked(viewer, owner),
            "follower_count": owner.follower_links.count(),
            "following_count": owner.following_links.count(),
            "owner_is_staff": roles.is_library_staff(owner),
        },
    )


@login_required
def profile_edit(request):
    user = request.user
    initial = {
        "display_name": user.display_name,
        "handle": user.handle,
        "bio": user.bio,
        "profile_visibility": user.profile_visibility,
        "public_interests": [
            str(pk)
            for pk in user.followed_interests.filter(is_public=True).values_list(
                "interest_id", flat=True
            )
        ],
    }
    if request.method == "POST":
        form = PublicProfileForm(request.POST, request.FILES, user=user, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    profile_actions.update_public_profile(
                        user,
                        display_name=data["display_name"],
                        handle=data["handle"],
                        bio=data["bio"],
                        visibility=data["profile_visibility"],
                        public_interest_ids=[int(pk) for pk in data["public_interests"]],
                    )
                    if data.get("avatar"):
                        profile_actions.set_avatar(user, data["avatar"])
                    elif data.get("remove_avatar"):
                        profile_actions.remove_avatar(user)
            except ImageRejected as error:
                form.add_error("avatar", error.messages)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your public profile has been saved."))
                return redirect("community:profile_edit")
        user.refresh_from_db()
    else:
        form = PublicProfileForm(user=user, initial=initial)
    blocked = Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")
    return render(
        request,
        "community/profiles/edit.html",
        {"form": form, "owner": user, "blocked_links": blocked},
    )


@require_POST
@login_required
def member_follow(request, handle: str):
    owner = _member(handle)
    try:
        if request.POST.get("follow") == "0":
            social.unfollow(request.user, owner)
            messages.success(
                request, _("You no longer follow %(name)s.") % {"name": owner.public_name}
            )
        else:
            social.follow(request.user, owner)
            messages.success(request, _("You follow %(name)s.") % {"name": owner.public_name})
    except Refused as error:
        return refused(request, error)
    return redirect_next(request, owner.profile_url)


@require_POST
@login_required
def member_block(request, handle: str):
    owner = _member(handle)
    try:
        if request.POST.get("block") == "0":
            social.unblock(request.user, owner)
            messages.success(request, _("You unblocked %(name)s.") % {"name": owner.public_name})
            return redirect_next(request, owner.profile_url)
        social.block(request.user, owner)
    except Refused as error:
        return refused(request, error)
    messages.success(
        request,
        _("You blocked %(name)s: you will no longer see each other’s posts or profile.")
        % {"name": owner.public_name},
    )
    return redirect_next(request, "community:profile_edit")


@login_required
def report_member(request, handle: str):
    owner = _member(handle)
    if owner.pk == request.user.pk:
        raise Http404
    return report_view(
        request,
        community=None,
        target_label=_("this member"),
        cancel_url=owner.profile_url,
        member=owner,
    )
