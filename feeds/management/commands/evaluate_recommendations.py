"""``manage.py evaluate_recommendations [--dataset generated|demo] [--holdout 0.2]
[--sample 1000] [--variants] [--output var/bench/recommendations.json]``.

Time-based held-out split of the interactions; precision@10, recall@10, catalogue coverage
and novelty of the popularity baseline, the current recommender (interactions only) and
the community recommender (every signal, learned similarities), side by side, in one run
(see :mod:`feeds.recommendations.evaluation`). Prints a table and writes JSON.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from feeds.recommendations.evaluation import evaluate

LABELS = {
    "popularity": "popularité (référence)",
    "interest popularity": "popularité dans les centres d'intérêt",
    "current": "recommandeur actuel",
    "community": "recommandeur communauté",
    "interactions": "interactions",
    "supports": "soutiens",
    "posts": "publications",
    "registrations": "inscriptions",
    "content only": "contenu seul",
    "collaborative only": "collaboratif seul",
}


def _label(name: str) -> str:
    """« community without supports » → « recommandeur communauté sans soutiens »."""
    if name.startswith("community without "):
        return f"{LABELS['community']} sans {LABELS[name.removeprefix('community without ')]}"
    if name.startswith("community "):
        return f"{LABELS['community']}, {LABELS[name.removeprefix('community ')]}"
    return LABELS.get(name, name)


class Command(BaseCommand):
    help = "Evaluate the collection recommender against a popularity baseline (held-out split)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dataset", choices=["generated", "demo"], default="generated")
        parser.add_argument("--holdout", type=float, default=0.2)
        parser.add_argument("--sample", type=int, default=1000, help="Members evaluated at most.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--variants",
            action="store_true",
            help="Also the community recommender without each signal, content-only and "
            "collaborative-only.",
        )
        parser.add_argument(
            "--validation",
            action="store_true",
            help="Split again what happened before the cutoff (for choosing parameters "
            "without looking at the test).",
        )
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "bench" / "recommendations.json"),
        )

    def handle(
        self, *args, dataset, holdout, sample, seed, variants, validation, output, **options
    ):
        if not 0 < holdout < 1:
            raise CommandError("--holdout doit être entre 0 et 1 (exclus).")
        if sample < 1:
            raise CommandError("--sample doit être au moins 1.")
        try:
            report = evaluate(
                dataset,
                holdout=holdout,
                sample=sample,
                seed=seed,
                variants=variants,
                validation=validation,
            )
        except ValueError as exc:
            hint = (
                "lancez d'abord `manage.py generate_dataset`"
                if dataset == "generated"
                else "les comptes de démonstration n'ont pas d'historique d'interactions"
            )
            raise CommandError(f"Pas assez d'interactions à évaluer ({dataset}) : {hint}.") from exc
        self.stdout.write(
            f"Jeu « {report['dataset']} » : {report['interactions']} interactions, coupure au "
            f"{report['cutoff']} ({int(report['holdout'] * 100)} % les plus récentes en test), "
            f"{report['members_evaluated']} membres évalués sur {report['members_with_new_items']}, "
            f"{report['catalogue_items']} documents au catalogue."
        )
        k = report["k"]
        self.stdout.write(
            "Signaux avant la coupure : "
            + ", ".join(
                f"{LABELS.get(name, name)} {count}"
                for name, count in report["signals_before_cutoff"].items()
            )
            + f" ; modèle appris en {report['training_seconds']} s "
            f"({report['item_neighbours']} voisins)."
        )
        d = report["diagnostics"]
        self.stdout.write(
            f"Membres évalués : {d['history_items_median']} documents avant la coupure "
            f"(médiane), {d['members_without_history']:.0%} sans aucun ; "
            f"{d['new_items_per_member']} nouveaux documents chacun, dont "
            f"{d['new_items_in_network_top_10']:.0%} parmi les 10 plus populaires du réseau "
            f"et {d['new_items_in_network_top_100']:.0%} parmi les 100."
        )
        header = (
            f"{'':<46} {f'precision@{k}':>13} {f'recall@{k}':>10} {'couverture':>11} "
            f"{'nouveauté':>10} {'hit rate':>9} {'ms/membre':>10}"
        )
        self.stdout.write(header)
        for row in report["rows"]:
            self.stdout.write(
                f"{_label(row['name']):<46} {row['precision']:>13.4f} {row['recall']:>10.4f} "
                f"{row['coverage']:>11.4f} {row['novelty']:>10.2f} {row['hit_rate']:>9.4f} "
                f"{row['ms_per_member']:>10.2f}"
            )
        baselines = {row["name"]: row["recall"] for row in report["rows"][:2]}
        for row in report["rows"][1:]:
            ratios = [
                f"× {row['recall'] / recall:.2f} par rapport à la {label}"
                for name, label in (
                    ("popularity", "popularité"),
                    ("interest popularity", "popularité dans les centres d'intérêt"),
                )
                if name != row["name"] and (recall := baselines.get(name))
            ]
            if ratios:
                self.stdout.write(f"{_label(row['name'])} : rappel " + ", ".join(ratios))
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.stdout.write(f"JSON écrit dans {path}")
