"""Community life in the browser: XSS payloads posted through the UI stay inert, moderation
works end to end, and the community, post, profile and moderation pages pass axe-core."""

import pytest

from community.actions import moderation
from community.models import Membership, Post
from tests.community.life_helpers import XSS_PAYLOADS, join
from tests.conftest import PASSWORD, make_branch, make_community, make_interest, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Payloads that would open a dialog if they ran (caught by page.on("dialog")).
DIALOG_PAYLOADS = [
    "<img src=x onerror=alert('xss')>",
    "[clic](javascript:alert(document.domain))",
    "<svg/onload=confirm(1)>",
]


@pytest.fixture
def network(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    branch = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    club = make_community(
        "Les Voyageurs de l'Imaginaire",
        interests=[sf],
        branches=[branch],
        summary="Science-fiction, fantasy et fantastique : on en parle ensemble.",
    )
    member = make_user("lea@example.org", display_name="Léa", profile_visibility="public")
    other = make_user("sam@example.org", display_name="Sam")
    moderator = make_user("modo@example.org", display_name="Modo")
    join(member, club)
    join(other, club)
    join(moderator, club, Membership.Role.MODERATOR)
    return {"club": club, "member": member, "other": other, "moderator": moderator}


def login(page, email: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state("networkidle")


def watch_for_scripts(page) -> list:
    """Every dialog opened is recorded (and dismissed); payloads also set window.__xss."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def assert_inert(page, dialogs, where: str) -> None:
    page.wait_for_timeout(150)  # let any onload/onerror fire
    assert page.evaluate("() => window.__xss") is None, f"a payload ran on {where}"
    assert dialogs == [], f"a dialog opened on {where}: {dialogs}"
    bad = page.evaluate(
        """() => {
            const found = [];
            for (const el of document.querySelectorAll('.user-content *, .user-content')) {
                for (const attr of el.attributes) {
                    const v = attr.value.trim().toLowerCase();
                    if (attr.name.startsWith('on') || v.startsWith('javascript:') || v.startsWith('data:'))
                        found.push(el.tagName + ' ' + attr.name + '=' + attr.value);
                }
                if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'SVG', 'STYLE', 'IMG', 'MATH'].includes(el.tagName))
                    found.push(el.tagName);
            }
            return found;
        }"""
    )
    assert bad == [], f"dangerous markup in members' content on {where}: {bad}"


def publish(page, body: str) -> None:
    composer = page.locator("details.topic-composer")
    if composer.get_attribute("open") is None:
        page.locator("details.topic-composer > summary").click()  # "Nouveau sujet"
    page.locator("form.composer textarea[name=body]").fill(body)
    page.locator("form.composer button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_xss_corpus_posted_through_the_ui_stays_inert(page, live_server, network):
    dialogs = watch_for_scripts(page)
    club = network["club"]
    login(page, "lea@example.org")

    # the display name and the bio
    page.goto("/profil/public/")
    page.locator("input[name=display_name]").fill("<img src=x onerror=window.__xss=99>")
    page.locator("textarea[name=bio]").fill("\n".join(XSS_PAYLOADS[:8]))
    page.locator("form.form-card button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # the whole corpus in posts (6 per 10 minutes: several payloads per post)
    corpus = XSS_PAYLOADS + DIALOG_PAYLOADS
    chunks = [corpus[i : i + 6] for i in range(0, len(corpus), 6)][:6]
    for chunk in chunks:
        page.goto(club.url)
        publish(page, "\n\n".join(chunk))
        assert_inert(page, dialogs, "the community page after posting")
    assert Post.objects.count() == len(chunks)

    # and in a comment
    post = Post.objects.order_by("created_at").first()
    page.goto(post.get_absolute_url())
    page.locator("section.comments textarea[name=body]").fill("\n".join(DIALOG_PAYLOADS))
    page.locator("section.comments form.comment-form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")

    for url in (club.url, post.get_absolute_url(), network["member"].profile_url):
        page.goto(url)
        assert_inert(page, dialogs, url)
        # links that survived are safe and marked as user-generated
        rels = page.eval_on_selector_all(
            ".user-content a[href^='http']", "els => els.map(e => e.rel)"
        )
        assert all(rel == "nofollow ugc noopener" for rel in rels)
    # hovering and clicking what members wrote runs nothing either
    page.goto(post.get_absolute_url())
    for link in page.locator(".user-content a").all()[:5]:
        link.hover()
    assert_inert(page, dialogs, "the post page after hovering")


def test_pages_are_accessible_and_moderation_works_end_to_end(page, live_server, network):
    club = network["club"]
    moderation_url = f"/communautes/{club.pk}/moderation/"
    login(page, "lea@example.org")
    page.goto(club.url)
    publish(page, "J'ai adoré *Hypérion* de Dan Simmons. Qui l'a lu ? @sam")
    page.get_by_text("Hypérion").first.wait_for()
    assert_accessible(page, "community page with posts")
    post = Post.objects.get()
    page.goto(post.get_absolute_url())
    page.locator("button.reaction").first.click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "post page")
    page.goto(network["member"].profile_url)
    assert_accessible(page, "profile page")
    page.goto("/profil/public/")
    assert_accessible(page, "public profile form")

    # Sam reports the post; the moderator hides it from the community's moderation page
    page.context.clear_cookies()
    login(page, "sam@example.org")
    page.goto(f"/communautes/{club.pk}/publications/{post.pk}/signaler/")
    assert_accessible(page, "report form")
    page.locator("input[name=reason][value=spam]").check()
    page.locator("form.form-card button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    page.context.clear_cookies()
    login(page, "modo@example.org")
    page.goto(moderation_url)
    assert_accessible(page, "moderation page")
    item = page.locator(".moderation-item").first
    item.locator("select[name=action]").select_option("hide")
    item.locator("textarea[name=reason]").fill("Hors charte (test)")
    item.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    post.refresh_from_db()
    assert post.status == "hidden"
    page.goto(f"{moderation_url}journal/")
    assert "Hors charte (test)" in page.content()
    assert_accessible(page, "moderation log")
    assert moderation.reports_for(network["moderator"]).count() == 0
