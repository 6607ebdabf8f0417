"""The reasons shown to librarians, in the site's language (msgids in English)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from cms.dates import format_datetime

if TYPE_CHECKING:
    from .models import Syndication


def _when(value) -> str:
    if value is None:
        return _("soon")
    return format_datetime(value)


def describe_problem(row: Syndication) -> str:
    from .models import FacebookConnection, Syndication

    problem = row.problem
    failed = row.status == Syndication.Status.FAILED
    params = {
        "attempts": row.attempts,
        "when": _when(row.next_attempt_at),
        "code": row.error_code if row.error_code is not None else "-",
        "message": row.error_message or "-",
        "permission": row.problem_detail or "pages_manage_posts",
    }
    P = Syndication.Problem
    if not problem:
        return ""
    if row.destination == Syndication.Destination.FEDIVERSE:
        return _describe_fediverse_problem(row, params)
    if problem == P.TRANSIENT:
        if failed:
            return (
                _(
                    "Facebook could not be reached after %(attempts)s attempts (last error: %(message)s)."
                )
                % params
            )
        return _("Facebook could not be reached; next attempt %(when)s.") % params
    if problem == P.THROTTLED:
        return _("Facebook's rate limit was reached; sending resumes %(when)s.") % params
    if problem == P.TOKEN:
        connection = FacebookConnection.load()
        params["reason"] = connection.broken_reason_text or _("token expired or revoked")
        return (
            _(
                "The connection to the Facebook Page is broken (%(reason)s): this will be sent "
                "once a network admin reconnects the Page."
            )
            % params
        )
    if problem == P.NOT_CONNECTED:
        return _(
            "The Facebook Page is not connected yet: this will be sent once a network admin "
            "connects it."
        )
    if problem == P.PERMISSION:
        return (
            _(
                "Facebook refused the operation: the Page token lacks the permission "
                "%(permission)s. A network admin must reconnect the Page and grant it."
            )
            % params
        )
    if problem == P.BLOCKED:
        if failed:
            return (
                _(
                    "Facebook still blocked posting (error 368, temporarily blocked) after "
                    "%(attempts)s attempts."
                )
                % params
            )
        return _("Facebook temporarily blocks posting (error 368); next attempt %(when)s.") % params
    if problem == P.DUPLICATE:
        return _(
            "Duplicate post: Facebook refused it as identical to a recent post of the Page "
            "(error 506)."
        )
    if problem == P.GONE:
        return _("The post no longer exists on Facebook (was it deleted there?).")
    if problem == P.NO_URL:
        return _("The page has no public address: check the site's hostname in the settings.")
    if problem == P.UNPUBLISHED:
        return _("The page was unpublished before it could be sent.")
    return _("Facebook refused the request: %(message)s (code %(code)s).") % params


def _describe_fediverse_problem(row: Syndication, params: dict) -> str:
    from .models import Syndication

    P = Syndication.Problem
    params = dict(params, servers=row.problem_detail or "-")
    if row.problem == P.PARTLY_DELIVERED:
        return (
            _(
                "Some of the followers' servers could not be reached and were given up "
                "(%(servers)s): the others received it."
            )
            % params
        )
    if row.problem == P.UNREACHABLE:
        return (
            _(
                "None of the followers' servers could be reached (%(servers)s given up; "
                "last error: %(message)s)."
            )
            % params
        )
    if row.problem == P.UNPUBLISHED:
        return _("The page was unpublished before it could be sent.")
    if row.problem == P.TRANSIENT:
        return _("The Fediverse publication could not be prepared; next attempt %(when)s.") % params
    return _("The Fediverse publication could not be prepared: %(message)s.") % params
