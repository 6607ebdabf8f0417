"""Fediverse actors and their followers."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FediverseActor(models.Model):
    """A médiathèque or a community as seen from the Fediverse: its name there and its keys.

    Created the first time the actor is looked up; its name never changes afterwards (a
    follower's server keeps it), even when the slug it came from does. The private key signs
    what the actor sends; it is stored encrypted (``feeds.syndication.crypto``, the key of
    ``FACEBOOK_TOKEN_KEY`` or one derived from ``SECRET_KEY``).
    """

    username = models.CharField(_("name on the Fediverse"), max_length=150, unique=True)
    branch = models.OneToOneField(
        "cms.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fediverse_actor",
    )
    community = models.OneToOneField(
        "community.CommunityPage",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="fediverse_actor",
    )
    public_key_pem = models.TextField(_("public key (PEM)"))
    private_key_encrypted = models.TextField(_("private key (encrypted)"), editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Fediverse actor")
        verbose_name_plural = _("Fediverse actors")
        constraints = [
            models.CheckConstraint(
                condition=(Q(branch__isnull=False) & Q(community__isnull=True))
                | (Q(branch__isnull=True) & Q(community__isnull=False)),
                name="fediverse_actor_is_a_branch_or_a_community",
            )
        ]

    def __str__(self) -> str:
        return f"@{self.username}"


class FediverseFollower(models.Model):
    """A remote account that follows one of our actors (Follow accepted)."""

    actor = models.ForeignKey(
        FediverseActor,
        verbose_name=_("followed actor"),
        on_delete=models.CASCADE,
        related_name="followers",
    )
    remote_actor = models.URLField(_("remote account"), max_length=500)
    inbox = models.URLField(_("inbox"), max_length=500)
    shared_inbox = models.URLField(_("shared inbox"), max_length=500, blank=True)
    followed_at = models.DateTimeField(_("followed"), auto_now_add=True)

    class Meta:
        verbose_name = _("Fediverse follower")
        verbose_name_plural = _("Fediverse followers")
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "remote_actor"], name="one_follow_per_remote_account"
            )
        ]

    def __str__(self) -> str:
        return self.remote_actor


class RemoteActor(models.Model):
    """A remote account's public key and inboxes, fetched from its actor document and kept a
    day (fetched again sooner when a signature stops verifying: keys rotate)."""

    url = models.URLField(_("address"), max_length=500, unique=True)
    key_id = models.URLField(_("key id"), max_length=500, unique=True)
    public_key_pem = models.TextField(_("public key (PEM)"))
    inbox = models.URLField(_("inbox"), max_length=500)
    shared_inbox = models.URLField(_("shared inbox"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("fetched"))

    class Meta:
        verbose_name = _("remote Fediverse account")
        verbose_name_plural = _("remote Fediverse accounts")

    def __str__(self) -> str:
        return self.url


class BlockedDomain(models.Model):
    """A server whose accounts may not follow our actors (set by network admins)."""

    domain = models.CharField(
        _("domain"),
        max_length=253,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$",
                _("A server name in lower case, without https:// or a path (spam.example)."),
            )
        ],
        help_text=_("For example spam.example: its subdomains are blocked too."),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("blocked"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked Fediverse server")
        verbose_name_plural = _("blocked Fediverse servers")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        """Blocking a server also removes its accounts from our followers."""
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)
        FediverseFollower.objects.filter(
            models.Q(remote_actor__istartswith=f"https://{self.domain}/")
            | models.Q(remote_actor__istartswith=f"http://{self.domain}/")
            | models.Q(remote_actor__iregex=rf"^https?://[^/]*\.{re.escape(self.domain)}[:/]")
            | models.Q(remote_actor__iregex=rf"^https?://{re.escape(self.domain)}:")
        ).delete()


class FediverseDelivery(models.Model):
    """One activity to deliver to one inbox: sent once (the pair is unique), retried with
    backoff on failure, given up after ``GIVE_UP_AFTER``.

    The deliveries of a page's Create, Update or Delete hang on that publication's outbox
    row (``feeds.Syndication``, destination Fediverse), whose status sums them up; an
    ``Accept`` answering a follow belongs to no publication.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        ABANDONED = "abandoned", _("given up")

    actor = models.ForeignKey(
        FediverseActor, verbose_name=_("actor"), on_delete=models.CASCADE, related_name="deliveries"
    )
    publication = models.ForeignKey(
        "feeds.Syndication",
        verbose_name=_("publication"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    activity_id = models.URLField(_("activity"), max_length=600)
    activity = models.JSONField(_("activity document"))
    inbox = models.URLField(_("inbox"), max_length=500)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retried_at = models.DateTimeField(
        _("retried"),
        null=True,
        blank=True,
        help_text="Sent again by hand after it was given up: the give-up delay starts again.",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("Fediverse delivery")
        verbose_name_plural = _("Fediverse deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["activity_id", "inbox"], name="one_delivery_per_activity_and_inbox"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.inbox}"
