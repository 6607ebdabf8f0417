"""Wagtail signals → outbox rows. Imported by ``FeedsConfig.ready``.

``page_published`` is sent by Wagtail 8's ``PublishPageRevisionAction`` right after the
page is saved. That action is not wrapped in a transaction (the admin views call it in
autocommit mode), so the row is written in our own ``atomic`` block — which joins the
caller's transaction whenever there is one (``publish_scheduled`` inside ``atomic``, a
script, a test) — and the send task is enqueued on commit. The tiny window between the
page's commit and ours is covered by ``syndication_resume`` (reconciliation).

Deleting a live page makes Wagtail unpublish it first (``pre_delete``), inside the delete
view's transaction: that is our removal signal.
"""

from allauth.socialaccount.signals import pre_social_login
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from . import outbox


@receiver(page_published, dispatch_uid="feeds.syndication.page_published")
def on_page_published(sender, instance, revision=None, **kwargs) -> None:
    if not outbox.is_syndicated(instance) or not instance.live:
        return  # not ours, or scheduled: the signal comes again at go-live
    user = getattr(revision, "user", None) if revision is not None else None
    outbox.record_publication(instance, user=user)


@receiver(page_unpublished, dispatch_uid="feeds.syndication.page_unpublished")
def on_page_unpublished(sender, instance, **kwargs) -> None:
    if outbox.is_syndicated(instance):
        outbox.record_removal(instance)


@receiver(pre_social_login, dispatch_uid="feeds.syndication.pre_social_login")
def on_facebook_login(sender, request, sociallogin, **kwargs) -> None:
    """A network admin logged in with Facebook to pick the Page: keep the user token
    (encrypted, in their session) for the Page picker. Members' tokens are never kept."""
    from .views import MANAGE_CONNECTION, stash_user_token

    if sociallogin.account.provider != "facebook" or sociallogin.token is None:
        return
    if sociallogin.state.get("process") != "redirect":
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(MANAGE_CONNECTION):
        return
    stash_user_token(request, sociallogin.token.token, str(sociallogin.account.uid))
