import pytest
from django.urls import reverse

from community.models import FollowedInterest

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_step_one_saves_interests_and_commune_and_proposes_nearest(
    logged_in, member, taxonomy, branches
):
    response = logged_in.post(
        reverse("community:onboarding"),
        {
            "display_name": "Lou",
            "interests": [taxonomy["sf"].pk, taxonomy["cuisine"].pk],
            "place": "aubagne",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("community:onboarding_branch")
    member.refresh_from_db()
    assert member.commune_insee == "13005"
    assert member.commune_name == "Aubagne"
    assert set(member.interests.all()) == {taxonomy["sf"], taxonomy["cuisine"]}
    assert member.home_branch == branches["aubagne"]
    assert member.onboarded_at is None  # not until the branch is confirmed

    page = logged_in.get(reverse("community:onboarding_branch"))
    html = page.content.decode()
    assert "Votre médiathèque la plus proche" in html
    assert "Médiathèque Marcel Pagnol" in html
    # distance from Aubagne's centre, French decimal comma
    assert "— 0,1 km" in html or "— 0,2 km" in html


def test_postcode_of_marseille_arrondissement(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["manga"].pk], "place": "13001"},
    )
    member.refresh_from_db()
    assert member.commune_insee == "13201"
    assert member.home_branch == branches["alcazar"]


def test_step_two_lets_the_member_pick_another_branch(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Aubagne"},
    )
    response = logged_in.post(
        reverse("community:onboarding_branch"), {"branch": branches["arles"].pk}
    )
    assert response.status_code == 302
    assert response["Location"] == "/communautes/"
    member.refresh_from_db()
    assert member.home_branch == branches["arles"]
    assert member.is_onboarded


def test_branches_are_listed_nearest_first_with_distance(logged_in, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Arles"},
    )
    html = logged_in.get(reverse("community:onboarding_branch")).content.decode()
    assert html.index("Médiathèque d&#x27;Arles") < html.index("Médiathèque Marcel Pagnol")
    assert html.index("Médiathèque Marcel Pagnol") > html.index("Bibliothèque de l&#x27;Alcazar")


def test_unknown_postcode_is_a_form_error_and_nothing_is_saved(
    logged_in, member, taxonomy, branches
):
    response = logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "99999"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nous ne trouvons pas" in html and "99999" in html
    member.refresh_from_db()
    assert member.commune_insee == ""
    assert member.home_branch is None
    assert not FollowedInterest.objects.filter(user=member).exists()


def test_empty_interests_is_a_form_error(logged_in, member, taxonomy, branches):
    response = logged_in.post(
        reverse("community:onboarding"), {"display_name": "Lou", "place": "Aubagne"}
    )
    assert response.status_code == 200
    assert "Choisissez au moins un centre d’intérêt" in response.content.decode()
    member.refresh_from_db()
    assert member.commune_insee == ""


def test_unknown_interest_id_is_a_form_error(logged_in, member, taxonomy, branches):
    response = logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": ["999999"], "place": "Aubagne"},
    )
    assert response.status_code == 200
    assert not FollowedInterest.objects.filter(user=member).exists()


def test_missing_branch_choice_is_a_form_error(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Aubagne"},
    )
    response = logged_in.post(reverse("community:onboarding_branch"), {"branch": "not-a-number"})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.onboarded_at is None


def test_step_two_requires_step_one(logged_in):
    response = logged_in.get(reverse("community:onboarding_branch"))
    assert response.status_code == 302
    assert response["Location"] == reverse("community:onboarding")


def test_far_away_member_is_told_and_can_still_pick(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Lille"},
    )
    html = logged_in.get(reverse("community:onboarding_branch")).content.decode()
    assert "Aucune médiathèque du réseau n’est à moins de 30 km de Lille" in html
    response = logged_in.post(
        reverse("community:onboarding_branch"), {"branch": branches["alcazar"].pk}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.home_branch == branches["alcazar"]


def test_autocomplete_choice_is_honoured(logged_in, member, taxonomy, branches):
    # "Marseille 13008" typed, the combobox chose the 8th arrondissement precisely.
    logged_in.post(
        reverse("community:onboarding"),
        {
            "display_name": "Lou",
            "interests": [taxonomy["sf"].pk],
            "place": "Marseille 8e Arrondissement (13008)",
            "insee": "13208",
        },
    )
    member.refresh_from_db()
    assert member.commune_insee == "13208"


def test_profile_edits_everything_later(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Aubagne"},
    )
    logged_in.post(reverse("community:onboarding_branch"), {"branch": branches["aubagne"].pk})
    response = logged_in.post(
        reverse("community:profile"),
        {
            "display_name": "Camille R.",
            "interests": [taxonomy["manga"].pk, taxonomy["fantasy"].pk],
            "place": "Arles",
            "branch": branches["arles"].pk,
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Camille R."
    assert member.commune_name == "Arles"
    assert member.home_branch == branches["arles"]
    assert set(member.interests.all()) == {taxonomy["manga"], taxonomy["fantasy"]}


def test_profile_bad_place_keeps_saved_data(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Aubagne"},
    )
    logged_in.post(reverse("community:onboarding_branch"), {"branch": branches["aubagne"].pk})
    response = logged_in.post(
        reverse("community:profile"),
        {
            "display_name": "X",
            "interests": [taxonomy["manga"].pk],
            "place": "Nullepart-sur-Mer",
            "branch": branches["arles"].pk,
        },
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.commune_name == "Aubagne"
    assert member.display_name == "Lou"  # chosen at onboarding, not changed to "X"
    assert list(member.interests.all()) == [taxonomy["sf"]]


def test_keeping_an_interest_keeps_its_visibility(logged_in, member, taxonomy, branches):
    logged_in.post(
        reverse("community:onboarding"),
        {"display_name": "Lou", "interests": [taxonomy["sf"].pk], "place": "Aubagne"},
    )
    FollowedInterest.objects.filter(user=member).update(is_public=False)
    logged_in.post(
        reverse("community:onboarding"),
        {
            "display_name": "Lou",
            "interests": [taxonomy["sf"].pk, taxonomy["bd"].pk],
            "place": "Aubagne",
        },
    )
    assert FollowedInterest.objects.get(user=member, interest=taxonomy["sf"]).is_public is False
    assert FollowedInterest.objects.get(user=member, interest=taxonomy["bd"]).is_public is True


def test_onboarding_requires_login(client):
    response = client.get(reverse("community:onboarding"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
