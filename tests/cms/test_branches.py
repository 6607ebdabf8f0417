import pytest

from cms import geo
from cms.branches import nearest_branch, nearest_branches

pytestmark = pytest.mark.django_db


def test_nearest_branch_by_great_circle_distance(branches):
    aix = geo.resolve("Aix-en-Provence")
    ranked = nearest_branches(aix.lat, aix.lon)
    # Aix → Marseille (≈ 25 km) is nearer than Aix → Aubagne (≈ 27 km) and Arles (≈ 65 km)
    assert [bd.branch.commune for bd in ranked] == ["Marseille", "Aubagne", "Arles"]
    assert 20 < ranked[0].distance_km < 30
    assert ranked[0].is_near and not ranked[-1].is_near


def test_no_branch_at_all(db):
    assert nearest_branch(43.3, 5.4) is None


def test_branch_list_page_sorts_by_distance(client, branches):
    html = client.get("/mediatheques/", {"commune": "13200"}).content.decode()
    assert html.index("Arles") < html.index("Marcel Pagnol")
    html = client.get("/mediatheques/", {"commune": "Nullepart"}).content.decode()
    assert "Nous ne trouvons pas" in html


def test_home_page_shows_branches_near_a_commune(client, branches):
    html = client.get("/", {"commune": "La Ciotat"}).content.decode()
    assert "Médiathèques près de La Ciotat" in html
    assert html.index("Marcel Pagnol") < html.index("Alcazar")
