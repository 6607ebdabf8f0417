"""``manage.py train_recommendations [--enqueue]``: learn the item-item similarities of the
collection recommender from the community's signals (:mod:`feeds.recommendations.similarity`)
and replace the stored ones. Run daily by ``run_scheduler`` (``--enqueue``: as a background
task, so the scheduler does not wait for it)."""

import time

from django.core.management.base import BaseCommand

from feeds.recommendations.similarity import store, train
from feeds.tasks import train_recommendations


class Command(BaseCommand):
    help = "Learn the recommender's item-item similarities from the community's signals."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Run as a background task instead."
        )

    def handle(self, *args, enqueue: bool, **options) -> None:
        if enqueue:
            train_recommendations.enqueue()
            self.stdout.write("Entraînement des recommandations mis en file d’attente.")
            return
        started = time.perf_counter()
        model = train()
        written = store(model)
        self.stdout.write(
            f"{len(model.neighbours)} documents, {written} voisins enregistrés en "
            f"{time.perf_counter() - started:.1f} s."
        )
