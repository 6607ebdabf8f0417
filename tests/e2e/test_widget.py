"""The questionnaire embedded on a partner site served from another origin, with its own CSP.

A tiny http.server plays the partner (its page allows scripts and connections only to itself
and to our live server); a second one plays a site the partner never declared.
"""

import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from cms import geo
from cms.models import CatalogueItem, Holding
from community.outreach.models import AnswerCount, ConsentRecord, Partner, Prospect, text_version
from tests.conftest import make_branch, make_interest
from tests.e2e.conftest import AXE, watched_context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LAUNCHER = "Vos passions à la médiathèque"
TITLE = "Votre médiathèque a un lien avec vos passions"

PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Démarches en ligne · Ville</title>
<script src="/csp-watch.js"></script></head>
<body><header><h1>Démarches en ligne</h1></header>
<main><p id="content">Bienvenue sur le portail des services de la ville.</p>
<p><a href="#demarches">Toutes les démarches</a></p></main>
{script}
</body></html>"""

CSP_WATCH = b"""window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});"""


class PartnerSite:
    """http://127.0.0.1:<port>/ embeds the widget; /plain is the same page without it."""

    def __init__(self, widget_origin: str):
        self.widget_origin = widget_origin
        handler = partial(_Handler, self)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def csp(self) -> str:
        ours = self.widget_origin
        return (
            f"default-src 'self'; script-src 'self' {ours}; connect-src 'self' {ours}; "
            "style-src 'self'; img-src 'self'; frame-ancestors 'none'"
        )

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, site, *args, **kwargs):
        self.site = site
        super().__init__(*args, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/csp-watch.js":
            body, kind = CSP_WATCH, "text/javascript"
        elif path == "/axe.min.js":
            body, kind = AXE.read_bytes(), "text/javascript"
        elif path in ("/", "/plain"):
            tag = (
                f'<script src="{self.site.widget_origin}/widget.js" data-partner="demo" async>'
                "</script>"
            )
            html = PAGE.format(script="" if path == "/plain" else tag)
            body, kind = html.encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Security-Policy", self.site.csp)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def network(db, settings):
    settings.AFFINITES_WIDGET = {"MIN_FILL_SECONDS": 1}
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    make_interest("Fantasy", imaginaire, position=2)
    make_interest("Cuisine", position=2)
    aubagne = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
        card_signup_url="https://mediatheque.example/inscription",
    )
    item = CatalogueItem.objects.create(record_id="R1", title="Dune", authors="Herbert, Frank")
    item.interests.set([sf])
    item.save()
    Holding.objects.create(item=item, branch=aubagne, status="disponible")
    geo.resolve("Aubagne")  # load the commune index before the clock of the first request
    return {"sf": sf, "aubagne": aubagne}


@pytest.fixture
def sites(live_server, network):
    partner_site = PartnerSite(live_server.url)
    stranger = PartnerSite(live_server.url)
    Partner.objects.create(
        slug="demo",
        name="Ville d'Aubagne",
        allowed_origins=partner_site.origin,
        primary_colour="#0f4c5c",
        secondary_colour="#eef6f8",
    )
    yield partner_site, stranger
    partner_site.close()
    stranger.close()


@pytest.fixture
def tab(browser, live_server):
    context = watched_context(browser, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


FOCUSED = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  if (!a) return {};
  const label = a.labels && a.labels.length ? a.labels[0].textContent
    : (a.getAttribute("aria-label") || a.textContent || "");
  return {tag: a.tagName, label: label.trim(), inDialog: !!(a.closest && a.closest("[role=dialog]")),
          checked: !!a.checked};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, label: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element is labelled ``label`` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).get("label", "").startswith(label):
            return
    raise AssertionError(f"Tab never reached {label!r}; focus is on {focused(page)}")


def layout(page) -> dict:
    return page.evaluate(
        """() => ({top: document.getElementById("content").getBoundingClientRect().top,
                   height: document.documentElement.scrollHeight,
                   width: document.documentElement.scrollWidth})"""
    )


def check_axe(page, label: str) -> None:
    page.add_script_tag(url="/axe.min.js")  # from the partner's own origin: its CSP allows it
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}" for v in bad)
    assert not bad, f"axe-core found serious/critical violations on {label}:\n{details}"


def test_keyboard_only_questionnaire_on_a_partner_page_with_csp(tab, sites, live_server, network):
    partner_site, _stranger = sites
    page = tab
    page.goto(partner_site.origin + "/plain")
    before = layout(page)
    page.goto(partner_site.origin + "/")
    loaded = time.monotonic()  # the widget's token is issued with its configuration
    launcher = page.get_by_role("button", name=LAUNCHER)
    launcher.wait_for()
    assert layout(page) == before  # the launcher is fixed-position: nothing moved

    # Open with the keyboard.
    tab_to(page, LAUNCHER)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=TITLE)
    dialog.wait_for()
    assert dialog.get_attribute("aria-modal") == "true"
    assert focused(page)["inDialog"]
    assert layout(page) == before
    check_axe(page, "the dialog, step 1")

    # Step 1: interests (Space ticks), Enter on "Suivant". (The list arrives with the
    # partner's configuration: wait for it before walking the dialog with Tab.)
    dialog.get_by_label("Science-fiction").wait_for()
    tab_to(page, "Science-fiction")
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    tab_to(page, "Suivant")
    page.keyboard.press("Enter")

    # Step 2: commune with the autocomplete (arrow down, Enter).
    dialog.get_by_text("Étape 2 sur 4").wait_for()
    tab_to(page, "Votre commune ou code postal")
    page.keyboard.type("Aubag", delay=30)
    page.get_by_role("option", name="Aubagne (13400)").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.get_by_role("combobox").input_value() == "Aubagne (13400)"
    tab_to(page, "Suivant")
    page.keyboard.press("Enter")

    # Step 3: consent boxes unticked; refusing is a button like the other.
    dialog.get_by_text("Étape 3 sur 4").wait_for()
    boxes = page.get_by_role("checkbox")
    assert not page.get_by_label("Recevoir des suggestions par e-mail").is_checked()
    assert not page.get_by_label("Être recontacté·e par la médiathèque").is_checked()
    assert not page.get_by_label("Votre adresse e-mail").is_visible()
    refuse = page.get_by_role("button", name="Continuer sans consentir")
    accept = page.get_by_role("button", name="Valider mes choix")
    assert refuse.bounding_box()["height"] == accept.bounding_box()["height"]
    assert abs(refuse.bounding_box()["width"] - accept.bounding_box()["width"]) < 2
    assert boxes.count() >= 3
    check_axe(page, "the consent step")
    tab_to(page, "Continuer sans consentir")
    # answers sent within MIN_FILL_SECONDS of the token are refused as a robot's: a fast
    # machine walks the steps quicker than a person
    page.wait_for_timeout(max(0.0, 1.5 - (time.monotonic() - loaded)) * 1000)
    page.keyboard.press("Enter")

    # Step 4: the result; nothing personal stored, only the anonymous count.
    dialog.get_by_text("Étape 4 sur 4").wait_for()
    assert dialog.get_by_text("Médiathèque Marcel Pagnol").is_visible()
    assert dialog.get_by_text("Rien n’a été enregistré sur vous.").is_visible()
    assert dialog.get_by_role("link", name="Dune").is_visible()
    card = dialog.get_by_role("link", name="S’inscrire à la médiathèque")
    # through our counted click-through (community.reach), credited to the partner
    card_href = card.get_attribute("href")
    assert "/mediatheques/mediatheque-marcel-pagnol/inscription/" in card_href
    assert "utm_source=demo" in card_href
    assert "utm_source=demo" in dialog.get_by_role("link", name="Créer un compte").get_attribute(
        "href"
    )
    assert not Prospect.objects.exists() and not ConsentRecord.objects.exists()
    assert sum(AnswerCount.objects.values_list("answers", flat=True)) == 1
    check_axe(page, "the result")

    # Focus stays in the dialog both ways; Escape closes and gives focus back.
    for _ in range(12):
        page.keyboard.press("Tab")
        assert focused(page)["inDialog"]
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert focused(page)["inDialog"]
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert focused(page)["label"] == LAUNCHER

    # Again, this time consenting to suggestions by email (a token sends one answer: the
    # widget fetches a fresh one on reopening).
    page.keyboard.press("Enter")
    reloaded = time.monotonic()
    dialog.wait_for()
    tab_to(page, "Suivant")
    page.keyboard.press("Enter")
    tab_to(page, "Suivant")
    page.keyboard.press("Enter")
    dialog.get_by_text("Étape 3 sur 4").wait_for()
    tab_to(page, "Recevoir des suggestions par e-mail")
    page.keyboard.press("Space")
    tab_to(page, "Votre adresse e-mail")
    page.keyboard.type("lea@example.org")
    tab_to(page, "Valider mes choix")
    page.wait_for_timeout(max(0.0, 1.5 - (time.monotonic() - reloaded)) * 1000)
    page.keyboard.press("Enter")
    dialog.get_by_text("Étape 4 sur 4").wait_for()
    # double opt-in: pending until the address's owner follows the confirmation email
    assert dialog.get_by_text("Nous vous avons envoyé un e-mail").is_visible()
    record = ConsentRecord.objects.get()
    assert record.confirmed_at is None
    assert record.purpose == "suggestions_email"
    assert record.text.startswith("Recevoir des suggestions par e-mail.")
    assert record.version == text_version(record.text)
    assert record.source == "demo" and record.ip_prefix == "127.0.0.0"
    assert Prospect.objects.get().email == "lea@example.org"

    # No third-party request, and the partner's CSP was never violated.
    ours = {partner_site.origin, live_server.url}
    assert {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in page.requests} <= ours
    assert page.evaluate("window.cspViolations") == []


def test_an_undeclared_site_is_refused_with_a_clear_message(tab, sites, live_server):
    _partner_site, stranger = sites
    page = tab
    with page.expect_response(lambda r: "/widget/api/demo/config/" in r.url) as config:
        page.goto(stranger.origin + "/")
    assert config.value.status == 403
    launcher = page.get_by_role("button", name=LAUNCHER)
    tab_to(page, LAUNCHER)
    page.keyboard.press("Enter")
    alert = page.get_by_role("dialog", name=TITLE).get_by_role("alert")
    alert.wait_for()
    assert "n’est pas parmi les sites déclarés" in alert.inner_text()
    assert stranger.origin in alert.inner_text()
    check_axe(page, "the refusal")
    page.keyboard.press("Escape")
    assert launcher.is_visible()
    assert not AnswerCount.objects.exists()
    assert page.evaluate("window.cspViolations") == []


def test_opened_before_its_configuration_arrived_the_dialog_waits_for_it(
    tab, sites, live_server, network
):
    """A visitor quicker than the network (or a slow server) opens the questionnaire while
    its configuration is still on the way: the dialog says it is loading, then shows the
    first step, instead of "cannot be shown"."""
    partner_site, _stranger = sites
    page = tab
    held = []
    page.route("**/widget/api/*/config/", lambda route: held.append(route))  # answered later
    page.goto(partner_site.origin + "/")
    launcher = page.get_by_role("button", name=LAUNCHER)
    launcher.wait_for()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the widget asked for its configuration"

    launcher.click()
    dialog = page.get_by_role("dialog", name=TITLE)
    dialog.get_by_role("status").filter(has_text="Chargement…").wait_for()
    check_axe(page, "the dialog while it loads")
    held[0].continue_()
    dialog.get_by_label("Science-fiction").wait_for()
    assert not dialog.get_by_text("ne peut pas être affiché").is_visible()
