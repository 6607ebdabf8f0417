"""`manage.py load_demo`: what it loads, that it is idempotent, that its facts hold together."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import Revision

from cms import geo
from cms.branches import nearest_branch
from cms.models import Branch, Interest
from community.demo import data
from community.models import (
    CommunityIndexPage,
    CommunityPage,
    FollowedInterest,
    Membership,
    User,
)

LARGE_COMMUNES = {"13001", "13004", "13047"}  # Aix-en-Provence, Arles, Istres
MEMBER_EMAILS = [m["email"] for m in data.MEMBERS]
LIBRARIAN_EMAILS = [lib["email"] for lib in data.LIBRARIANS]


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--no-library", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db) -> str:
    return load_demo()


def snapshot() -> dict[str, list]:
    """Primary keys (sorted) of every kind of row the command writes."""
    return {
        "interests": sorted(Interest.objects.values_list("pk", "slug", "parent_id")),
        "branches": sorted(Branch.objects.values_list("pk", "slug")),
        "communities": sorted(CommunityPage.objects.values_list("pk", "slug", "path")),
        "revisions": sorted(Revision.objects.values_list("pk", flat=True)),
        "users": sorted(User.objects.values_list("pk", "email", "home_branch_id")),
        "email_addresses": sorted(EmailAddress.objects.values_list("pk", "email")),
        "followed": sorted(FollowedInterest.objects.values_list("pk", "user_id", "interest_id")),
        "memberships": sorted(Membership.objects.values_list("pk", "user_id", "community_id")),
        "group_members": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
    }


@pytest.mark.django_db
class TestCounts:
    def test_interest_taxonomy(self, demo):
        expected = len(data.INTERESTS) + sum(len(i["children"]) for i in data.INTERESTS)
        assert expected == 34
        assert Interest.objects.count() == expected
        assert Interest.objects.top_level().count() == 16
        imaginaire = Interest.objects.get(slug="imaginaire")
        assert [c.name for c in imaginaire.children.order_by("position")] == [
            "Science-fiction",
            "Fantasy",
            "Fantastique",
        ]
        assert Interest.objects.get(slug="jazz").label == "Musique › Jazz"
        # Two levels only, a description on every top-level interest, stable positions.
        assert not Interest.objects.filter(parent__parent__isnull=False).exists()
        assert not Interest.objects.top_level().filter(description="").exists()
        top_positions = list(Interest.objects.top_level().values_list("position", flat=True))
        assert top_positions == list(range(1, 17))

    def test_branches(self, demo):
        assert Branch.objects.count() == len(data.BRANCHES) >= 15
        codes = list(Branch.objects.values_list("code", flat=True))
        assert "" not in codes
        assert len(set(codes)) == len(codes)
        alcazar = Branch.objects.get(code="ALC")
        assert (alcazar.name, alcazar.address, alcazar.postcode, alcazar.insee) == (
            "Bibliothèque de l'Alcazar",
            "58 cours Belsunce",
            "13001",
            "13201",
        )
        assert Branch.objects.get(code="MEJ").commune == "Aix-en-Provence"
        # Spread over the department, not only Marseille.
        assert Branch.objects.exclude(commune="Marseille").values("commune").distinct().count() >= 7
        assert Branch.objects.filter(commune="Marseille").values("insee").distinct().count() >= 5

    def test_communities(self, demo):
        index = CommunityIndexPage.objects.get()
        communities = CommunityPage.objects.child_of(index).live()
        assert communities.count() == len(data.COMMUNITIES) >= 8
        assert CommunityPage.objects.count() == len(data.COMMUNITIES)
        for page in communities:
            assert 1 <= page.branches.count() <= 4, page.title
            assert page.interests.exists(), page.title
            assert page.summary and len(page.summary) <= 250
            assert page.description.startswith("<p>")
            assert "lorem" not in page.description.lower()
            assert not page.has_unpublished_changes
        imaginaire = communities.get(slug="voyageurs-de-l-imaginaire")
        assert imaginaire.title == "Les Voyageurs de l'Imaginaire"
        assert set(imaginaire.interests.values_list("slug", flat=True)) == {
            "science-fiction",
            "fantasy",
            "fantastique",
        }
        assert imaginaire.url_path.endswith("/communautes/voyageurs-de-l-imaginaire/")

    def test_people(self, demo):
        assert User.objects.count() == 1 + len(LIBRARIAN_EMAILS) + len(MEMBER_EMAILS) == 8
        assert EmailAddress.objects.filter(verified=True, primary=True).count() == 8
        for user in User.objects.all():
            assert user.username == user.email.split("@")[0]
            assert user.check_password(data.DEMO_PASSWORD), user.email
            assert not user.is_superuser
            assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


@pytest.mark.django_db
def test_second_run_changes_nothing(demo):
    before = snapshot()
    assert len(before["revisions"]) == len(data.COMMUNITIES)
    output = load_demo()
    assert snapshot() == before
    assert "interests: 34 (0 created, 0 updated, 34 unchanged)" in output
    n = len(data.COMMUNITIES)
    assert f"communities: {n} (0 created, 0 updated, {n} unchanged)" in output
    assert "people: 8 (0 created, 0 updated, 8 unchanged)" in output


@pytest.mark.django_db
def test_a_changed_community_is_restored_with_one_new_revision(demo):
    page = CommunityPage.objects.get(slug="club-manga")
    page.summary = "Autre chose."
    page.save_revision().publish()
    page.branches.set([])  # not a revision: a direct change of the live page
    revisions = Revision.objects.count()

    output = load_demo()

    page = CommunityPage.objects.get(slug="club-manga")
    assert page.summary == "Shōnen, shōjo, seinen : le coin des lecteurs et lectrices de manga."
    assert set(page.branches.values_list("slug", flat=True)) == {
        "alcazar",
        "salim-hatubou",
        "marcel-pagnol-aubagne",
    }
    assert Revision.objects.count() == revisions + 1
    n = len(data.COMMUNITIES)
    assert f"communities: {n} (0 created, 1 updated, {n - 1} unchanged)" in output


@pytest.mark.django_db
def test_every_branch_lies_in_its_commune(demo):
    for branch in Branch.objects.all():
        commune = geo.by_insee(branch.insee)
        assert commune is not None, branch.name
        assert commune.department == "13"
        assert branch.postcode in commune.postcodes, branch.name
        if branch.commune == "Marseille":
            assert commune.name.startswith("Marseille ")
        else:
            assert commune.name == branch.commune
        limit = 12 if branch.insee in LARGE_COMMUNES else 6
        distance = geo.haversine_km(branch.latitude, branch.longitude, commune.lat, commune.lon)
        assert distance <= limit, f"{branch.name}: {distance:.1f} km from {commune.name}"


@pytest.mark.django_db
def test_members_are_onboarded_near_home(demo):
    for entry in data.MEMBERS:
        member = User.objects.get(email=entry["email"])
        commune = geo.resolve(entry["commune"])
        assert member.onboarded_at is not None
        assert (member.commune_insee, member.commune_name) == (commune.insee, commune.name)
        assert (member.latitude, member.longitude) == (commune.lat, commune.lon)
        assert 2 <= member.interests.count() <= 4
        assert set(member.interests.values_list("slug", flat=True)) == set(entry["interests"])
        assert member.home_branch == nearest_branch(commune.lat, commune.lon).branch
        joined = CommunityPage.objects.filter(memberships__user=member)
        assert 1 <= joined.count() <= 3
        for community in joined:
            # Each community matches at least one of the member's interests (or their family).
            family = Interest.objects.with_family(member.interests.all())
            assert community.interests.filter(pk__in=family).exists(), community.title

    assert User.objects.get(email="camille.aubagne@affinites.local").home_branch.code == "AUB"
    assert User.objects.get(email="lucas.aix@affinites.local").home_branch.code == "MEJ"
    assert User.objects.get(email="ines.arles@affinites.local").home_branch.code == "ARL"
    assert User.objects.get(email="chloe.laciotat@affinites.local").home_branch.code == "CIO"
    assert User.objects.get(email="yanis.marseille@affinites.local").commune_insee == "13205"


@pytest.mark.django_db
def test_members_have_no_admin_access(demo):
    for email in MEMBER_EMAILS:
        member = User.objects.get(email=email)
        assert not member.is_staff
        assert not member.groups.exists()
        assert not member.has_perm("wagtailadmin.access_admin")


@pytest.mark.django_db
def test_librarians_reach_wagtail_admin_through_their_group(demo):
    librarians = Group.objects.get(name="Bibliothécaires")
    for entry in data.LIBRARIANS:
        librarian = User.objects.get(email=entry["email"])
        assert list(librarian.groups.all()) == [librarians]
        assert librarian.has_perm("wagtailadmin.access_admin")
        assert not librarian.has_perm("cms.change_branch")
        assert librarian.home_branch.slug == entry["branch"]
    assert (
        User.objects.get(email="bibliothecaire.alcazar@affinites.local").home_branch.code == "ALC"
    )


@pytest.mark.django_db
def test_network_admin_reaches_wagtail_admin_through_their_group(demo):
    admin = User.objects.get(email="admin@affinites.local")
    assert list(admin.groups.values_list("name", flat=True)) == ["Administrateurs réseau"]
    assert admin.is_staff and not admin.is_superuser
    assert admin.has_perm("wagtailadmin.access_admin")
    assert admin.has_perm("cms.change_branch")


@pytest.mark.django_db
def test_command_prints_summary_logins_and_url(demo):
    n = len(data.BRANCHES)
    assert f"branches: {n} ({n} created, 0 updated, 0 unchanged)" in demo
    assert "password for all: affinites-demo" in demo
    for email in ["admin@affinites.local", *LIBRARIAN_EMAILS, *MEMBER_EMAILS]:
        assert email in demo
    assert demo.rstrip().splitlines()[-1].startswith("Open http://127.0.0.1:8000")
