"""The widget script, its JSON endpoints (CORS per partner) and the one-click withdrawal page.

Endpoints (``<slug>`` is the partner's):

- ``GET /widget.js`` — the script, long-cached with an ETag;
- ``GET /widget/api/<slug>/config/`` — texts, colours, delay, interests, consent texts and
  their versions, and a signed form token;
- ``GET /widget/api/<slug>/communes/?q=`` — offline commune/postcode autocomplete;
- ``POST /widget/api/<slug>/submit/`` — the answer (JSON); returns the result;
- ``GET|POST /consentement/retrait/<token>/`` — withdrawal (RFC 8058 one-click POST too).

The widget calls them without cookies (``credentials: "omit"``); nothing here sets one.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition, require_http_methods

from cms.models import Interest
from cms.params import JSONRefused, load_json
from cms.places import suggest_places
from community.actions.errors import Refused
from community.journey import Step, send_journey_step
from community.outreach import security
from community.outreach.actions import MAX_INTERESTS, WIDGET_PURPOSES, answer_questionnaire
from community.outreach.confirmation import (
    LinkExpired,
    LinkInvalid,
    confirm_consents,
    link_state,
)
from community.outreach.consents import (
    consent_detail,
    consent_label,
    consent_text,
    records_from_token,
    withdraw_consent,
)
from community.outreach.forms import AnswerForm
from community.outreach.models import Partner, text_version

# Not a static file: only /widget.js serves it, with its fallback texts filled in.
WIDGET_JS = Path(__file__).parent / "assets" / "widget.js"
FALLBACK_MARK = "/*FALLBACK*/{}"
MAX_BODY = 16 * 1024


# --- The script ---------------------------------------------------------------------------


def fallback_texts() -> dict[str, str]:
    """The few texts the widget needs before (or without) its configuration."""
    return {
        "open": _("Your passions at the médiathèque"),
        "title": _("Your médiathèque has a link with your passions"),
        "close": _("Close"),
        "loading": _("Loading…"),
        "unavailable": _(
            "The médiathèque's questionnaire cannot be shown on this site for now. "
            "Please try again later."
        ),
    }


@lru_cache(maxsize=4)
def _script(language: str, mtime: float) -> tuple[bytes, str]:
    with translation.override(language):
        texts = json.dumps(fallback_texts(), ensure_ascii=False)
    source = WIDGET_JS.read_text(encoding="utf-8").replace(FALLBACK_MARK, texts, 1)
    body = source.encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:32]


def script() -> tuple[bytes, str]:
    """(body, etag) of the widget script, with its fallback texts in the site's language."""
    return _script(settings.LANGUAGE_CODE, WIDGET_JS.stat().st_mtime)


@require_http_methods(["GET", "HEAD"])
@condition(etag_func=lambda request: script()[1])
def widget_js(request: HttpRequest) -> HttpResponse:
    body, _etag = script()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400, stale-while-revalidate=604800"
    # Partner pages isolated with COEP may still load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# --- CORS ----------------------------------------------------------------------------------


def _json(payload, status: int = 200, origin: str | None = None) -> JsonResponse:
    response = JsonResponse(payload, status=status, safe=False)
    # Declared origins get their own origin back; refusals are readable by any page (they
    # carry only the reason) so that the widget can tell the visitor what is wrong.
    response["Access-Control-Allow-Origin"] = origin or "*"
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Origin"])
    return response


def _refusal(refused: Refused) -> JsonResponse:
    response = _json({"error": refused.message, "code": refused.code}, status=refused.status)
    if refused.retry_after:
        response["Retry-After"] = str(refused.retry_after)
    return response


def partner_endpoint(view):
    """Find the active partner, check the Origin against its declared origins, answer CORS."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs):
        partner = Partner.objects.filter(slug=slug, active=True).first()
        origin = request.headers.get("Origin")
        try:
            if partner is None:
                raise Refused(
                    _("This partner site is not declared (or not active)."),
                    code="unknown_partner",
                    status=404,
                )
            if not origin:
                raise Refused(
                    _("This endpoint only answers the partner's web pages."),
                    code="origin_missing",
                    status=403,
                )
            if not partner.allows(origin):
                raise Refused(
                    _(
                        "This site (%(origin)s) is not among the sites declared for the partner "
                        "“%(partner)s”."
                    )
                    % {"origin": origin[:100], "partner": partner.name},
                    code="origin_not_allowed",
                    status=403,
                )
            if request.method == "OPTIONS":
                response = _json({}, status=204, origin=origin)
                response.content = b""
                response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Content-Type"
                response["Access-Control-Max-Age"] = "600"
                return response
            payload, status = view(request, partner, *args, **kwargs)
        except Refused as refused:
            return _refusal(refused)
        return _json(payload, status=status, origin=origin)

    return csrf_exempt(wrapper)


# --- Endpoints -----------------------------------------------------------------------------


def _on_colour(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with ``hex_colour`` (WCAG luminance)."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def widget_texts() -> dict[str, str]:
    return {
        **fallback_texts(),
        "step": _("Step %(n)s of 4"),
        "s1": _("Your interests"),
        "s2": _("Your commune"),
        "s3": _("Your choices"),
        "s4": _("Your result"),
        "email_required": _(
            "Give your email address so that we can write to you, or untick the boxes."
        ),
        "parent_required": _(
            "Under 15, a parent must agree too: tick the parent's box, or continue "
            "without consenting."
        ),
        "interests_legend": _("What are you passionate about? Choose up to %(max)s interests.")
        % {"max": MAX_INTERESTS},
        "interests_max": _("You have chosen %(max)s interests, the maximum.")
        % {"max": MAX_INTERESTS},
        "interests_required": _("Choose at least one interest."),
        "others": _("Other interests"),
        "commune_label": _("Your commune or postcode"),
        "commune_hint": _("Only your commune is used, to find the nearest médiathèque."),
        "commune_required": _("Give your commune or postcode."),
        "suggestions": _("%(n)s communes suggested: use the up and down arrows."),
        "consent_legend": _("Do you want us to write to you?"),
        "consent_intro": _(
            "Nothing is required. Without a ticked box, nothing about you is recorded: "
            "we only count answers, anonymously."
        ),
        "email_label": _("Your email address"),
        "under_15": _("I am under 15"),
        "parental": _("One of my parents (or my legal guardian) agrees to these choices"),
        "parental_hint": _("Under 15, a parent's consent is needed too."),
        "refuse": _("Continue without consenting"),
        "accept": _("Confirm my choices"),
        "next": _("Next"),
        "back": _("Back"),
        "sending": _("Sending…"),
        "result_title": _("Your nearest médiathèque"),
        "distance": _("%(km)s km from your commune"),
        "for_you": _("For you there"),
        "join": _("Join the community"),
        "account": _("Create an account"),
        "card": _("Sign up at the médiathèque"),
        "stored": _(
            "We have sent you an email: follow its link to confirm your address, and we will "
            "send you these results. Nothing is sent before."
        ),
        "not_stored": _("Nothing about you was recorded."),
        "error": _("Something went wrong. Please try again."),
        "event": _("Event"),
        "item": _("In the collections"),
        "service": _("Service"),
        "new_tab": _("(opens a new tab)"),
    }


def _interest_groups() -> list[dict]:
    interests = list(Interest.objects.select_related("parent").order_by("position", "name"))
    tops = [i for i in interests if i.parent_id is None]
    children: dict[int, list[Interest]] = {}
    for i in interests:
        if i.parent_id:
            children.setdefault(i.parent_id, []).append(i)
    groups = [
        {"name": top.name, "choices": [{"id": c.pk, "name": c.name} for c in children[top.pk]]}
        for top in tops
        if top.pk in children
    ]
    alone = [{"id": t.pk, "name": t.name} for t in tops if t.pk not in children]
    if alone:
        groups.append({"name": _("Other interests"), "choices": alone})
    return groups


@require_http_methods(["GET", "OPTIONS"])
@partner_endpoint
def config(request: HttpRequest, partner: Partner):
    send_journey_step(Step.WIDGET_SHOWN, request=request, source=partner.slug)
    return {
        "partner": {
            "name": partner.name,
            "primary": partner.primary_colour,
            "on_primary": _on_colour(partner.primary_colour),
            "secondary": partner.secondary_colour,
            "on_secondary": _on_colour(partner.secondary_colour),
            "delay": partner.delay_seconds,
        },
        "token": security.issue_token(partner.slug),
        "max_interests": MAX_INTERESTS,
        "interests": _interest_groups(),
        "purposes": [
            {
                "purpose": p.value,
                "label": consent_label(p),
                "detail": consent_detail(p),
                "version": text_version(consent_text(p)),
            }
            for p in WIDGET_PURPOSES
        ],
        "texts": widget_texts(),
    }, 200


@require_http_methods(["GET", "OPTIONS"])
@partner_endpoint
def communes(request: HttpRequest, partner: Partner):
    query = request.GET.get("q", "")
    if len(query) > 100:
        raise Refused(
            _("The q parameter is limited to 100 characters."), code="query_too_long", status=400
        )
    found = suggest_places(query, limit=8) if query.strip() else []
    return [
        {"insee": c.insee, "name": c.name, "postcodes": list(c.postcodes[:3])} for c in found
    ], 200


@require_http_methods(["POST", "OPTIONS"])
@partner_endpoint
def submit(request: HttpRequest, partner: Partner):
    if len(request.body) > MAX_BODY:
        raise Refused(_("The answer is too large."), code="too_large", status=400)
    try:
        data = load_json(request.body or b"{}")
    except JSONRefused:
        data = None
    if not isinstance(data, dict):
        raise Refused(_("The answer must be a JSON object."), code="bad_json", status=400)
    if str(data.get("website") or "").strip():  # honeypot: people never see this field
        raise Refused(
            _("This answer looks automated and was refused."), code="honeypot", status=400
        )
    checked = security.check_token(data.get("token"), partner.slug)
    if not checked.ok:
        messages = {
            "token_expired": _("The questionnaire stayed open too long. Reload the page, please."),
            "token_invalid": _("This answer does not come from the questionnaire."),
            "too_fast": _("This answer was sent too fast to be a person's. Try again in a moment."),
        }
        raise Refused(messages[checked.code], code=checked.code, status=403)
    wait = security.hit_submission_limits(request, partner.slug)
    if wait:
        raise Refused(
            _("Too many answers in a short time. Try again in %(minutes)s minutes.")
            % {"minutes": max(1, round(wait / 60))},
            code="rate_limited",
            status=429,
            retry_after=wait,
        )
    form = AnswerForm(
        {
            "interests": data.get("interests") if isinstance(data.get("interests"), list) else [],
            "commune": str(data.get("commune") or ""),
            "purposes": data.get("purposes") if isinstance(data.get("purposes"), list) else [],
            "versions": json.dumps(data.get("versions") or {}),
            "email": str(data.get("email") or ""),
            "under_15": bool(data.get("under_15")),
            "parental": bool(data.get("parental")),
        }
    )
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        first = next(iter(errors.values()))[0]
        return {"error": first, "code": "invalid", "fields": errors}, 400
    if not security.spend_token(data.get("token")):
        raise Refused(
            _("This questionnaire was already sent. Reload the page to answer again."),
            code="token_used",
            status=409,
        )
    outcome = answer_questionnaire(partner, form.answer(), request=request)
    if outcome is None:
        raise Refused(_("No médiathèque is declared yet."), code="no_branch", status=409)
    branch = outcome.nearest.branch
    return {
        "branch": {
            "name": branch.name,
            "address": f"{branch.address}, {branch.postcode} {branch.commune}",
            "distance_km": round(outcome.nearest.distance_km, 1),
        },
        "suggestions": [s.__dict__ for s in outcome.suggestions],
        "links": outcome.links,
        "stored": outcome.prospect is not None,
        # double opt-in: nothing is sent but the confirmation email until it is followed
        "confirmation_sent": outcome.prospect is not None,
    }, 200


# --- Withdrawal ----------------------------------------------------------------------------


@csrf_exempt  # the signed token is the protection; mail clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirm button. POST (the button, or RFC 8058 one-click): withdraw."""
    records = records_from_token(token)
    if records is None:
        return render(request, "outreach/withdraw_invalid.html", status=404)
    if request.method == "POST":
        for record in records:
            withdraw_consent(record)
        return render(request, "outreach/withdraw_done.html", {"records": records})
    active = [r for r in records if r.is_active]
    return render(request, "outreach/withdraw_confirm.html", {"records": records, "active": active})


# --- Confirmation (double opt-in) ------------------------------------------------------------


@csrf_exempt  # the signed token is the protection; the page is reached from an email
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what would be confirmed, and a button (mail scanners follow links, never buttons).
    POST: confirm. An expired link says so (410); a forged one, 404."""
    template = "outreach/confirm.html"
    try:
        if request.method == "POST":
            done = confirm_consents(token, request=request)
            state = "already" if done.already else "withdrawn" if done.withdrawn else "confirmed"
            return render(request, template, {"state": state})
        state, prospect, records = link_state(token)
    except LinkExpired:
        return render(request, template, {"state": "expired"}, status=410)
    except LinkInvalid:
        return render(request, template, {"state": "invalid"}, status=404)
    return render(request, template, {"state": state, "prospect": prospect, "records": records})
