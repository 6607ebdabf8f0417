"""The site's Content-Security-Policy in a real browser: an injected inline script is
refused and reported, the site's own scripts run, and the watcher of every browser test
sees violations (so "0 CSP violations" in the other browser tests means something)."""

import pytest

from tests.conftest import PASSWORD, make_user
from tests.e2e import conftest as e2e

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INJECT = """() => {
  const s = document.createElement("script");
  s.textContent = "window.__ran = 1";
  document.body.appendChild(s);
  const d = document.createElement("div");
  d.setAttribute("onclick", "window.__ran = 2");
  document.body.appendChild(d);
  d.click();
  return new Promise((resolve) => setTimeout(() => resolve(window.__ran || 0), 200));
}"""


def test_an_injected_inline_script_is_refused_and_seen(page, live_server):
    page.goto("/comptes/login/")
    assert page.evaluate(INJECT) == 0  # neither the script nor the handler ran
    page.wait_for_timeout(200)
    seen = list(e2e._csp_violations)
    e2e._csp_violations.clear()  # expected here: the other tests must see none
    assert any("script-src" in v for v in seen), seen


def test_a_members_pages_run_their_scripts_without_violation(page, live_server, taxonomy):
    """Logged in, live.js runs on every page; the profile's interest chooser too. The
    autouse watcher fails this test on any violation."""
    member = make_user()
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(member.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)
    for path in ("/profil/", "/fil/", "/notifications/", "/recherche/?q=science"):
        page.goto(path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # deferred scripts have run
