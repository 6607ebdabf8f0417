"""Posts, comments, reactions and reports in a community. Thin: parse, call one action, render.

A refusal (`Refused`: not a member, suspended, banned, blocked…) renders a page that says
why, with its status (403 mostly); a rate limit renders 429 with ``Retry-After`` and the
time when the member can act again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.params import parse_id, redirect_next
from community import roles
from community.actions import moderation as moderation_actions
from community.actions import posts as post_actions
from community.actions import reactions as reaction_actions
from community.actions import topics as topic_actions
from community.actions.errors import Refused
from community.actions.ratelimits import RateLimited
from community.avatars import ImageRejected
from community.models import Comment, CommunityPage, ContentStatus, Post
from community.post_forms import CommentEditForm, CommentForm, PostForm, ReportForm
from community.templatetags.community_life import mark_reactions, posting_state

REPLIES_PER_PAGE = 30


def get_community(page_id: int) -> CommunityPage:
    return get_object_or_404(CommunityPage.objects.live().public(), pk=page_id)


def _post(community: CommunityPage, post_id: int) -> Post:
    post = get_object_or_404(
        Post.objects.for_display().select_related("community"), pk=post_id, community=community
    )
    return post


def _comment(community: CommunityPage, comment_id: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("post", "post__community", "author"),
        pk=comment_id,
        post__community=community,
    )


def refused(request, error: Refused, community: CommunityPage | None = None) -> HttpResponse:
    return render(
        request,
        "community/posts/refused.html",
        {"message": error.message, "code": error.code, "community": community},
        status=error.status,
    )


def rate_limited(request, error: RateLimited, community=None) -> HttpResponse:
    response = render(
        request,
        "community/posts/refused.html",
        {"message": error.message, "code": "rate_limited", "community": community},
        status=429,
    )
    response["Retry-After"] = str(error.retry_after)
    return response


# --- Posts ---------------------------------------------------------------------------------


@login_required
def post_create(request, page_id: int):
    community = get_community(page_id)
    try:
        post_actions.ensure_can_post(request.user, community)
    except Refused as error:
        return refused(request, error, community)
    if request.method == "POST":
        form = PostForm(request.POST, request.FILES, community=community)
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = post_actions.create_post(
                    request.user,
                    community,
                    data["body"],
                    image=data.get("image"),
                    image_alt=data.get("image_alt", ""),
                    catalogue_item=data.get("item"),
                    event=data.get("event"),
                    title=data.get("title", ""),
                    category=data.get("category"),
                )
            except Refused as error:
                return refused(request, error, community)
            except RateLimited as error:
                return rate_limited(request, error, community)
            except ImageRejected as error:
                form.add_error("image", error.messages)
            else:
                if post.status == ContentStatus.PENDING:
                    messages.info(
                        request,
                        _("Thank you! Your post will appear once a moderator has reviewed it."),
                    )
                else:
                    messages.success(request, _("Your post is published."))
                return redirect(f"{community.url}#publication-{post.pk}")
    else:
        initial = {}
        item_id = parse_id(request.GET.get("item"))
        if item_id is not None:
            from cms.models import CatalogueItem

            item = CatalogueItem.objects.filter(pk=item_id).first()
            if item is not None:
                initial["item"] = item.isbn or item.record_id
        event_id = parse_id(request.GET.get("event"))
        if event_id is not None:
            initial["event"] = event_id
        form = PostForm(initial=initial, community=community)
    return render(request, "community/posts/compose.html", {"community": community, "form": form})


def post_detail(request, page_id: int, post_id: int):
    """The topic page: the first message, then the replies in order, a page at a time.

    Without a ``page`` parameter, a member who has read part of the topic lands on the page
    of the first reply they have not seen (marked "Nouveau"), as a notification link expects.
    """
    community = get_community(page_id)
    post = _post(community, post_id)
    if not post_actions.can_see_post(request.user, post):
        raise Http404
    mark_reactions(request.user, [post])
    can_post, refusal_code, refusal = posting_state(request.user, community)
    comments = post_actions.visible_comments(post, request.user)
    before = topic_actions.mark_read(request.user, post) if post.is_published else None
    has_read, read_upto = before is not None, before or 0
    for comment in comments:
        comment.is_new = has_read and _is_newer(comment, read_upto, request.user)
        for child in comment.replies_list:
            child.is_new = has_read and _is_newer(child, read_upto, request.user)
    paginator = Paginator(comments, REPLIES_PER_PAGE)
    number = request.GET.get("page")
    if number is None and has_read:
        first_new = next(
            (
                i
                for i, c in enumerate(comments)
                if c.is_new or any(r.is_new for r in c.replies_list)
            ),
            None,
        )
        if first_new is not None:
            number = first_new // REPLIES_PER_PAGE + 1
    page_obj = paginator.get_page(number)
    return render(
        request,
        "community/posts/detail.html",
        {
            "community": community,
            "post": post,
            "comments": page_obj.object_list,
            "page_obj": page_obj,
            "comment_form": CommentForm() if can_post else None,
            "can_post": can_post,
            "refusal": refusal,
            "refusal_code": refusal_code,
            "is_moderator": roles.can_moderate(request.user, community),
            "is_following": topic_actions.is_following(request.user, post),
            "share_url": request.build_absolute_uri(post.get_absolute_url()),
        },
    )


def _is_newer(comment: Comment, read_upto: int, viewer) -> bool:
    return comment.pk > read_upto and comment.author_id != viewer.pk and comment.is_published


@require_POST
@login_required
def topic_follow(request, page_id: int, post_id: int):
    """ "Suivre ce sujet" / "Ne plus suivre"."""
    community = get_community(page_id)
    post = _post(community, post_id)
    following = request.POST.get("following") == "1"
    try:
        topic_actions.set_following(request.user, post, following)
    except Refused as error:
        return refused(request, error, community)
    if following:
        messages.success(request, _("You follow this topic: you will be told of each reply."))
    else:
        messages.success(request, _("You no longer follow this topic."))
    return redirect_next(request, post.get_absolute_url())


@login_required
def post_edit(request, page_id: int, post_id: int):
    community = get_community(page_id)
    post = _post(community, post_id)
    if post.author_id != request.user.pk:
        return refused(request, Refused(_("Only the author can edit this post.")), community)
    if request.method == "POST":
        form = PostForm(request.POST, request.FILES, post=post)
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = post_actions.edit_post(
                    request.user,
                    post,
                    data["body"],
                    image=data.get("image"),
                    image_alt=data.get("image_alt", ""),
                    remove_image=data.get("remove_image", False),
                    catalogue_item=data.get("item"),
                    event=data.get("event"),
                    title=data.get("title", ""),
                    category=data.get("category"),
                )
            except Refused as error:
                return refused(request, error, community)
            except ImageRejected as error:
                form.add_error("image", error.messages)
            else:
                messages.success(request, _("Your post has been updated."))
                return redirect(post.get_absolute_url())
    else:
        form = PostForm(initial=PostForm.initial_for(post), post=post)
    return render(
        request,
        "community/posts/compose.html",
        {"community": community, "form": form, "post": post},
    )


@login_required
def post_delete(request, page_id: int, post_id: int):
    community = get_community(page_id)
    post = _post(community, post_id)
    if post.author_id != request.user.pk:
        return refused(request, Refused(_("Only the author can delete this post.")), community)
    if request.method == "POST":
        try:
            post_actions.delete_post(request.user, post)
        except Refused as error:
            return refused(request, error, community)
        messages.success(request, _("Your post has been deleted."))
        return redirect(community.url)
    return render(
        request,
        "community/posts/confirm_delete.html",
        {"community": community, "post": post, "what": "post"},
    )


@require_POST
@login_required
def post_pin(request, page_id: int, post_id: int):
    community = get_community(page_id)
    post = _post(community, post_id)
    pinned = request.POST.get("pinned") == "1"
    try:
        moderation_actions.set_pinned(request.user, post, pinned)
    except Refused as error:
        return refused(request, error, community)
    messages.success(request, _("The post is pinned.") if pinned else _("The post is unpinned."))
    return redirect_next(request, community.url)


@require_POST
@login_required
def post_react(request, page_id: int, post_id: int):
    community = get_community(page_id)
    post = _post(community, post_id)
    kind = request.POST.get("kind", "")
    try:
        reaction_actions.toggle_reaction(request.user, post, kind)
    except Refused as error:
        return refused(request, error, community)
    return redirect_next(request, f"{post.get_absolute_url()}")


def community_members(request, page_id: int):
    """Who is in the community: librarians and moderators first, then the members whose
    profile the visitor may see (the others are counted, not named)."""
    community = get_community(page_id)
    shown = topic_actions.community_members(community, request.user)
    total = community.memberships.filter(user__is_active=True).count()
    return render(
        request,
        "community/topics/members.html",
        {"community": community, "members": shown, "total": total, "unlisted": total - len(shown)},
    )


# --- Comments ------------------------------------------------------------------------------


@require_POST
@login_required
def comment_create(request, page_id: int, post_id: int):
    community = get_community(page_id)
    post = _post(community, post_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write something before sending."))
        return redirect(post.get_absolute_url())
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], post=post).first()
        if parent is None:
            raise Http404
    try:
        comment = post_actions.create_comment(
            request.user, post, form.cleaned_data["body"], parent=parent
        )
    except Refused as error:
        return refused(request, error, community)
    except RateLimited as error:
        return rate_limited(request, error, community)
    if comment.status == ContentStatus.PENDING:
        messages.info(request, _("Your comment will appear once a moderator has reviewed it."))
    return redirect(f"{post.get_absolute_url()}#commentaire-{comment.pk}")


@login_required
def comment_edit(request, page_id: int, comment_id: int):
    community = get_community(page_id)
    comment = _comment(community, comment_id)
    if comment.author_id != request.user.pk:
        return refused(request, Refused(_("Only the author can edit this comment.")), community)
    if request.method == "POST":
        form = CommentEditForm(request.POST)
        if form.is_valid():
            try:
                post_actions.edit_comment(request.user, comment, form.cleaned_data["body"])
            except Refused as error:
                return refused(request, error, community)
            messages.success(request, _("Your comment has been updated."))
            return redirect(comment.get_absolute_url())
    else:
        form = CommentEditForm(initial={"body": comment.body})
    return render(
        request,
        "community/posts/comment_edit.html",
        {"community": community, "comment": comment, "form": form},
    )


@login_required
def comment_delete(request, page_id: int, comment_id: int):
    community = get_community(page_id)
    comment = _comment(community, comment_id)
    if comment.author_id != request.user.pk:
        return refused(request, Refused(_("Only the author can delete this comment.")), community)
    if request.method == "POST":
        try:
            post_actions.delete_comment(request.user, comment)
        except Refused as error:
            return refused(request, error, community)
        messages.success(request, _("Your comment has been deleted."))
        return redirect(comment.post.get_absolute_url())
    return render(
        request,
        "community/posts/confirm_delete.html",
        {"community": community, "comment": comment, "what": "comment"},
    )


# --- Reports -------------------------------------------------------------------------------


def report_view(request, *, community, target_label: str, cancel_url: str, **target):
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                moderation_actions.report(
                    request.user,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                    **target,
                )
            except Refused as error:
                return refused(request, error, community)
            except RateLimited as error:
                return rate_limited(request, error, community)
            messages.success(
                request,
                _("Thank you. The moderators will review your report and tell you the outcome."),
            )
            return redirect(cancel_url)
    else:
        form = ReportForm()
    return render(
        request,
        "community/posts/report.html",
        {
            "community": community,
            "form": form,
            "target_label": target_label,
            "cancel_url": cancel_url,
            **target,
        },
    )


@login_required
def report_post(request, page_id: int, post_id: int):
    community = get_community(page_id)
    post = _post(community, post_id)
    if not post_actions.can_see_post(request.user, post):
        raise Http404
    return report_view(
        request,
        community=community,
        target_label=_("this post"),
        cancel_url=post.get_absolute_url(),
        post=post,
    )


@login_required
def report_comment(request, page_id: int, comment_id: int):
    community = get_community(page_id)
    comment = _comment(community, comment_id)
    if comment.status != ContentStatus.PUBLISHED:
        raise Http404
    return report_view(
        request,
        community=community,
        target_label=_("this comment"),
        cancel_url=comment.get_absolute_url(),
        comment=comment,
    )
