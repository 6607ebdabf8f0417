"""evaluate_recommendations on a small generated dataset: the popularity baseline, the
current and the community recommenders side by side, figures in range."""

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


def test_evaluation_prints_the_three_recommenders_side_by_side_and_writes_json(tmp_path, capsys):
    summary = generate_dataset(
        DatasetSize(members=80, items=400, events=0, announcements=0, interactions=2500, seed=3),
        anchor=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert summary["counts"]["suggestion_supports"] > 0 and summary["counts"]["posts"] > 0
    output = tmp_path / "recommendations.json"

    call_command(
        "evaluate_recommendations", "--sample", "40", "--variants", "--output", str(output)
    )

    printed = capsys.readouterr().out
    for label in (
        "popularité (référence)",
        "popularité dans les centres d'intérêt",
        "recommandeur actuel",
        "recommandeur communauté",
    ):
        assert label in printed
    assert "recommandeur communauté sans soutiens" in printed
    for column in ("precision@10", "recall@10", "couverture", "nouveauté"):
        assert column in printed
    report = json.loads(output.read_text())
    names = [row["name"] for row in report["rows"]]
    assert names[:4] == ["popularity", "interest popularity", "current", "community"]
    assert {f"community without {s}" for s in ("supports", "posts", "registrations")} <= set(names)
    assert report["members_evaluated"] == 40
    assert report["signals_before_cutoff"]["supports"] > 0
    assert report["item_neighbours"] > 0
    diagnostics = report["diagnostics"]
    assert diagnostics["new_items_per_member"] >= 1
    assert 0 <= diagnostics["members_without_history"] <= 1
    assert diagnostics["new_items_in_network_top_10"] >= 0
    assert diagnostics["new_items_in_network_top_10"] <= diagnostics["new_items_in_network_top_100"]
    assert "parmi les 10 plus populaires du réseau" in printed
    for row in report["rows"]:
        for metric in ("precision", "recall", "coverage", "hit_rate"):
            assert 0 <= row[metric] <= 1
        assert row["novelty"] > 0
    popularity, by_interest, current, community = report["rows"][:4]
    assert by_interest["coverage"] > popularity["coverage"]  # one list per set of interests
    assert "par rapport à la popularité dans les centres d'intérêt" in printed
    # Personalised suggestions cover more of the catalogue than one list for everyone, and
    # are less obvious.
    assert current["coverage"] > popularity["coverage"]
    assert community["coverage"] > popularity["coverage"]
    assert community["novelty"] > popularity["novelty"]
    assert community["precision"] > 0

    # --validation splits again what came before the test cutoff: the same split made
    # earlier, nothing after the test cutoff read.
    checked = tmp_path / "validation.json"
    call_command(
        "evaluate_recommendations", "--sample", "20", "--validation", "--output", str(checked)
    )
    validation = json.loads(checked.read_text())
    assert validation["validation"] and not report["validation"]
    assert validation["cutoff"] < report["cutoff"]
    assert validation["interactions"] < report["interactions"]


def test_evaluation_without_interactions_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="generate_dataset"):
        call_command("evaluate_recommendations", "--output", str(tmp_path / "r.json"))
    with pytest.raises(CommandError, match="historique"):
        call_command(
            "evaluate_recommendations", "--dataset", "demo", "--output", str(tmp_path / "r.json")
        )
