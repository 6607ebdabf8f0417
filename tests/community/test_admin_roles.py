"""Each staff group's admin menu and pages, against the README's table of roles.

README, "What works today": librarians (group *Bibliothécaires*) run communities,
announcements, events, curated lists and branch pages, catalogue items and their import,
the moderation queue and the Facebook status of each page; network
admins (group *Administrateurs réseau*) also see the *Impact* dashboard, switch the editorial workflow and set the OPAC
address in *Paramètres › Paramètres du réseau*, manage branches, the interest taxonomy,
services and subject → interest rules, users, the Facebook Page connection and its
interests, partner sites, the proof of consent, the register of processing and the purge
log. Members never reach the admin.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from wagtail.admin.menu import admin_menu

from cms.models import NetworkSettings
from community import roles
from community.demo import loader
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _menu(user) -> set[str]:
    """Every entry of the admin menu `user` sees, as "parent/child" menu names."""
    # As in a served request, the URLconf is loaded first: admin viewsets register their
    # main-menu items while their URLs are built.
    reverse("wagtailadmin_home")
    request = RequestFactory().get("/admin/")
    request.user = user
    names = set()

    def walk(items, prefix=""):
        for item in items:
            names.add(prefix + item.name)
            submenu = getattr(item, "menu", None)
            if submenu is not None:
                walk(submenu.menu_items_for_request(request), f"{item.name}/")

    walk(admin_menu.menu_items_for_request(request))
    return names


LIBRARY_WORK = {
    "explorer",  # communities, announcements, events, curated lists, branch pages
    "catalogue/documents",  # catalogue items
    "catalogue/catalogue-import",
    "community-moderation",
    "suggestions-achat",  # purchase suggestions
    "reports/publications",  # the outbox: Facebook and Fediverse rows, "Réessayer", "Annuler"
    "demande",  # demand signals of their médiathèques
    "members-public-lists",  # members' public lists → « Créer une sélection »
    "reports/fedivers",  # deliveries to the followers' servers
    "images",
    "documents",
}
NETWORK_ADMIN_WORK = {
    "settings/parametres-du-reseau",  # editorial workflow, OPAC address
    "network/mediatheques",
    "network/centres-dinteret",
    "network/services",
    "network/regles-par-sujet",
    "settings/users",
    "settings/connexion-a-la-page-facebook",
    "settings/centres-dinteret-facebook",
    "sites-partenaires",
    "preuve-du-consentement",
    "settings/privacy-register",
    "settings/privacy-purge-log",
    "reach-funnel",  # Impact
    "settings/serveurs-bloques-fedivers",
}
LIBRARIAN_NOT = NETWORK_ADMIN_WORK - {"network/mediatheques", "network/centres-dinteret"}


def test_librarians_menu_has_their_work_and_none_of_the_network_admins():
    menu = _menu(make_user(groups=[roles.LIBRARIANS]))
    assert menu >= LIBRARY_WORK, sorted(LIBRARY_WORK - menu)
    assert not (LIBRARIAN_NOT & menu), sorted(LIBRARIAN_NOT & menu)


def test_network_admins_menu_has_the_library_work_and_the_network_settings():
    menu = _menu(make_user(groups=[roles.NETWORK_ADMINS]))
    expected = LIBRARY_WORK | NETWORK_ADMIN_WORK
    assert expected <= menu, sorted(expected - menu)
    # Wagtail's own machinery stays with superusers.
    assert not ({"settings/groups", "settings/sites", "settings/redirects"} & menu)


def _settings_url():
    return reverse("wagtailsettings:edit", args=["cms", "networksettings"])


STAFF_PAGES = {
    "network settings": (_settings_url, {"admin"}),
    "users": (lambda: reverse("wagtailusers_users:index"), {"admin"}),
    "partner sites": (lambda: "/admin/snippets/outreach/partner/", {"admin"}),
    "proof of consent": (lambda: reverse("outreach_consent_proof"), {"admin"}),
    "register of processing": (lambda: reverse("privacy_register"), {"admin"}),
    "purge log": (lambda: reverse("privacy_purge_log"), {"admin"}),
    "services": (lambda: "/admin/snippets/cms/service/", {"admin"}),
    "subject rules": (lambda: "/admin/snippets/cms/subjectrule/", {"admin"}),
    "catalogue items": (lambda: "/admin/snippets/cms/catalogueitem/", {"admin", "librarian"}),
    "catalogue import": (lambda: reverse("catalogue-import:index"), {"admin", "librarian"}),
    "moderation queue": (lambda: reverse("community_moderation_queue"), {"admin", "librarian"}),
    "impact": (lambda: reverse("reach_funnel"), {"admin"}),
    "impact export": (lambda: reverse("reach_funnel_csv"), {"admin"}),
    "demand": (lambda: reverse("reach_demand"), {"admin", "librarian"}),
    "demand export": (lambda: reverse("reach_demand_csv"), {"admin", "librarian"}),
    "loans import": (lambda: reverse("reach_library_use"), {"admin", "librarian"}),
}


@pytest.mark.parametrize("role", ["librarian", "admin", "member"])
@pytest.mark.parametrize("page", sorted(STAFF_PAGES))
def test_each_role_reaches_exactly_its_admin_pages(client, role, page):
    groups = {"librarian": [roles.LIBRARIANS], "admin": [roles.NETWORK_ADMINS], "member": []}
    client.force_login(make_user(groups=groups[role]))
    url_of, allowed = STAFF_PAGES[page]
    url = url_of()
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith(url):
        response = client.get(response["Location"])  # a settings page goes to its instance
    reached = response.status_code == 200
    assert reached == (role in allowed), (page, role, response.status_code)


def test_network_admin_sets_the_opac_address_and_switches_the_workflow(client):
    client.force_login(make_user(groups=[roles.NETWORK_ADMINS]))
    response = client.post(
        reverse("wagtailsettings:edit", args=["cms", "networksettings", NetworkSettings.load().pk]),
        {"opac_record_url": "https://catalogue.example.org/notice/{record_id}"},
    )
    assert response.status_code == 302
    saved = NetworkSettings.load()
    assert saved.opac_record_url == "https://catalogue.example.org/notice/{record_id}"
    assert saved.editorial_workflow is False  # the unticked box switched it off


def test_librarian_cannot_change_the_network_settings(client):
    client.force_login(make_user(groups=[roles.LIBRARIANS]))
    url = reverse(
        "wagtailsettings:edit", args=["cms", "networksettings", NetworkSettings.load().pk]
    )
    response = client.post(url, {"opac_record_url": "https://evil.example/{record_id}"})
    assert response.status_code in (302, 403)
    assert NetworkSettings.load().opac_record_url == ""


def test_load_demo_gives_back_a_permission_a_group_lost():
    group = Group.objects.get(name=roles.NETWORK_ADMINS)
    group.permissions.remove(*group.permissions.filter(codename="change_networksettings"))
    admin = make_user(groups=[roles.NETWORK_ADMINS])
    assert "settings/parametres-du-reseau" not in _menu(admin)

    loader.load_all(io.StringIO(), library=False)

    admin = type(admin).objects.get(pk=admin.pk)  # permissions are cached on the object
    assert "settings/parametres-du-reseau" in _menu(admin)
    assert roles.grant_group_permissions() == []  # nothing left to give
