"""Deleting an account, for good and at once (GDPR art. 17).

:func:`delete_account` removes the user row; Django's cascades remove every row that
points at it (memberships, registrations, notifications, feed entries, consents, email
addresses, social accounts, wagtail profile…, including models added later). Around that:

- posts and comments are either deleted with the account or, if the member prefers,
  handed to one shared "Membre parti·e" account (:func:`departed_member`), with the
  member's identifiers removed from their text;
- links that do not cascade are cleared (SET_NULL by Django, DO_NOTHING/PROTECT here);
- prospect records that are the member's (merged into the account, or under one of the
  member's email addresses) are erased with their consent records;
- texts written by the system about the member (other members' notifications, the
  moderation log's snapshots) have the member's name, handle and email replaced; texts
  written by other members have the member's email, ``@handle`` and full name replaced;
- the member's sessions end, their uploaded files are removed once the deletion commits;
- copies of the rewritten and deleted texts kept elsewhere (the search index) are
  refreshed through ``content_erased``.

Consent records are erased with the person (they are personal data; once the account is
gone nothing is processed on their basis any more): see README, "Données personnelles".
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.db.models.deletion import Collector

from cms.transactions import on_commit, on_commit_send
from community.privacy.personal_data import (
    installed,
    linked_holder_rows,
    member_emails,
    member_relations,
    member_sessions,
    text_fields,
    user_model,
)
from community.privacy.signals import account_deleted, account_deleting, content_erased

logger = logging.getLogger(__name__)

DEPARTED_USERNAME = "membre-parti"
DEPARTED_HANDLE = "membre-parti"
DEPARTED_NAME = "Membre parti·e"
DEPARTED_EMAIL = "membre-parti@affinites.invalid"
EMAIL_PLACEHOLDER = "[adresse supprimée]"

# Authored content handed to the departed-member account when the member keeps it.
KEPT_CONTENT: list[tuple[str, str]] = [
    ("community.Post", "author"),
    ("community.Comment", "author"),
]
# Always handed over, whatever the choice: reports the member made stay in the moderation
# queue (the reported content is someone else's).
ALWAYS_HANDED_OVER: list[tuple[str, str]] = [("community.Report", "reporter")]

# Texts the system writes about members: every identifier is replaced.
SYSTEM_TEXTS: list[tuple[str, list[str]]] = [
    ("community.Notification", ["title", "body"]),
    ("community.ModerationAction", ["target_repr", "reason"]),
    ("wagtailcore.ModelLogEntry", ["label"]),
    ("wagtailcore.PageLogEntry", ["label"]),
]
# Texts other members write: only unambiguous identifiers (email, @handle, full name) are
# replaced; a first name alone may be someone else's.
MEMBERS_TEXTS: list[tuple[str, list[str]]] = [
    ("community.Post", ["title", "body", "image_alt"]),
    ("community.Comment", ["body"]),
    ("community.Report", ["details", "excerpt", "outcome"]),
    ("community.Sanction", ["reason"]),
]


@dataclass
class Identity:
    """What identifies the member in text."""

    emails: list[str]
    names: list[str]
    handle: str

    @classmethod
    def of(cls, user) -> Identity:
        names = {
            (user.display_name or "").strip(),
            (user.get_full_name() or "").strip(),
            (user.first_name or "").strip() if user.last_name else "",
        }
        if user.username and "@" not in user.username:
            names.add(user.username.strip())
        names = {n for n in names if len(n) >= 2}
        return cls(
            emails=member_emails(user),
            names=sorted(names, key=len, reverse=True),
            handle=(user.handle or "").strip(),
        )

    @property
    def full_names(self) -> list[str]:
        """Names of two words or more ("Léocadie Fontanarosa"): unambiguous enough to be
        replaced in other members' texts too (a first name alone is not)."""
        return [n for n in self.names if len(n.split()) >= 2]

    def terms(self, *, names: bool) -> list[str]:
        found = list(self.emails)
        if self.handle:
            found.append(self.handle if names else f"@{self.handle}")
        found.extend(self.names if names else self.full_names)
        return found

    def redact(self, text: str, *, names: bool) -> str:
        for email in self.emails:
            text = re.sub(re.escape(email), EMAIL_PLACEHOLDER, text, flags=re.IGNORECASE)
        if self.handle:  # no "@" left: the text must not mention (link to) anyone
            text = re.sub(
                r"(?<![\w@])@" + re.escape(self.handle) + r"(?![\w-])",
                DEPARTED_NAME,
                text,
                flags=re.IGNORECASE,
            )
        for name in [*self.names, self.handle] if names else self.full_names:
            if name:
                text = re.sub(
                    r"(?<![\w@])" + re.escape(name) + r"(?![\w-])",
                    DEPARTED_NAME,
                    text,
                    flags=re.IGNORECASE,
                )
        return text


@dataclass
class DeletionSummary:
    posts_deleted: int = 0
    posts_kept: int = 0
    comments_kept: int = 0
    rows_deleted: dict[str, int] = field(default_factory=dict)
    texts_redacted: int = 0
    sessions_ended: int = 0


def departed_member():
    """The one inactive account that holds the posts of members who left and kept them."""
    User = user_model()
    try:
        return User.objects.get(username=DEPARTED_USERNAME)
    except User.DoesNotExist:
        pass
    user = User(
        username=DEPARTED_USERNAME,
        email=DEPARTED_EMAIL,
        display_name=DEPARTED_NAME,
        handle=DEPARTED_HANDLE,
        is_active=False,
    )
    user.set_unusable_password()
    if User.objects.filter(handle__iexact=DEPARTED_HANDLE).exists():
        user.handle = None  # taken by a real member: a free one is derived on save
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # created meanwhile by another deletion
        return User.objects.get(username=DEPARTED_USERNAME)
    return user


def is_departed_member(user) -> bool:
    return getattr(user, "username", None) == DEPARTED_USERNAME


def _redact_rows(
    label: str,
    fields: list[str],
    identity: Identity,
    *,
    names: bool,
    extra=None,
    touched: dict[str, set] | None = None,
):
    model = installed(label)
    if model is None:
        return 0
    present = {f.name for f in model._meta.concrete_fields}
    fields = [f for f in fields if f in present]
    terms = identity.terms(names=names)
    if not fields or not terms:
        return 0
    match = Q()
    for name in fields:
        for term in terms:
            match |= Q(**{f"{name}__icontains": term})
    queryset = model._base_manager.filter(match)
    if extra is not None:
        queryset = queryset.filter(extra)
    changed = 0
    for obj in queryset.iterator():
        updates = []
        for name in fields:
            value = getattr(obj, name) or ""
            redacted = identity.redact(value, names=names)
            if redacted != value:
                setattr(obj, name, redacted)
                updates.append(name)
        if updates:
            model._base_manager.filter(pk=obj.pk).update(**{n: getattr(obj, n) for n in updates})
            changed += 1
            if touched is not None:
                touched.setdefault(model._meta.label, set()).add(obj.pk)
    return changed


def _doomed(user) -> tuple[list[tuple], dict[str, set]]:
    """What deleting ``user`` removes: (storage, name) of every file it orphans, and the
    primary keys of the rows it deletes, by model label."""
    collector = Collector(using=router.db_for_write(type(user)))
    collector.collect([user])
    found = []
    rows: dict[str, set] = {}

    def take(instances):
        for obj in instances:
            rows.setdefault(obj._meta.label, set()).add(obj.pk)
            for f in obj._meta.concrete_fields:
                if isinstance(f, models.FileField):
                    file = getattr(obj, f.name)
                    if file and file.name:
                        found.append((file.storage, file.name))

    for instances in collector.data.values():
        take(instances)
    for queryset in collector.fast_deletes:
        model = queryset.model
        if any(isinstance(f, models.FileField) for f in model._meta.concrete_fields):
            take(queryset.iterator())
        else:
            pks = rows.setdefault(model._meta.label, set())
            pks.update(queryset.values_list("pk", flat=True))
    return found, rows


def _remove_files(files: list[tuple]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:  # a missing file must not stop the others
            logger.warning("Could not delete file %s of a deleted account", name, exc_info=True)


def _forget_unmet_searches(identity: Identity) -> int:
    """The demand dashboard's counts of searches that found little keep no trace of who
    searched, but a query may be the departing member's own name, handle or address (typed
    to find their posts): counts whose query holds one of those, or a word of their names
    (three letters or more), as whole words go. A few anonymous counts of other searches
    may go with them: the dashboard loses a little, nobody's name stays."""
    from community.models.suggestions import fold
    from community.reach.models import UnmetSearch

    terms = {fold(term).strip() for term in identity.terms(names=True)}
    # a surname or first name typed alone: every word of their names, but the shortest
    terms |= {fold(word) for name in identity.names for word in name.split() if len(word) >= 3}
    terms -= {""}
    if not terms:
        return 0
    wanted = Q()
    for term in terms:
        wanted |= Q(query__iregex=r"(^|[^a-z0-9])" + re.escape(term) + r"([^a-z0-9]|$)")
    deleted, _ = UnmetSearch.objects.filter(wanted).delete()
    return deleted


def delete_account(user, *, keep_posts: bool) -> DeletionSummary:
    """Delete ``user`` now. ``keep_posts``: their posts and comments stay, anonymised."""
    User = user_model()
    summary = DeletionSummary()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_departed_member(user):
            raise ValueError("The departed-member account cannot be deleted this way.")
        identity = Identity.of(user)
        account_deleting.send(sender=User, user=user, keep_posts=keep_posts)

        touched: dict[str, set] = {}  # rows rewritten or deleted, for content_erased
        handed_over = list(ALWAYS_HANDED_OVER) + (KEPT_CONTENT if keep_posts else [])
        ghost = None
        for label, field_name in handed_over:
            model = installed(label)
            if model is None:
                continue
            rows = model._base_manager.filter(**{field_name: user})
            pks = list(rows.values_list("pk", flat=True))
            if not pks:
                continue
            ghost = ghost or departed_member()
            rows.update(**{field_name: ghost})
            names = [f.name for f in text_fields(model)]
            summary.texts_redacted += _redact_rows(
                label, names, identity, names=True, extra=Q(pk__in=pks), touched=touched
            )
            if label == "community.Post":
                summary.posts_kept = len(pks)
            elif label == "community.Comment":
                summary.comments_kept = len(pks)
        if not keep_posts:
            post_model = installed("community.Post")
            if post_model is not None:
                summary.posts_deleted = post_model._base_manager.filter(author=user).count()

        for queryset in linked_holder_rows(user).values():
            _, per_model = queryset.delete()
            for key, n in per_model.items():
                summary.rows_deleted[key] = summary.rows_deleted.get(key, 0) + n

        for relation in member_relations():
            if relation.on_delete not in (models.DO_NOTHING, models.PROTECT, models.RESTRICT):
                continue
            rows = relation.model._base_manager.filter(**{relation.field.name: user})
            if relation.field.null:
                rows.update(**{relation.field.name: None})
            else:
                rows.delete()

        for label, fields in SYSTEM_TEXTS:
            summary.texts_redacted += _redact_rows(
                label, fields, identity, names=True, touched=touched
            )
        for label, fields in MEMBERS_TEXTS:
            summary.texts_redacted += _redact_rows(
                label, fields, identity, names=False, touched=touched
            )

        forgotten = _forget_unmet_searches(identity)
        if forgotten:
            summary.rows_deleted["reach.UnmetSearch"] = forgotten

        sessions = member_sessions(user)
        for session in sessions:
            session.delete()
        summary.sessions_ended = len(sessions)

        files, deleted = _doomed(user)
        for label, pks in deleted.items():
            touched.setdefault(label, set()).update(pks)
        user_id = user.pk
        _, per_model = user.delete()
        for key, n in per_model.items():
            summary.rows_deleted[key] = summary.rows_deleted.get(key, 0) + n
        content_erased.send(sender=User, rows=touched)
        on_commit(_remove_files, files)
        on_commit_send(account_deleted, User, user_id=user_id)
    return summary
