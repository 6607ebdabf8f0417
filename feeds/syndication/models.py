"""Syndication: the outbox shared by Facebook and the Fediverse, the Facebook Page
connection, interest ids, ad campaigns.

Imported by ``feeds/models.py`` so that the models belong to the ``feeds`` app.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from cms.admin_forms import InterestModelForm
from cms.widgets import GroupedInterestSelect

from . import crypto
from .forms import FacebookConnectionForm
from .graph import GraphClient
from .panels import ConnectionStatusPanel

__all__ = ["AdCampaign", "FacebookConnection", "FacebookInterest", "Syndication"]

digits = RegexValidator(r"^\d{1,40}$", _("Digits only."))


def default_api_version() -> str:
    return settings.FACEBOOK_GRAPH_API_VERSION


class TokenUnavailable(Exception):
    """No usable token: none stored, or no configured key can decrypt it."""


@register_setting(icon="globe")
class FacebookConnection(BaseGenericSetting):
    """The connection to the network's Facebook Page (Settings › Facebook, admins only).

    The Page token is stored encrypted (Fernet, ``FACEBOOK_TOKEN_KEY``) and never shown
    back: the form shows its last four characters, the Page's name and when it was checked.
    """

    class BrokenReason(models.TextChoices):
        EXPIRED = "expired", _("the token has expired")
        PASSWORD_CHANGED = (
            "password_changed",
            _("the token was invalidated (password changed or session ended)"),
        )
        APP_REMOVED = "app_removed", _("the application was removed or lost its permissions")
        CHECKPOINT = "checkpoint", _("Facebook asks the account owner to log in and confirm")
        INVALID = "invalid", _("the token is no longer valid")
        UNDECRYPTABLE = (
            "undecryptable",
            _("the stored token cannot be decrypted (FACEBOOK_TOKEN_KEY changed)"),
        )

    api_version = models.CharField(
        _("Graph API version"),
        max_length=12,
        default=default_api_version,
        validators=[RegexValidator(r"^v\d+\.\d+$", _("A version such as v21.0."))],
    )
    page_id = models.CharField(
        _("Facebook Page id"),
        max_length=40,
        blank=True,
        validators=[digits],
        help_text=_("The numeric id of the Page (Page settings › About › Page ID)."),
    )
    page_token_encrypted = models.TextField(blank=True, editable=False)
    page_token_last4 = models.CharField(max_length=4, blank=True, editable=False)
    page_name = models.CharField(_("Page name"), max_length=255, blank=True, editable=False)
    verified_at = models.DateTimeField(_("token last verified"), null=True, editable=False)
    ad_account_id = models.CharField(
        _("ad account id"),
        max_length=40,
        blank=True,
        validators=[digits],
        help_text=_("For “Prepare a campaign”: the number after act_ in Ads Manager. Optional."),
    )
    ads_token_encrypted = models.TextField(blank=True, editable=False)
    ads_token_last4 = models.CharField(max_length=4, blank=True, editable=False)
    broken = models.BooleanField(_("connection broken"), default=False, editable=False)
    broken_reason = models.CharField(
        max_length=20, choices=BrokenReason, blank=True, editable=False
    )
    broken_detail = models.CharField(max_length=500, blank=True, editable=False)
    broken_at = models.DateTimeField(null=True, editable=False)
    paused_until = models.DateTimeField(
        null=True,
        editable=False,
        help_text="Rate limited or temporarily blocked: nothing is sent before this time.",
    )

    base_form_class = FacebookConnectionForm
    panels = [
        ConnectionStatusPanel(heading=_("Status")),
        FieldPanel("api_version"),
        FieldPanel("page_id"),
        FieldPanel("page_token"),
        MultiFieldPanel(
            [FieldPanel("ad_account_id"), FieldPanel("ads_token")],
            heading=_("Advertising (Marketing API)"),
        ),
    ]

    class Meta:
        verbose_name = _("Facebook Page connection")

    def __str__(self) -> str:
        return str(_("Facebook Page connection"))

    def __repr__(self) -> str:  # never the token, even encrypted
        return f"<FacebookConnection page_id={self.page_id!r} broken={self.broken}>"

    @property
    def is_configured(self) -> bool:
        return bool(self.page_id and self.page_token_encrypted)

    @property
    def is_ready(self) -> bool:
        return self.is_configured and not self.broken

    @property
    def broken_reason_text(self) -> str:
        return str(self.get_broken_reason_display()) if self.broken_reason else ""

    def page_token(self) -> str:
        if not self.page_token_encrypted:
            raise TokenUnavailable("no Page token stored")
        try:
            return crypto.decrypt(self.page_token_encrypted)
        except crypto.InvalidToken as exc:
            raise TokenUnavailable("the stored Page token cannot be decrypted") from exc

    def ads_token(self) -> str:
        if not self.ads_token_encrypted:
            return self.page_token()
        try:
            return crypto.decrypt(self.ads_token_encrypted)
        except crypto.InvalidToken as exc:
            raise TokenUnavailable("the stored Marketing API token cannot be decrypted") from exc

    def ads_token_for_check(self, page_token: str = "") -> str:
        """The token the Marketing API calls will use: the ads token, else the Page token."""
        if self.ads_token_encrypted:
            return self.ads_token()
        return page_token or self.page_token()

    def client(self) -> GraphClient:
        return GraphClient(self.page_token(), version=self.api_version)

    def ads_client(self) -> GraphClient:
        return GraphClient(self.ads_token(), version=self.api_version)

    def set_page_token(self, token: str) -> None:
        self.page_token_encrypted = crypto.encrypt(token)
        self.page_token_last4 = crypto.last4(token)

    def set_ads_token(self, token: str) -> None:
        self.ads_token_encrypted = crypto.encrypt(token)
        self.ads_token_last4 = crypto.last4(token)


class Destination(models.TextChoices):
    """Where the outbox mirrors a page."""

    FACEBOOK = "facebook", _("Facebook")
    FEDIVERSE = "fediverse", _("Fediverse")


class State(StrEnum):
    """What librarians see of a row (the editor panel, the report)."""

    PENDING = "pending"
    PUBLISHED = "published"
    REMOVED = "removed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SyndicationQuerySet(models.QuerySet):
    def unfinished(self) -> SyndicationQuerySet:
        return self.filter(status__in=[Syndication.Status.PENDING, Syndication.Status.SENDING])

    def for_page(self, page_pk: int) -> SyndicationQuerySet:
        return self.filter(page_pk=page_pk)

    def facebook(self) -> SyndicationQuerySet:
        return self.filter(destination=Destination.FACEBOOK)

    def fediverse(self) -> SyndicationQuerySet:
        return self.filter(destination=Destination.FEDIVERSE)

    def removal_for(self, destination: str, page, user=None) -> Syndication:
        """The pending removal of `page` from `destination`, or a new one (both outboxes
        call this inside their locked withdrawal)."""
        row = self.filter(
            destination=destination,
            page_pk=page.pk,
            status=Syndication.Status.PENDING,
            action=Syndication.Action.DELETE,
        ).first()
        if row is None:
            row = self.create(
                destination=destination,
                page=page,
                page_pk=page.pk,
                page_title=page.title[:255],
                action=Syndication.Action.DELETE,
                requested_by=user,
            )
        return row

    def publication_for(
        self, destination: str, page, waiting: Syndication | None, *, announced: bool, user=None
    ) -> Syndication:
        """`waiting`, the page's publication row not sent yet, brought up to date (the message
        is built from the live page when it goes out, so it covers this publication too), or
        a new row: an update when the page is `announced` there already, else a creation
        (both outboxes call this when a page is published)."""
        if waiting is not None:
            waiting.published_at = page.last_published_at
            waiting.page_title = page.title[:255]
            waiting.requested_by = user or waiting.requested_by
            waiting.save(update_fields=["published_at", "page_title", "requested_by", "updated_at"])
            return waiting
        return self.create(
            destination=destination,
            page=page,
            page_pk=page.pk,
            page_title=page.title[:255],
            published_at=page.last_published_at,
            action=Syndication.Action.UPDATE if announced else Syndication.Action.CREATE,
            requested_by=user,
        )


class Syndication(models.Model):
    """One outbox row: mirror one publication, update or removal of a page to one
    destination (the Facebook Page, or the Fediverse actors' followers).

    Written in the transaction that publishes (or unpublishes) the page; sent by a
    background task that claims the row first, so that a row is sent by one worker only.
    A Fediverse row is the activity (Create, Update, Delete) of the actors publishing the
    page; its per-inbox deliveries (``FediverseDelivery``) hang on it and its status sums
    them up.
    """

    Destination = Destination

    class Action(models.TextChoices):
        CREATE = "create", _("publication")
        UPDATE = "update", _("update")
        DELETE = "delete", _("removal")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class Problem(models.TextChoices):
        TRANSIENT = "transient", _("Facebook unreachable")
        THROTTLED = "throttled", _("rate limited")
        TOKEN = "token", _("connection broken")
        NOT_CONNECTED = "not_connected", _("Page not connected")
        PERMISSION = "permission", _("missing permission")
        BLOCKED = "blocked", _("temporarily blocked")
        DUPLICATE = "duplicate", _("duplicate post")
        GONE = "gone", _("post no longer exists")
        REJECTED = "rejected", _("rejected")
        NO_URL = "no_url", _("no public address")
        UNPUBLISHED = "unpublished", _("page no longer published")
        UNREACHABLE = "unreachable", _("servers unreachable")
        PARTLY_DELIVERED = "partly_delivered", _("some servers given up")

    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    page_pk = models.PositiveIntegerField(db_index=True, editable=False)
    destination = models.CharField(
        _("destination"),
        max_length=10,
        choices=Destination,
        default=Destination.FACEBOOK,
        db_index=True,
    )
    page_title = models.CharField(_("title"), max_length=255)
    published_at = models.DateTimeField(null=True, editable=False)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marker = models.CharField(max_length=24, blank=True, editable=False)
    message = models.TextField(_("message"), blank=True)
    link = models.URLField(_("link"), max_length=1000, blank=True)
    image_url = models.URLField(_("image"), max_length=1000, blank=True)
    post_id = models.CharField(_("Facebook post id"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    retries = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, editable=False)
    in_flight = models.BooleanField(
        default=False,
        editable=False,
        help_text="A creation request may have reached Facebook: look for the marker first.",
    )
    uncertain_until = models.DateTimeField(
        null=True,
        editable=False,
        help_text="A creation that timed out may still appear on the Page until then: "
        "only look for the marker, never create again, before this moment.",
    )
    problem = models.CharField(_("problem"), max_length=20, choices=Problem, blank=True)
    problem_detail = models.CharField(max_length=255, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_subcode = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    fbtrace_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = SyndicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="feeds_synd_due_idx"),
            models.Index(fields=["page_pk", "id"], name="feeds_synd_page_idx"),
        ]
        verbose_name = _("syndication")
        verbose_name_plural = _("syndications")

    def __str__(self) -> str:
        return f"{self.get_destination_display()} · {self.get_action_display()} — {self.page_title}"

    @property
    def post_url(self) -> str:
        if self.destination != Destination.FACEBOOK or not self.post_id:
            return ""
        return f"https://www.facebook.com/{self.post_id}"

    @property
    def state(self) -> State:
        """What librarians see: pending, published, removed, failed, cancelled."""
        if self.status in (self.Status.PENDING, self.Status.SENDING):
            return State.PENDING
        if self.status == self.Status.SENT:
            return State.REMOVED if self.action == self.Action.DELETE else State.PUBLISHED
        if self.status == self.Status.FAILED:
            return State.FAILED
        return State.CANCELLED

    @cached_property
    def reason(self) -> str:
        """Why it failed or is waiting, in the site's language."""
        from .messages import describe_problem

        return describe_problem(self)


class FacebookInterest(models.Model):
    """A Facebook ads interest (id + name) attached to an interest of the taxonomy."""

    interest = models.ForeignKey(
        "cms.Interest",
        verbose_name=_("interest"),
        on_delete=models.CASCADE,
        related_name="facebook_interests",
    )
    facebook_id = models.CharField(
        _("Facebook interest id"),
        max_length=32,
        validators=[digits],
        help_text=_("From Ads Manager or the Marketing API's targeting search (type=adinterest)."),
    )
    name = models.CharField(_("name on Facebook"), max_length=150)

    base_form_class = InterestModelForm
    panels = [
        FieldPanel("interest", widget=GroupedInterestSelect),
        FieldPanel("facebook_id"),
        FieldPanel("name"),
    ]

    class Meta:
        ordering = ["interest__name", "name"]
        verbose_name = _("Facebook interest")
        verbose_name_plural = _("Facebook interests")
        constraints = [
            models.UniqueConstraint(
                fields=["interest", "facebook_id"], name="feeds_fbinterest_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.facebook_id})"


class AdCampaign(models.Model):
    """A campaign prepared in PAUSED status through the Marketing API for one page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready (paused)")
        FAILED = "failed", _("failed")

    page = models.ForeignKey(
        "wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_title = models.CharField(_("title"), max_length=255)
    ad_account_id = models.CharField(max_length=40)
    radius_km = models.PositiveSmallIntegerField(
        _("radius (km)"), default=15, validators=[MinValueValidator(1), MaxValueValidator(80)]
    )
    targeting = models.JSONField(_("targeting"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    campaign_id = models.CharField(_("campaign id"), max_length=40, blank=True)
    adset_id = models.CharField(_("ad set id"), max_length=40, blank=True)
    creative_id = models.CharField(_("creative id"), max_length=40, blank=True)
    ad_id = models.CharField(_("ad id"), max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Facebook ad campaign")
        verbose_name_plural = _("Facebook ad campaigns")

    def __str__(self) -> str:
        return f"{self.page_title} ({self.get_status_display()})"

    @property
    def ads_manager_url(self) -> str:
        if not self.campaign_id:
            return ""
        return (
            "https://adsmanager.facebook.com/adsmanager/manage/campaigns"
            f"?act={self.ad_account_id}&selected_campaign_ids={self.campaign_id}"
        )
