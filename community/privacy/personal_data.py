"""Where a member's personal data lives, found through Django's app registry.

Every model with a foreign key (or one-to-one) to the user model holds rows about a member:
:func:`relations_to` finds them all, including the models other packages add later, so the
export (:mod:`community.privacy.export`) and the deletion (:mod:`community.privacy.erasure`)
cover them without being told. What the foreign keys cannot say is written down here, in a
few small registries keyed by ``"app_label.ModelName"`` (a model that is not installed is
simply skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models

# Never exported: secrets (the export says they exist without giving them).
SECRET_FIELDS: dict[str, set[str]] = {
    "community.User": {"password"},
    "wagtailcore.APIToken": {"key_hash"},
    "community.AccessToken": {"digest"},
}

# Not exported: bulky content that is not about the person (page content of a revision,
# audit payloads). The rows themselves are exported, with their dates.
BULKY_FIELDS: dict[str, set[str]] = {
    "wagtailcore.Revision": {"content"},
    "wagtailcore.PageLogEntry": {"data"},
    "wagtailcore.ModelLogEntry": {"data"},
    "wagtailadmin.FormState": {"data"},
}

# Relations where the member is what someone else acted upon: the other person's identity
# (and their own words) are not disclosed to the member (GDPR art. 15(4)).
RECEIVED: dict[tuple[str, str], set[str]] = {
    ("community.Block", "blocked"): {"blocker"},
    ("community.Report", "member"): {"reporter", "details"},
    ("community.ModerationAction", "member"): {"actor"},
    ("community.Sanction", "user"): {"created_by", "lifted_by"},
}

# Rows that are the member's own record even though the link is SET_NULL (a prospect merged
# into the account): exported with the account and erased with it.
OWNED_THROUGH_LINK: set[tuple[str, str]] = {("outreach.Prospect", "merged_into")}

# Rows that carry the member's email address without a link to the account (a prospect who
# answered the questionnaire with the same address): exported and erased with the account.
MATCHED_BY_EMAIL: set[tuple[str, str]] = {("outreach.Prospect", "email")}

# The member's own containers: the rows that point at them (the items of a reading list,
# with the member's notes) are the member's data too, exported with them (and deleted with
# them, by the cascade from the account).
OWNED_CONTAINERS: set[tuple[str, str]] = {("community.ReadingList", "owner")}

# Models whose rows are a person's record: rows pointing at them are that person's data too
# (the consent records of a prospect).
PERSONAL_HOLDERS: set[str] = {"outreach.Prospect"}


@dataclass(frozen=True)
class Relation:
    """A foreign key from ``model`` to the person's model (the user model, a prospect…)."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def model_label(self) -> str:
        return self.model._meta.label

    @property
    def key(self) -> str:
        return f"{self.model._meta.label_lower}:{self.field.name}"

    @property
    def hidden_fields(self) -> set[str]:
        return RECEIVED.get((self.model_label, self.field.name), set())

    @property
    def on_delete(self):
        return self.field.remote_field.on_delete

    @property
    def m2m_field(self) -> models.ManyToManyField | None:
        """For the hidden table of a many-to-many field (post mentions), that field."""
        owner = self.model._meta.auto_created
        if not owner:
            return None
        for field in owner._meta.local_many_to_many:
            if field.remote_field.through is self.model:
                return field
        return None


def user_model() -> type[models.Model]:
    return apps.get_model(settings.AUTH_USER_MODEL)


def installed(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def relations_to(target: type[models.Model]) -> list[Relation]:
    """Every foreign key / one-to-one pointing at ``target``, across all installed apps.

    Includes the hidden tables of many-to-many fields (who is mentioned in a post), except
    those of ``target``'s own many-to-many fields (a user's groups are part of the user).
    Multi-table inheritance links and proxies are left out (no rows of their own).
    """
    found: list[Relation] = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or meta.auto_created is target:
            continue
        for field in meta.local_fields:
            if not (field.many_to_one or field.one_to_one):
                continue
            if getattr(field.remote_field, "parent_link", False):
                continue
            if field.related_model is target:
                found.append(Relation(model=model, field=field))
    found.sort(key=lambda r: (r.model._meta.app_label, r.model._meta.model_name, r.field.name))
    return found


def member_relations() -> list[Relation]:
    return relations_to(user_model())


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields that can hold someone's name or address as text."""
    kinds = (models.CharField, models.TextField)  # EmailField, SlugField, URLField too
    return [f for f in model._meta.concrete_fields if isinstance(f, kinds) and not f.choices]


def linked_holder_rows(user) -> dict[str, models.QuerySet]:
    """The person records (prospects) that are the member's: merged into the account, or
    under one of the member's email addresses. ``{model label: queryset}``."""
    from django.db.models import Q

    emails = member_emails(user)
    found: dict[str, models.QuerySet] = {}
    for label in PERSONAL_HOLDERS:
        model = installed(label)
        if model is None:
            continue
        who = Q(pk__in=[])
        for model_label, field_name in OWNED_THROUGH_LINK:
            if model_label == label:
                who |= Q(**{field_name: user})
        for model_label, field_name in MATCHED_BY_EMAIL:
            if model_label == label:
                for email in emails:
                    who |= Q(**{f"{field_name}__iexact": email})
        found[label] = model._base_manager.filter(who)
    return found


def member_emails(user) -> list[str]:
    """Every address the member uses: the account's and allauth's (verified or not)."""
    emails = {user.email.strip().lower()} if user.email else set()
    email_model = installed("account.EmailAddress")
    if email_model is not None:
        emails.update(
            e.strip().lower()
            for e in email_model._base_manager.filter(user=user).values_list("email", flat=True)
            if e
        )
    return sorted(emails)


def member_sessions(user) -> list:
    """The member's open sessions (database-backed session engines only)."""
    from importlib import import_module

    from django.utils import timezone

    engine = import_module(settings.SESSION_ENGINE)
    store_class = getattr(engine, "SessionStore", None)
    get_model = getattr(store_class, "get_model_class", None)
    if get_model is None:  # cache or signed-cookie sessions: nothing stored per member here
        return []
    session_model = get_model()
    store = store_class()
    wanted = str(user.pk)
    found = []
    rows = session_model.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500)
    for session in rows:
        data = store.decode(session.session_data)
        if str(data.get("_auth_user_id", "")) == wanted:
            found.append(session)
    return found
