"""Members' interactions with catalogue items, recorded for the collection recommender.

Receivers (connected from ``CommunityConfig.ready``), each writing after the commit of what
caused it and only for a logged-in member:

- ``journey_step`` with ``Step.RESERVATION_CLICKED`` and an item → a "reservation_click";
- a ``Reaction`` saved (created) on a post that shows a catalogue item → a "like" or an
  "interested" on that item; the reaction deleted → that interaction is forgotten.

``record_reaction`` / ``forget_reaction`` are public so an action that writes reactions
without model signals (``bulk_create``) can call them itself, on commit.

Event registrations are not recorded: an ``EventPage`` does not say which catalogue items
it features, so a registration names no item.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cms.transactions import on_commit
from community.journey import Step, journey_step
from community.models import Interaction, Post, Reaction

REACTION_KINDS = {
    Reaction.Kind.LIKE: Interaction.Kind.LIKE,
    Reaction.Kind.INTERESTED: Interaction.Kind.INTERESTED,
}


def _is_member(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and bool(user.pk)


def record_interaction(member, item, kind: str, post: Post | None = None) -> Interaction | None:
    """Write one interaction now (callers run it after their commit)."""
    if not _is_member(member) or item is None:
        return None
    return Interaction.objects.create(member=member, item_id=item.pk, kind=kind, post=post)


def record_reaction(user, post: Post, kind: str) -> Interaction | None:
    """A reaction to a post that shows a catalogue item → an interaction with that item."""
    if not post.catalogue_item_id or kind not in REACTION_KINDS or not _is_member(user):
        return None
    exists = Interaction.objects.filter(
        member=user, item_id=post.catalogue_item_id, kind=REACTION_KINDS[kind], post=post
    ).exists()
    if exists:
        return None
    return Interaction.objects.create(
        member=user, item_id=post.catalogue_item_id, kind=REACTION_KINDS[kind], post=post
    )


def forget_reaction(user_id: int, post_id: int, kind: str) -> int:
    """The reaction was withdrawn: so is the interaction it made. Returns rows deleted."""
    if kind not in REACTION_KINDS:
        return 0
    deleted, _rows = Interaction.objects.filter(
        member_id=user_id, post_id=post_id, kind=REACTION_KINDS[kind]
    ).delete()
    return deleted


@receiver(journey_step, dispatch_uid="community.interactions.journey")
def journey_step_taken(sender, step=None, member=None, item=None, **kwargs) -> None:
    # journey_step is sent after the commit already (send_journey_step).
    if step == Step.RESERVATION_CLICKED and item is not None:
        record_interaction(member, item, Interaction.Kind.RESERVATION_CLICK)


@receiver(post_save, sender=Reaction, dispatch_uid="community.interactions.reaction_saved")
def reaction_saved(sender, instance: Reaction, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created:
        return
    post = Post.objects.filter(pk=instance.post_id).only("pk", "catalogue_item_id").first()
    if post is None or not post.catalogue_item_id:
        return
    on_commit(record_reaction, instance.user, post, instance.kind)


@receiver(post_delete, sender=Reaction, dispatch_uid="community.interactions.reaction_deleted")
def reaction_deleted(sender, instance: Reaction, **kwargs) -> None:
    on_commit(forget_reaction, instance.user_id, instance.post_id, instance.kind)
