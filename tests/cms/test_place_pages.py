"""Every page where people type a commune reads it the same way (cms.places): the home
page, "what is on near me", the médiathèques list, onboarding and profile, the partner
questionnaire and the communes API."""

import re
from html import unescape

import pytest
from django.urls import reverse

from community.outreach.forms import AnswerForm

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_home_answers_aix_with_aix_en_provence_and_offers_the_other_aix(client, branches):
    response = client.get("/", {"commune": "Aix"})
    html = _text(response)
    assert response.status_code == 200
    assert "Aix-en-Provence" in re.search(r'<h2 id="nearby-title">(.*?)</h2>', html).group(1)
    first = re.search(r'<ul class="grid">\s*<li class="card">\s*<h3>(.*?)</h3>', html).group(1)
    assert first == "Bibliothèque de l'Alcazar"  # 25 km away, not Arles 275 km from Aix (19)
    assert "?commune=Aix&amp;insee=19002" in response.content.decode()


def test_home_offers_did_you_mean_for_a_typing_mistake(client, branches):
    response = client.get("/", {"commune": "Marseile"})
    html = _text(response)
    assert "Vouliez-vous dire" in html
    link = re.search(r'href="([^"]*insee=13055[^"]*)"', response.content.decode()).group(1)
    followed = client.get("/" + unescape(link))
    heading = re.search(r'<h2 id="nearby-title">(.*?)</h2>', _text(followed)).group(1)
    assert "Marseille" in heading


def test_home_picks_the_commune_chosen_in_the_autocomplete(client, branches):
    html = _text(client.get("/", {"commune": "Aix (19200)", "insee": "19002"}))
    assert "Aix (19200)" in html
    heading = re.search(r'<h2 id="nearby-title">(.*?)</h2>', html).group(1)
    assert "Aix-en-Provence" not in heading


def test_home_form_has_the_commune_autocomplete(client, db):
    html = client.get("/").content.decode()
    assert html.count("data-commune-autocomplete") == 2  # nearest médiathèque, and discover
    assert 'role="combobox"' in html and 'aria-controls="home-commune-listbox"' in html
    assert "js/commune-autocomplete" in html


def test_discover_reads_a_short_name_and_suggests_for_a_typo(client, branches):
    html = _text(client.get(reverse("feeds:discover"), {"commune": "Aubag"}))
    assert "Près d’Aubagne" in html
    html = _text(client.get(reverse("feeds:discover"), {"commune": "Vitroles"}))
    assert "Vouliez-vous dire" in html and "Vitrolles (13)" in html


def test_branch_list_sorts_from_a_misspelt_commune_after_a_choice(client, branches):
    html = _text(client.get("/mediatheques/", {"commune": "Gardane"}))
    assert "Vouliez-vous dire" in html and "Gardanne (13)" in html
    assert 'aria-describedby="branch-commune-error"' in html
    html = _text(client.get("/mediatheques/", {"commune": "Gardanne", "insee": "13041"}))
    assert "Les plus proches de Gardanne" in html or "Gardanne" in html


def test_onboarding_offers_the_communes_meant_and_takes_the_one_chosen(
    client, member, taxonomy, branches
):
    client.force_login(member)
    url = reverse("community:onboarding")
    response = client.post(
        url, {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Marseile"}
    )
    html = _text(response)
    assert response.status_code == 200
    assert "Vouliez-vous dire Marseille (13)" in html
    assert 'name="place_choice" value="13055"' in html

    response = client.post(
        url,
        {
            "display_name": "Lou",
            "interests": [taxonomy["sf"].pk],
            "place": "Marseile",
            "place_choice": "13055",
            "place_choice_for": "Marseile",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.commune_insee == "13055"


def test_onboarding_ignores_a_choice_made_for_another_text(client, member, taxonomy, branches):
    client.force_login(member)
    response = client.post(
        reverse("community:onboarding"),
        {
            "display_name": "Lou",
            "interests": [taxonomy["sf"].pk],
            "place": "Aubagne",
            "place_choice": "75056",  # Paris, offered for something else
            "place_choice_for": "Pari",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.commune_insee == "13005"


@pytest.mark.parametrize("choice", ["<script>", "99999", "00000" + "1" * 400, ""])
def test_onboarding_survives_a_forged_choice(client, member, taxonomy, branches, choice):
    client.force_login(member)
    response = client.post(
        reverse("community:onboarding"),
        {
            "display_name": "Lou",
            "interests": [taxonomy["sf"].pk],
            "place": "Marseile",
            "place_choice": choice,
            "place_choice_for": "Marseile",
        },
    )
    assert response.status_code == 200
    assert "Vouliez-vous dire" in _text(response)
    member.refresh_from_db()
    assert member.commune_insee == ""


def test_communes_api_puts_the_network_first_and_forgives_typos(client, branches):
    names = [c["name"] for c in client.get("/api/communes/", {"q": "Aix"}).json()]
    assert names[0] == "Aix-en-Provence"
    names = [c["name"] for c in client.get("/api/communes/", {"q": "marseile"}).json()]
    assert names[0] == "Marseille"


def test_questionnaire_answer_suggests_the_commune_meant(branches, taxonomy):
    form = AnswerForm(data={"interests": [taxonomy["sf"].pk], "commune": "Miramass"})
    assert not form.is_valid()
    assert "Miramas (13)" in " ".join(form.errors["commune"])
    form = AnswerForm(data={"interests": [taxonomy["sf"].pk], "commune": "Aubag"})
    form.is_valid()
    assert "commune" not in form.errors
    assert form.cleaned_data["commune"].insee == "13005"
