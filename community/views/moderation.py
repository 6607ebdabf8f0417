"""The front-end moderation page of a community, for its moderators and the library staff.

``/communautes/<id>/moderation/``: open reports, held posts and comments, active sanctions,
each with the decisions that apply; ``…/moderation/journal/``: the log. Decisions are
POSTed to ``…/moderation/agir/`` and handled by `perform` (also used by the Wagtail admin
queue, `community.moderation_hooks`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.params import redirect_next
from community import roles
from community.actions import moderation as actions
from community.actions.errors import Refused
from community.models import (
    Comment,
    CommunityPage,
    ContentStatus,
    ModerationAction,
    Post,
    Report,
    Sanction,
    User,
)
from community.post_forms import ModerationForm
from community.views.posts import get_community, refused

Action = ModerationAction.Action


def _ensure_moderator(request, community: CommunityPage) -> None:
    if not roles.can_moderate(request.user, community):
        raise Refused(_("Only this community’s moderators and the librarians can see this page."))


def queue_context(user, community: CommunityPage | None) -> dict:
    """What waits for `user` (in `community`, or everywhere they moderate)."""
    reports = actions.reports_for(user)
    posts = actions.held_posts_for(user)
    comments = actions.held_comments_for(user)
    sanctions = Sanction.objects.active().select_related("user", "community")
    ids = roles.moderated_community_ids(user)
    if community is not None:
        reports = reports.filter(community=community)
        posts = posts.filter(community=community)
        comments = comments.filter(post__community=community)
        sanctions = sanctions.filter(community=community)
    else:
        if ids is not None:
            sanctions = sanctions.filter(community_id__in=ids)
    hidden = Post.objects.filter(
        status__in=[ContentStatus.HIDDEN, ContentStatus.REMOVED]
    ).select_related("author", "community")
    if community is not None:
        hidden = hidden.filter(community=community)
    elif ids is not None:
        hidden = hidden.filter(community_id__in=ids)
    held_posts = list(posts.order_by("created_at")[:100])
    held_comments = list(comments.order_by("created_at")[:100])
    return {
        "reports": list(reports[:100]),
        "held_posts": held_posts,
        "held_comments": held_comments,
        "held_count": len(held_posts) + len(held_comments),
        "sanctions": list(sanctions[:100]),
        "hidden_posts": list(hidden.order_by("-created_at")[:50]),
        "can_suspend_network": roles.is_library_staff(user),
    }


@login_required
def queue(request, page_id: int):
    community = get_community(page_id)
    try:
        _ensure_moderator(request, community)
    except Refused as error:
        return refused(request, error, community)
    context = queue_context(request.user, community)
    context.update(community=community, action_url=_action_url(community))
    return render(request, "community/moderation/queue.html", context)


@login_required
def log(request, page_id: int):
    community = get_community(page_id)
    try:
        _ensure_moderator(request, community)
    except Refused as error:
        return refused(request, error, community)
    page_obj = Paginator(actions.log_for(request.user, community), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "community/moderation/log.html",
        {"community": community, "page_obj": page_obj, "entries": page_obj.object_list},
    )


def _action_url(community: CommunityPage) -> str:
    from django.urls import reverse

    return reverse("community:moderation_act", args=[community.pk])


def _object(model, pk, community: CommunityPage | None):
    qs = model.objects.all()
    if community is not None:
        if model is Post:
            qs = qs.filter(community=community)
        elif model is Comment:
            qs = qs.filter(post__community=community)
        elif model in (Report, Sanction):
            qs = qs.filter(community=community)
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def perform(user: User, data: dict, community: CommunityPage | None) -> str:
    """Carry out one moderation decision (`ModerationForm.cleaned_data`); returns a message.

    `community`: the community page the decision was made from (None: the admin queue,
    where the target's own community applies). Raises `Refused`.
    """
    action, target, pk = data["action"], data["target"], data["target_id"]
    reason = data.get("reason") or ""
    report = _object(Report, data["report"], community) if data.get("report") else None
    if target == "report":
        report = _object(Report, pk, community)
        if action == Action.DISMISS:
            actions.dismiss(user, report, reason)
            return _("The report is closed; the reporter is told.")
        obj = report.target
        target = report.target_kind
    elif target == "post":
        obj = _object(Post, pk, community)
    elif target == "comment":
        obj = _object(Comment, pk, community)
    elif target == "sanction":
        obj = _object(Sanction, pk, community)
    else:
        obj = User.objects.filter(pk=pk).first()
        if obj is None:
            raise Http404
    where = community or (report.community if report else None)

    if action in (Action.APPROVE, Action.HIDE, Action.DELETE, Action.RESTORE):
        if target not in ("post", "comment"):
            raise Refused(_("This decision applies to a post or a comment."), status=400)
        actions.moderate_content(user, obj, action, reason, report=report)
        return {
            Action.APPROVE: _("Approved: it is now visible."),
            Action.HIDE: _("Hidden."),
            Action.DELETE: _("Deleted."),
            Action.RESTORE: _("Restored."),
        }[action]
    if action == Action.LIFT:
        if target != "sanction":
            raise Refused(_("Choose the sanction to lift."), status=400)
        actions.lift(user, obj, reason)
        return _("The sanction is lifted.")
    member = obj if isinstance(obj, User) else obj.author
    if isinstance(obj, Post):
        where = where or obj.community
    elif isinstance(obj, Comment):
        where = where or obj.post.community
    if action == Action.WARN:
        actions.warn(user, member, reason, community=where, report=report)
        return _("The member is warned.")
    if action == Action.SUSPEND:
        scope = None if data.get("network") else where
        actions.suspend(
            user, member, reason, days=data.get("days") or 0, community=scope, report=report
        )
        return _("The member is suspended.")
    if action == Action.BAN:
        if where is None:
            raise Refused(_("A ban is from a community: choose which one."), status=400)
        actions.ban(user, member, where, reason, days=data.get("days"), report=report)
        return _("The member is banned from the community.")
    if action == Action.DISMISS:
        raise Refused(_("Choose the report to dismiss."), status=400)
    raise Refused(_("Unknown decision."), status=400)


@require_POST
@login_required
def act(request, page_id: int):
    community = get_community(page_id)
    try:
        _ensure_moderator(request, community)
    except Refused as error:
        return refused(request, error, community)
    form = ModerationForm(request.POST)
    fallback = _queue_url(community)
    if not form.is_valid():
        messages.error(request, _("This decision could not be understood: please try again."))
        return redirect_next(request, fallback)
    try:
        message = perform(request.user, form.cleaned_data, community)
    except Refused as error:
        if error.status in (400, 409) or error.code in ("reason", "days", "staff", "self"):
            messages.error(request, error.message)
            return redirect_next(request, fallback)
        return refused(request, error, community)
    messages.success(request, message)
    return redirect_next(request, fallback)


def _queue_url(community: CommunityPage) -> str:
    from django.urls import reverse

    return reverse("community:moderation_queue", args=[community.pk])
