"""Forms of community life: posts, comments, reports, the public profile, moderation."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.models import CatalogueItem, EventPage
from cms.params import IdModelChoiceField
from community import avatars
from community.actions.profiles import validate_handle
from community.forms import PublicNameField
from community.models import ModerationAction, Post, Report, TopicCategory, User
from community.models.posts import BODY_MAX_LENGTH, COMMENT_MAX_LENGTH, TITLE_MAX_LENGTH


def _check_image(upload):
    if not upload:
        return upload
    try:
        avatars.open_image(upload)
    except avatars.ImageRejected as error:
        raise ValidationError(error.messages, code=error.code) from None
    upload.seek(0)
    return upload


def find_catalogue_item(text: str) -> CatalogueItem | None:
    """An item of the collections by ISBN, record id or exact title (None if empty)."""
    text = (text or "").strip()
    if not text:
        return None
    items = CatalogueItem.objects.active()
    digits = re.sub(r"[\s-]", "", text)
    if re.fullmatch(r"\d{9}[\dXx]|\d{13}", digits):
        found = items.filter(isbn=digits.upper()).first()
        if found:
            return found
    found = items.filter(record_id=text).first() or items.filter(title__iexact=text).first()
    if found:
        return found
    matches = list(items.filter(title__icontains=text)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError(
            _("Several titles match “%(text)s”: type the full title or the ISBN."),
            params={"text": text},
            code="ambiguous",
        )
    raise ValidationError(
        _("We could not find “%(text)s” in the collections: check the title or type the ISBN."),
        params={"text": text},
        code="not_found",
    )


class EventChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj: EventPage) -> str:
        start = timezone.localtime(obj.start)
        return f"{obj.title} — {start:%d/%m/%Y} ({obj.branch.name})"


class CategoryChoiceField(IdModelChoiceField):
    def label_from_instance(self, obj: TopicCategory) -> str:
        return obj.name


class PostForm(forms.Form):
    title = forms.CharField(
        label=_("Title of the topic"),
        max_length=TITLE_MAX_LENGTH,
        required=False,
        help_text=_("A few words that say what it is about, so that others find it."),
    )
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=TopicCategory.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    body = forms.CharField(
        label=_("Your post"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "*italics*, **bold**, [a link](https://…), lists with “- ”, quotes with “> ”. "
            "Mention a member with @handle."
        ),
        error_messages={"required": _("Write something before publishing.")},
    )
    image = forms.FileField(
        label=_("Image (optional)"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, 5 MB at most. Location data is removed."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    image_alt = forms.CharField(
        label=_("Describe the image"),
        max_length=250,
        required=False,
        help_text=_("Required with an image: what it shows, for people who cannot see it."),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)
    item = forms.CharField(
        label=_("A book, film, record… from the médiathèques (optional)"),
        max_length=200,
        required=False,
        help_text=_("Its full title or its ISBN: it is shown as a card under your post."),
    )
    event = EventChoiceField(
        label=_("An event (optional)"),
        queryset=EventPage.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )

    def __init__(self, *args, post: Post | None = None, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.post = post
        community = community or (post.community if post is not None else None)
        categories = (
            TopicCategory.objects.filter(community=community).order_by("sort_order", "pk")
            if community is not None
            else TopicCategory.objects.none()
        )
        if community is not None and categories.exists():
            self.fields["category"].queryset = categories
        else:
            del self.fields["category"]
        events = EventPage.objects.live().public().filter(end__gte=timezone.now())
        if post is not None and post.event_id:
            events = EventPage.objects.filter(pk=post.event_id) | events
        self.fields["event"].queryset = events.select_related("branch").order_by("start")
        if post is None or not post.image:
            del self.fields["remove_image"]

    def clean_image(self):
        return _check_image(self.cleaned_data.get("image"))

    def clean_item(self):
        return find_catalogue_item(self.cleaned_data.get("item", ""))

    def clean(self):
        cleaned = super().clean()
        has_image = bool(cleaned.get("image")) or (
            self.post is not None and self.post.image and not cleaned.get("remove_image")
        )
        missing_alt = has_image and not (cleaned.get("image_alt") or "").strip()
        if missing_alt and (self.post is None or cleaned.get("image") or not self.post.image_alt):
            self.add_error(
                "image_alt",
                _("Describe the image for people who cannot see it (alternative text)."),
            )
        return cleaned

    @classmethod
    def initial_for(cls, post: Post) -> dict:
        item = post.catalogue_item
        return {
            "title": post.title,
            "category": post.category_id,
            "body": post.body,
            "image_alt": post.image_alt,
            "item": (item.isbn or item.record_id) if item else "",
            "event": post.event_id,
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write something before sending.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class TopicSearchForm(forms.Form):
    """The community page's query string: a search, a category, a page."""

    q = forms.CharField(label=_("Search this community"), max_length=100, required=False)
    categorie = forms.SlugField(max_length=60, required=False)


class CommentEditForm(forms.Form):
    body = CommentForm.base_fields["body"]


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason.")},
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the moderators read this."),
    )


class PublicProfileForm(forms.Form):
    display_name = PublicNameField()
    handle = forms.CharField(
        label=_("Handle"),
        max_length=31,
        help_text=_(
            "Your profile address and how others mention you (@handle): 3 to 30 letters "
            "without accents, digits, “_” or “-”."
        ),
    )
    bio = forms.CharField(
        label=_("A few words about you"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    profile_visibility = forms.ChoiceField(
        label=_("Who can see my profile"),
        choices=User.ProfileVisibility.choices,
        widget=forms.RadioSelect,
    )
    public_interests = forms.MultipleChoiceField(
        label=_("Interests shown on my profile"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Unticked interests stay private: they only shape your feed."),
    )
    avatar = forms.FileField(
        label=_("Profile picture"),
        required=False,
        help_text=_(
            "JPEG, PNG, WebP or GIF, 5 MB at most. It is cropped square; location data is removed."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my picture"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        links = user.followed_interests.select_related("interest", "interest__parent")
        self.fields["public_interests"].choices = [
            (str(link.interest_id), link.interest.label) for link in links
        ]

    def clean_handle(self):
        return validate_handle(self.cleaned_data["handle"], user=self.user)

    def clean_avatar(self):
        return _check_image(self.cleaned_data.get("avatar"))


class ModerationForm(forms.Form):
    """One moderation decision, from the front-end page or the Wagtail admin."""

    ACTIONS = [
        (ModerationAction.Action.APPROVE, _("Approve")),
        (ModerationAction.Action.HIDE, _("Hide")),
        (ModerationAction.Action.DELETE, _("Delete")),
        (ModerationAction.Action.RESTORE, _("Restore")),
        (ModerationAction.Action.WARN, _("Warn the member")),
        (ModerationAction.Action.SUSPEND, _("Suspend the member")),
        (ModerationAction.Action.BAN, _("Ban from the community")),
        (ModerationAction.Action.LIFT, _("Lift the sanction")),
        (ModerationAction.Action.DISMISS, _("Dismiss the report")),
    ]
    TARGETS = ["post", "comment", "member", "report", "sanction"]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    target = forms.ChoiceField(choices=[(t, t) for t in TARGETS], widget=forms.HiddenInput)
    target_id = forms.IntegerField(widget=forms.HiddenInput)
    report = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why (kept in the log, sent to the member)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    days = forms.IntegerField(
        label=_("For how many days"), min_value=1, max_value=3650, required=False
    )
    network = forms.BooleanField(label=_("On the whole network"), required=False)
