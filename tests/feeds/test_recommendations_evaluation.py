"""evaluate_recommendations on a small generated dataset: both rows, figures in [0, 1]."""

import json
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from feeds.dataset import DatasetSize, generate_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_evaluation_prints_recommender_and_popularity_and_writes_json(tmp_path, capsys):
    generate_dataset(
        DatasetSize(members=80, items=400, events=0, announcements=0, interactions=2500, seed=3),
        anchor=datetime(2026, 11, 1, tzinfo=UTC),
    )
    output = tmp_path / "recommendations.json"

    call_command("evaluate_recommendations", "--sample", "40", "--output", str(output))

    printed = capsys.readouterr().out
    lines = {line.split()[0]: line for line in printed.splitlines() if line.strip()}
    assert "recommender" in lines and "popularity" in lines
    assert "precision@10" in printed and "recall@10" in printed and "couverture" in printed
    report = json.loads(output.read_text())
    assert [row["name"] for row in report["rows"]] == ["recommender", "popularity"]
    assert report["members_evaluated"] == 40
    for row in report["rows"]:
        for metric in ("precision", "recall", "coverage", "hit_rate"):
            assert 0 <= row[metric] <= 1
    recommender, popularity = report["rows"]
    # Personalised suggestions cover more of the catalogue than one list for everyone.
    assert recommender["coverage"] > popularity["coverage"]
    assert recommender["precision"] > 0


def test_evaluation_without_interactions_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="generate_dataset"):
        call_command("evaluate_recommendations", "--output", str(tmp_path / "r.json"))
    with pytest.raises(CommandError, match="historique"):
        call_command(
            "evaluate_recommendations", "--dataset", "demo", "--output", str(tmp_path / "r.json")
        )
