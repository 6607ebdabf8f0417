"""The register of processing activities (GDPR art. 30), as maintained data.

Shown in the Wagtail admin (Settings › Register of processing). Each entry says what the
code actually does; retention periods are read from the settings the code uses, so the
register changes when they do. Keep it true: when a feature starts storing something new
about people, add it here in the same change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Processing:
    key: str
    name: str
    purpose: str
    legal_basis: str
    data_categories: list[str]
    people: str
    recipients: list[str]
    retention: str
    where: str  # the code that does it


def duration(n: int) -> str:
    if n % 365 == 0:
        years = n // 365
        return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def processings() -> list[Processing]:
    """The register, in the current language, with the configured retention periods."""
    inactivity = duration(settings.ACCOUNT_INACTIVITY_DAYS)
    grace = duration(settings.ACCOUNT_INACTIVITY_GRACE_DAYS)
    prospects = duration(settings.PROSPECT_RETENTION_DAYS)
    session_days = duration(max(1, settings.SESSION_COOKIE_AGE // 86400))
    staff = _("librarians and network admins of the network")
    return [
        Processing(
            key="accounts",
            name=_("Member accounts"),
            purpose=_(
                "Let people create an account, log in, choose their interests, commune and "
                "home médiathèque, join communities, post and register for events."
            ),
            legal_basis=_(
                "Performance of the service the person signs up for (GDPR art. 6(1)(b)); for "
                "a public body, a task carried out in the public interest (art. 6(1)(e))."
            ),
            data_categories=[
                _(
                    "email address, password (hashed), display name, handle, first and last "
                    "name when given by Facebook login"
                ),
                _(
                    "commune (INSEE code, name, commune coordinates; never a street address), "
                    "home médiathèque, interests"
                ),
                _("public profile: bio, avatar, visibility; follows and blocks"),
                _("posts, comments, reactions, reports, event registrations, memberships"),
                _(
                    "reading lists (“To read” and the member's own, private or public) with "
                    "their notes; the catalogue items marked “I’m interested”"
                ),
                _("login sessions, last login date"),
            ],
            people=_("members, librarians, network admins"),
            recipients=[
                staff,
                _("other members, for what the member publishes or shows on the profile"),
            ],
            retention=_(
                "Until the member deletes the account (immediately, from “My data”). Accounts "
                "without a login for %(inactivity)s are warned by email and deleted "
                "%(grace)s later if still unused (posts kept anonymised). Sessions expire "
                "after %(sessions)s."
            )
            % {"inactivity": inactivity, "grace": grace, "sessions": session_days},
            where="community.models, community.privacy",
        ),
        Processing(
            key="prospects",
            name=_("Partner-site questionnaire (prospects)"),
            purpose=_(
                "Show people met on partner sites what their nearest médiathèque has for "
                "their interests and, if they agree, send them suggestions or contact them."
            ),
            legal_basis=_("Consent (GDPR art. 6(1)(a)), one box per purpose, unticked."),
            data_categories=[
                _("email address, interests, commune, nearest médiathèque, partner site"),
                _("without consent: nothing personal, only anonymous counts"),
            ],
            people=_("visitors of partner sites who answer the questionnaire"),
            recipients=[staff],
            retention=_(
                "%(prospects)s after the last contact, then deleted with their consent "
                "records. Interests and commune are erased as soon as every consent is "
                "withdrawn."
            )
            % {"prospects": prospects},
            where="community.outreach, community.privacy.retention",
        ),
        Processing(
            key="consents",
            name=_("Proof of consent"),
            purpose=_("Be able to show what each person agreed to, when, and to which text."),
            legal_basis=_("Legal obligation (GDPR art. 6(1)(c) and 7(1))."),
            data_categories=[
                _(
                    "purpose, exact text shown and its version (SHA-256), date given and "
                    "withdrawn, source (partner or page), IP address truncated (/24, /48), "
                    "parental consent for under-15s"
                ),
            ],
            people=_("members and prospects who gave a consent"),
            recipients=[_("network admins (proof export)")],
            retention=_(
                "As long as the person's record (account or prospect) exists; erased with it "
                "(account deletion, or %(prospects)s after a prospect's last contact)."
            )
            % {"prospects": prospects},
            where="community.outreach.consents",
        ),
        Processing(
            key="feed",
            name=_("Personalised feed and recommendations"),
            purpose=_(
                "Show each member the announcements, events, items and posts that match "
                "their interests and are near them, and suggest documents."
            ),
            legal_basis=_("Performance of the service (GDPR art. 6(1)(b))."),
            data_categories=[
                _("interests, commune, home médiathèque, communities, follows"),
                _(
                    "feed entries with their score and reason, feedback (“less like this”), "
                    "interactions with catalogue items"
                ),
            ],
            people=_("members"),
            recipients=[_("nobody outside the service: computed on the server")],
            retention=(
                _("Until the account is deleted; each feed keeps at most %(n)d entries.")
                % {"n": settings.FEED_MAX_ENTRIES}
                if hasattr(settings, "FEED_MAX_ENTRIES")
                else _("Until the account is deleted.")
            ),
            where="feeds.store, feeds.recommendations, community.models.interactions",
        ),
        Processing(
            key="notifications",
            name=_("Notifications and emails"),
            purpose=_(
                "Tell members about replies, mentions, waitlist places, reminders and "
                "moderation decisions; the weekly selection for those who asked for it."
            ),
            legal_basis=_(
                "Performance of the service for notifications on the site; consent for "
                "emails (the “also by email” box, the weekly selection), withdrawable in "
                "one click."
            ),
            data_categories=[_("email address, notification texts, delivery dates")],
            people=_("members"),
            recipients=[_("the outgoing mail server configured by the operator")],
            retention=_("Until the account is deleted."),
            where="community.notifications, community.reach",
        ),
        Processing(
            key="audience",
            name=_("Aggregate audience measurement"),
            purpose=_(
                "Know whether people reached through partners, Facebook or search end up "
                "using the library (funnel per source, médiathèque, interest and month)."
            ),
            legal_basis=_("Legitimate interest / public-interest task; no cookie is used."),
            data_categories=[
                _("counts only (day, step, source, médiathèque, interest): no identifier")
            ],
            people=_("nobody identifiable"),
            recipients=[staff],
            retention=_("Counts are not personal data: kept for statistics."),
            where="community.reach",
        ),
        Processing(
            key="demand",
            name=_("Demand signals and library use"),
            purpose=_(
                "Tell librarians what members near their médiathèque look for and do not "
                "find, and compare reach with the loans and new cards of the library system."
            ),
            legal_basis=_("Legitimate interest / public-interest task; no cookie is used."),
            data_categories=[
                _(
                    "counts of searches with no or few results (day, query without accents, "
                    "médiathèque, interest: no identifier); loans and new cards per "
                    "médiathèque and month (aggregates from the library system)"
                )
            ],
            people=_("nobody identifiable"),
            recipients=[staff],
            retention=_(
                "Search counts: UNMET_SEARCH_RETENTION_DAYS (13 months by default), a query "
                "being free text; loans and new cards: kept for statistics."
            ),
            where="search, community.reach",
        ),
        Processing(
            key="facebook",
            name=_("Publishing on Facebook"),
            purpose=_(
                "Mirror the network's announcements and events to the libraries' Facebook Page."
            ),
            legal_basis=_("Legitimate interest / public-interest task (library communication)."),
            data_categories=[
                _(
                    "the published content; the staff account that asked for it; no member "
                    "data is sent"
                )
            ],
            people=_("librarians and network admins"),
            recipients=[_("Meta Platforms Ireland (Facebook), for the published posts")],
            retention=_(
                "The outbox keeps the history of publications; the link to the staff "
                "account is cleared when that account is deleted."
            ),
            where="feeds.syndication",
        ),
        Processing(
            key="moderation",
            name=_("Moderation"),
            purpose=_(
                "Handle reports, hide or delete content, warn, suspend or ban, and keep a "
                "log of decisions."
            ),
            legal_basis=_("Legitimate interest and legal obligations of a host (French LCEN)."),
            data_categories=[
                _(
                    "reports (who, what, why), sanctions, the moderation log with a snapshot "
                    "of the moderated text"
                )
            ],
            people=_("members who report or are reported, moderators"),
            recipients=[_("community moderators, librarians and network admins")],
            retention=_(
                "Sanctions and reports concerning a member are deleted with the account; "
                "the moderation log is kept, with the member's name, handle and email "
                "removed from it when the account is deleted."
            ),
            where="community.models.moderation, community.actions.moderation",
        ),
    ]
