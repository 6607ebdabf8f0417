"""Template helpers of community life.

{% load community_life %}
{% community_posts page %}          the conversation of a community page (composer, search,
                                    categories, the topic list, pagination)
{{ post|post_body }}                the post's text, rendered and sanitised
{{ comment|post_body }}             the same for a comment
{% avatar user 64 %}                the member's picture (or their initials, drawn locally)
{% if post.author|is_library_staff %}…{% endif %}
"""

from __future__ import annotations

from django import template
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.html import format_html

from community import roles
from community.actions import moderation as moderation_actions
from community.actions import topics as topic_actions
from community.actions.errors import Refused
from community.actions.posts import ensure_can_post, mentions_map
from community.actions.reactions import reactions_of
from community.markup import plain_excerpt, render_markup
from community.models import CommunityPage, Reaction
from community.names import colour_index, initials

register = template.Library()

POSTS_PER_PAGE = 20


@register.filter
def post_body(obj) -> str:
    """Render a post's or comment's text (mentions of known members become links)."""
    return render_markup(obj.body, mentions_map(obj.mentions.all()))


@register.filter
def markdown(text: str) -> str:
    """A member's text rendered as their post shows it (moderation lists: mentions stay
    plain "@name", which spares a query per post)."""
    return render_markup(text)


@register.filter
def excerpt(text: str, length: int = 200) -> str:
    """The beginning of a member's text as plain text (page descriptions)."""
    return plain_excerpt(text, int(length))


@register.filter(name="is_library_staff")
def is_library_staff_filter(user) -> bool:
    return roles.is_library_staff(user)


@register.simple_tag
def avatar(user, size: int = 64, css: str = ""):
    """The member's own picture, else their initials drawn here (never Gravatar or any
    other site). Decorative: their name is always written beside it."""
    size = int(size)
    source = user.avatar_small if size <= 64 and user.avatar_small else user.avatar
    if source:
        return format_html(
            '<img class="avatar {}" src="{}" alt="" width="{}" height="{}" loading="lazy">',
            css,
            source.url,
            size,
            size,
        )
    return format_html(
        '<span class="avatar avatar-initial avatar-colour-{} {}" aria-hidden="true">{}</span>',
        colour_index(user.pk),
        css,
        initials(user.public_name),
    )


def mark_reactions(user, posts) -> None:
    """Set `my_like` / `my_interested` on each post for the buttons' pressed state."""
    mine = reactions_of(user, posts)
    for post in posts:
        post.my_like = (post.pk, Reaction.Kind.LIKE) in mine
        post.my_interested = (post.pk, Reaction.Kind.INTERESTED) in mine


def posting_state(user, community: CommunityPage) -> tuple[bool, str, str]:
    """(can post, refusal code, refusal message)."""
    try:
        ensure_can_post(user, community)
    except Refused as refused:
        return False, refused.code, refused.message
    return True, "", ""


@register.simple_tag(takes_context=True)
def community_posts(context, community: CommunityPage) -> str:
    """The conversation of a community page: the composer, then the topics (pinned first,
    then by last activity) with their category, replies and what the member has not read;
    filtered by category (``?categorie=``), searched (``?q=``), a page at a time."""
    from community.post_forms import PostForm, TopicSearchForm

    request = context.get("request")
    if request is None or community.pk is None:  # e.g. the admin preview of a new page
        return ""
    user = request.user
    categories = topic_actions.categories_of(community)
    search = TopicSearchForm(request.GET)
    query, category = "", None
    if search.is_valid():
        query = search.cleaned_data["q"].strip()
        slug = search.cleaned_data["categorie"]
        category = next((c for c in categories if c.slug == slug), None)
    topics = topic_actions.topic_list(community, user, category=category, query=query)
    paginator = Paginator(topics, POSTS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    for topic in shown:
        topic.community = community  # already at hand: no query per topic
    topic_actions.mark_new(shown, user)
    can_post, refusal_code, refusal = posting_state(user, community)
    is_moderator = roles.can_moderate(user, community)
    to_review = 0
    if is_moderator:
        to_review = (
            moderation_actions.reports_for(user).filter(community=community).count()
            + moderation_actions.held_posts_for(user).filter(community=community).count()
            + moderation_actions.held_comments_for(user).filter(post__community=community).count()
        )
    return render_to_string(
        "community/posts/section.html",
        {
            "page": community,
            "community": community,
            "topics": shown,
            "page_obj": page_obj,
            "query": query,
            "category": category,
            "categories": categories,
            "can_post": can_post,
            "refusal_code": refusal_code,
            "refusal": refusal,
            "is_moderator": is_moderator,
            "to_review": to_review,
            "form": PostForm(community=community) if can_post else None,
            "post_count": paginator.count,
        },
        request=request,
    )
