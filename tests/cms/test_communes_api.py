import pytest

pytestmark = pytest.mark.django_db


def test_returns_at_most_ten_communes_with_nearest_branch(client, branches):
    response = client.get("/api/communes/", {"q": "saint"})
    assert response.status_code == 200
    data = response.json()
    assert 1 <= len(data) <= 10
    first = data[0]
    assert set(first) == {"insee", "name", "postcodes", "lat", "lon", "nearest_branch"}
    assert set(first["nearest_branch"]) == {"name", "slug", "distance_km"}


def test_postcode_query(client, branches):
    data = client.get("/api/communes/", {"q": "13400"}).json()
    assert data[0]["name"] == "Aubagne"
    assert data[0]["insee"] == "13005"
    assert data[0]["nearest_branch"]["name"] == "Médiathèque Marcel Pagnol"
    assert data[0]["nearest_branch"]["distance_km"] < 1


def test_accent_and_case_insensitive(client, branches):
    names = [c["name"] for c in client.get("/api/communes/", {"q": "salon de prov"}).json()]
    assert "Salon-de-Provence" in names


def test_no_branch_means_null_nearest(client, db):
    data = client.get("/api/communes/", {"q": "Arles"}).json()
    assert data[0]["nearest_branch"] is None


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 2000}])
def test_bad_input_is_a_400_with_a_reason(client, db, params):
    response = client.get("/api/communes/", params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_no_match_is_an_empty_list(client, db):
    response = client.get("/api/communes/", {"q": "zzqqxx"})
    assert response.status_code == 200
    assert response.json() == []
