"""A deterministic generated dataset for benchmarks and the recommender's evaluation.

``generate_dataset(DatasetSize(...))`` adds, on top of the demo taxonomy and branches
(loaded first if missing): catalogue items (``cms.catalogue.generator``, the same records as
``generate_catalogue``), members following 3–10 interests each and living around the
Bouches-du-Rhône branches, events, announcements and members' interactions with items.

Everything generated is marked as such: members' emails end in ``@generated.invalid``
(``GENERATED_EMAIL_DOMAIN``), items' record ids start with ``GEN``, pages' slugs with
``gen-``. The same seed and the same anchor day give the same rows. Running it again while
generated data exists is refused (``DatasetExists``): ``delete_generated()`` removes it.

Interactions are skewed like real ones: a few members are very active (Pareto), items
have a popularity rank, members mostly pick items of the interests they follow, with a
taste for a few "clusters" of related items within each (what co-occurrence can learn),
sometimes what is popular at their branch, sometimes what is popular everywhere;
timestamps spread over the 180 days before the anchor. How concentrated those tastes are is
the ``taste`` model (:class:`TasteModel`: ``shared``, calibrated on the 80/20 rule of
library circulation, or ``classic``, the earlier parameters).

Fast path: rows go in with ``bulk_create`` in batches; pages are built as Wagtail tree
nodes directly (materialised path computed from the parent's last child, base ``Page`` rows
and many-to-many rows by ``bulk_create``, the specific table by ``executemany``: Django's
bulk_create refuses multi-table inherited models; the parent's ``numchild`` updated once). No revisions, search index entries or signals: run ``rebuild_feeds`` afterwards for
feeds, ``update_index`` for search.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from wagtail.models import Page

from cms.catalogue.generator import FORENAMES, SURNAMES, generate_records
from cms.catalogue.importer import record_item_fields
from cms.models import (
    AnnouncementPage,
    Branch,
    CatalogueItem,
    EventIndexPage,
    EventPage,
    Holding,
    Interest,
    NewsIndexPage,
)
from cms.models.library_pages import event_series_key
from community.models import (
    CommunityIndexPage,
    CommunityPage,
    EventRegistration,
    FollowedInterest,
    Interaction,
    Post,
    PurchaseSuggestion,
    SuggestionSupport,
    User,
)
from community.models.posts import ContentStatus
from community.models.suggestions import title_key

GENERATED_EMAIL_DOMAIN = "generated.invalid"
SLUG_PREFIX = "gen-"
HISTORY_DAYS = 180
BATCH = 5000

# Subjects of cms.catalogue.generator → interest slugs of the demo taxonomy.
SUBJECT_INTERESTS = {
    "Science-fiction": "science-fiction",
    "Fantasy": "fantasy",
    "Romans policiers": "polar",
    "Cuisine provençale": "cuisine",
    "Bandes dessinées": "bd-franco-belge",
    "Mangas": "manga",
    "Histoire de Marseille": "histoire-locale",
    "Jardinage": "nature-et-jardinage",
    "Écologie": "nature-et-jardinage",
    "Randonnée": "voyages",
    "Musique classique": "musique-classique",
    "Jazz": "jazz",
    "Cinéma d'animation": "cinema-d-animation",
    "Jeux vidéo": "jeux-video",
    "Astronomie": "sciences",
    "Photographie": "arts-et-photo",
}
EVENT_KINDS = [
    ("Atelier", 90, True),
    ("Club de lecture", 120, False),
    ("Rencontre d'auteur", 90, False),
    ("Projection", 120, False),
    ("Conférence", 90, False),
    ("Heure du conte", 45, True),
    ("Tournoi", 180, True),
    ("Exposition", 240, False),
]
KIND_SHARES = [
    (Interaction.Kind.LIKE, 0.5),
    (Interaction.Kind.INTERESTED, 0.3),
    (Interaction.Kind.RESERVATION_CLICK, 0.2),
]
CLUSTER_SIZE = 25
# The `shared` taste model's skew factor, calibrated on the Trueswell 80/20 figure (see
# TasteModel) before any recommender was measured on it.
CALIBRATED_SKEW = 4.5


@dataclass
class Tastes:
    """What drives a member's interactions, reused for the community signals: their
    (interest, cluster) pairs, the items of each interest in popularity order (clusters are
    slices of CLUSTER_SIZE), and their activity (Pareto weight)."""

    by_member: dict[int, list[tuple[int, int]]]
    interest_lists: dict[int, list[int]]
    activity: dict[int, float]
    # member → weight of each of their tastes (same order); none: all alike.
    weights: dict[int, list[float]] = field(default_factory=dict)

    def cluster(self, interest_id: int, cluster: int) -> list[int]:
        return self.interest_lists[interest_id][
            cluster * CLUSTER_SIZE : (cluster + 1) * CLUSTER_SIZE
        ]

    def pick(self, rng: random.Random, member: int) -> tuple[int, int]:
        """One of the member's (interest, cluster) tastes, by their weights."""
        if member in self.weights:
            return rng.choices(self.by_member[member], self.weights[member])[0]
        return rng.choice(self.by_member[member])


@dataclass(frozen=True)
class TasteModel:
    """How members' tastes are drawn (``generate_dataset --taste``).

    - ``classic``: the earlier generator's parameters: two clusters per interest the
      member follows (and per child of one), drawn with a mild skew towards the interest's
      popular clusters, every interest of the member alike; on the benchmark scale (two
      interactions per item) the most-used 20 % of the items used at all get about 52 % of
      the interactions;
    - ``shared``: the same story with tastes *shared* and use concentrated: every skew
      (of the clusters drawn as tastes, of the popular items of an interest, of the
      branch, of the network) multiplied by `skew`, set (4.5, before any recommender was
      measured on it) so that the most-used 20 % of the items used at all get 80 % of the
      interactions at that scale, as Trueswell measured for library circulation
      (R. W. Trueswell, « Some behavioral patterns of library users: the 80/20 rule »,
      *Wilson Library Bulletin* 43(5), 1969, p. 458–461; reviewed by J. L. Nash,
      *Evidence Based Library and Information Practice* 11(3), 2016, doi:10.18438/B8PG8T);
      and each member has favourite interests: the k-th of their followed interests (in a
      random order) weighs 1/k — an assumption, not a measurement (readers follow several
      subjects but mostly borrow in a few).

    Both keep the members' Pareto activity (α = 1.2: the most active 20 % of the members
    who interact make about 70 % of the interactions; Berelson found a fifth of public
    library borrowers taking out half of the books over two weeks, and more concentration
    over longer periods: B. Berelson, *The Library's Public*, Columbia University Press,
    1949, p. 100).
    """

    name: str
    skew: float
    favourite_interests: bool


TASTE_MODELS = {
    "classic": TasteModel("classic", skew=1.0, favourite_interests=False),
    "shared": TasteModel("shared", skew=CALIBRATED_SKEW, favourite_interests=True),
}


class DatasetExists(RuntimeError):
    """Generated data is already in the database."""


@dataclass
class DatasetSize:
    members: int = 50_000
    items: int = 100_000
    events: int = 5_000
    announcements: int = 10_000
    interactions: int = 200_000
    seed: int = 1
    # Community signals (supports, posts, club registrations), scaled on `interactions`.
    signals: bool = True
    taste: str = "shared"  # a key of TASTE_MODELS


def generated_members() -> models.QuerySet:
    return User.objects.filter(email__endswith="@" + GENERATED_EMAIL_DOMAIN)


def has_generated_data() -> bool:
    return (
        generated_members().exists()
        or CatalogueItem.objects.filter(record_id__startswith="GEN").exists()
        or Page.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    )


def delete_generated() -> dict[str, int]:
    """Remove everything `generate_dataset` made (members, their rows, items, pages)."""
    counts = {}
    with transaction.atomic():
        counts["purchase_suggestions"] = PurchaseSuggestion.objects.filter(
            models.Q(item__record_id__startswith="GEN")
            | models.Q(suggested_by__email__endswith="@" + GENERATED_EMAIL_DOMAIN)
        ).delete()[0]
        counts["interactions"] = Interaction.objects.filter(
            models.Q(member__email__endswith="@" + GENERATED_EMAIL_DOMAIN)
            | models.Q(item__record_id__startswith="GEN")
        ).delete()[0]
        counts["members"] = generated_members().delete()[0]
        pages = Page.objects.filter(slug__startswith=SLUG_PREFIX)
        parents = set()
        for page in pages.only("pk", "path", "depth"):
            parents.add(page.get_parent().pk)
        counts["pages"] = pages.count()
        pages.delete()
        for parent in Page.objects.filter(pk__in=parents):
            Page.objects.filter(pk=parent.pk).update(numchild=parent.get_children().count())
        counts["items"] = CatalogueItem.objects.filter(record_id__startswith="GEN").delete()[0]
    return counts


def _zipf_index(rng: random.Random, size: int, skew: float = 2.5) -> int:
    """An index in range(size), small ones much more likely (popular first)."""
    return min(size - 1, int(size * rng.random() ** skew))


def _ensure_base(say: Callable[[str], None]) -> tuple[list[Branch], dict[str, Interest]]:
    if not Interest.objects.exists() or not Branch.objects.exclude(code="").exists():
        from community.demo.loader import load_branches, load_interests

        say("Taxonomy or branches missing: loading the demo interests and branches.")
        load_interests()
        load_branches()
    branches = list(Branch.objects.exclude(code="").order_by("code"))
    interests = {i.slug: i for i in Interest.objects.order_by("pk")}
    return branches, interests


# --- catalogue --------------------------------------------------------------------------------


def _generate_items(
    count: int, seed: int, branches: list[Branch], interests: dict[str, Interest]
) -> tuple[list[int], dict[int, list[int]], dict[int, list[int]]]:
    """Insert `count` items; returns (ids, ids by interest, ids by branch), in record order."""
    branch_by_code = {b.code: b.pk for b in branches}
    through = CatalogueItem.interests.through
    ids: list[int] = []
    by_interest: dict[int, list[int]] = defaultdict(list)
    by_branch: dict[int, list[int]] = defaultdict(list)
    pending: list = []

    def flush(rows) -> None:
        _insert_rows(CatalogueItem, [record_item_fields(r) for r in rows])
        pks = dict(
            CatalogueItem.objects.filter(record_id__in=[r.record_id for r in rows]).values_list(
                "record_id", "pk"
            )
        )
        holdings, tags = [], []
        for record in rows:
            pk = pks[record.record_id]
            ids.append(pk)
            for n, holding in enumerate(record.holdings):
                branch_id = branch_by_code[holding.branch_code]
                holdings.append(
                    {
                        "item_id": pk,
                        "branch_id": branch_id,
                        "call_number": holding.call_number,
                        "status": holding.status,
                        "sort_order": n,
                    }
                )
                by_branch[branch_id].append(pk)
            slugs = {SUBJECT_INTERESTS.get(s) for s in record.subjects} - {None}
            for slug in sorted(s for s in slugs if s in interests):
                tags.append({"catalogueitem_id": pk, "interest_id": interests[slug].pk})
                by_interest[interests[slug].pk].append(pk)
        _insert_rows(Holding, holdings)
        _insert_rows(through, tags)

    records = generate_records(count, seed=seed, branch_codes=sorted(branch_by_code))
    for record in records:
        pending.append(record)
        if len(pending) >= BATCH:
            flush(pending)
            pending = []
    if pending:
        flush(pending)
    return ids, dict(by_interest), {k: sorted(set(v)) for k, v in by_branch.items()}


# --- members ----------------------------------------------------------------------------------


def _generate_members(
    count: int,
    rng: random.Random,
    branches: list[Branch],
    interests: dict[str, Interest],
    anchor: datetime,
) -> tuple[list[int], dict[int, int | None], dict[int, list[int]]]:
    """Insert members and what they follow; returns (ids, home branch, followed interests)."""
    weights = [3.0 if b.code == "ALC" else 1.0 for b in branches]
    all_interests = list(interests.values())
    # Some interests are much more followed than others (a fixed random order of popularity).
    popularity = all_interests[:]
    rng.shuffle(popularity)
    rows, plan = [], []
    for n in range(1, count + 1):
        branch = rng.choices(branches, weights)[0]
        forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
        has_home = rng.random() < 0.9
        joined = anchor - timedelta(days=HISTORY_DAYS + rng.randrange(400))
        username = f"gen{n:06d}"
        rows.append(
            {
                "password": "!generated",
                "username": username,
                "first_name": forename,
                "last_name": surname,
                "email": f"membre{n:06d}@{GENERATED_EMAIL_DOMAIN}",
                "is_active": True,
                "date_joined": joined,
                "display_name": f"{forename} {surname[0]}.",
                "commune_insee": branch.insee,
                "commune_name": branch.commune,
                "latitude": round(branch.latitude + rng.gauss(0, 0.03), 5),
                "longitude": round(branch.longitude + rng.gauss(0, 0.03), 5),
                "home_branch_id": branch.pk if has_home else None,
                "onboarded_at": joined,
                "handle": username,
                "profile_visibility": User.ProfileVisibility.MEMBERS,
            }
        )
        wanted = rng.randint(3, 10)
        chosen: set[int] = set()
        while len(chosen) < wanted:
            chosen.add(popularity[_zipf_index(rng, len(popularity), 1.6)].pk)
        plan.append((username, sorted(chosen), has_home and branch.pk))
    for start in range(0, len(rows), BATCH):
        _insert_rows(User, rows[start : start + BATCH])
    ids_by_username = dict(
        generated_members().filter(username__in=[p[0] for p in plan]).values_list("username", "pk")
    )
    ids, homes, follows, follow_rows = [], {}, {}, []
    for username, chosen, home in plan:
        pk = ids_by_username[username]
        ids.append(pk)
        homes[pk] = home or None
        follows[pk] = chosen
        follow_rows.extend({"user_id": pk, "interest_id": i, "is_public": True} for i in chosen)
    for start in range(0, len(follow_rows), BATCH * 4):
        _insert_rows(FollowedInterest, follow_rows[start : start + BATCH * 4])
    return ids, homes, follows


# --- pages ------------------------------------------------------------------------------------


def _insert_rows(model: type[models.Model], rows: list[dict]) -> None:
    """bulk_create one instance per dict (attname → value), no pks read back."""
    model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)


def _insert_specific(model: type[Page], rows: list[dict]) -> None:
    """INSERT the specific table rows (page_ptr_id + the model's own columns): plain SQL
    because bulk_create refuses multi-table inherited models."""
    fields = list(model._meta.local_concrete_fields)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = [
        [f.get_db_prep_save(row.get(f.attname, f.get_default()), connection) for f in fields]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def bulk_add_children(
    parent: Page,
    model: type[Page],
    pages: list[dict],
    m2m: dict[str, list[list[int]]],
    rng: random.Random,
) -> list[int]:
    """Append live child pages of `model` under `parent` in bulk; returns their ids.

    `pages`: dicts with title, slug, first_published_at and the model's own fields;
    `m2m`: for each many-to-many field name, one list of target ids per page.
    """
    parent = Page.objects.get(pk=parent.pk)
    last = parent.get_last_child()
    steps = Page.numconv_obj()  # treebeard's path steps: base len(Page.alphabet) numbers
    step = (steps.str2int(last.path[-Page.steplen :]) if last else 0) + 1
    depth = parent.depth + 1
    content_type = ContentType.objects.get_for_model(model)
    page_fields = {f.attname for f in Page._meta.concrete_fields}
    ids: list[int] = []
    for start in range(0, len(pages), BATCH):
        chunk = pages[start : start + BATCH]
        bases = []
        for n, fields in enumerate(chunk):
            published = fields["first_published_at"]
            bases.append(
                Page(
                    title=fields["title"],
                    draft_title=fields["title"],
                    slug=fields["slug"],
                    content_type=content_type,
                    path=parent.path
                    + steps.int2str(step + start + n).rjust(Page.steplen, Page.alphabet[0]),
                    depth=depth,
                    numchild=0,
                    url_path=f"{parent.url_path}{fields['slug']}/",
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=published,
                    last_published_at=published,
                    locale_id=parent.locale_id,
                    translation_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                    seo_title="",
                    search_description="",
                )
            )
        created = Page.objects.bulk_create(bases)
        _insert_specific(
            model,
            [
                {"page_ptr_id": page.pk} | {k: v for k, v in fields.items() if k not in page_fields}
                for page, fields in zip(created, chunk, strict=True)
            ],
        )
        for name, targets in m2m.items():
            through = getattr(model, name).through
            source = f"{model._meta.model_name}_id"
            target = f"{getattr(model, name).field.related_model._meta.model_name}_id"
            _insert_rows(
                through,
                [
                    {source: page.pk, target: value}
                    for page, values in zip(created, targets[start : start + BATCH], strict=True)
                    for value in values
                ],
            )
        ids.extend(page.pk for page in created)
    Page.objects.filter(pk=parent.pk).update(numchild=models.F("numchild") + len(pages))
    return ids


def _interest_pool(interests: dict[str, Interest]) -> list[Interest]:
    return [i for i in interests.values() if i.parent_id] or list(interests.values())


def _generate_events(
    count: int,
    rng: random.Random,
    branches: list[Branch],
    interests: dict[str, Interest],
    anchor: datetime,
) -> list[int]:
    index = EventIndexPage.objects.order_by("path").first()
    if index is None:
        raise RuntimeError("No events index page: run `manage.py migrate` first.")
    pool = _interest_pool(interests)
    pages, tags = [], []
    for n in range(1, count + 1):
        kind, minutes, registration = rng.choice(EVENT_KINDS)
        topic = rng.choice(pool)
        branch = rng.choice(branches)
        day = anchor.date() + timedelta(days=rng.randint(-30, 90))
        start = datetime.combine(day, dtime(rng.choice([10, 14, 15, 17, 18]), 0), UTC)
        title = f"{kind} {topic.name.lower()} ({n})"
        pages.append(
            {
                "title": title,
                "slug": f"{SLUG_PREFIX}evenement-{n:06d}",
                "first_published_at": start - timedelta(days=rng.randint(7, 40)),
                "start": start,
                "end": start + timedelta(minutes=minutes),
                "branch_id": branch.pk,
                "series_key": event_series_key(title, branch.pk),
                "room": "",
                "description": f"<p>{kind} autour de {topic.name.lower()} à {branch.name}.</p>",
                "registration_required": registration,
                "capacity": rng.choice([12, 15, 20, 30]) if registration else None,
                "registration_closes": start - timedelta(hours=2) if registration else None,
                "publish_on_facebook": False,
            }
        )
        extra = [rng.choice(pool).pk] if rng.random() < 0.3 else []
        tags.append(sorted({topic.pk, *extra}))
    return bulk_add_children(index, EventPage, pages, {"interests": tags}, rng)


def _generate_announcements(
    count: int,
    rng: random.Random,
    branches: list[Branch],
    interests: dict[str, Interest],
    anchor: datetime,
) -> list[int]:
    index = NewsIndexPage.objects.order_by("path").first()
    if index is None:
        raise RuntimeError("No news index page: run `manage.py migrate` first.")
    pool = _interest_pool(interests)
    pages, tags, places = [], [], []
    for n in range(1, count + 1):
        topics = rng.sample(pool, rng.randint(1, 3))
        where = rng.sample(branches, rng.choice([0, 1, 1, 2]))
        title = f"Nouveautés {topics[0].name.lower()} ({n})"
        pages.append(
            {
                "title": title,
                "slug": f"{SLUG_PREFIX}actualite-{n:06d}",
                "first_published_at": anchor - timedelta(minutes=rng.randrange(60 * 24 * 60)),
                "intro": f"Les nouveautés {topics[0].name.lower()} arrivent dans les médiathèques.",
                "body": [],
                "publish_on_facebook": False,
            }
        )
        tags.append(sorted(t.pk for t in topics))
        places.append(sorted(b.pk for b in where))
    return bulk_add_children(
        index, AnnouncementPage, pages, {"interests": tags, "branches": places}, rng
    )


# --- interactions -----------------------------------------------------------------------------


def _generate_interactions(
    count: int,
    rng: random.Random,
    members: list[int],
    homes: dict[int, int | None],
    follows: dict[int, list[int]],
    items: list[int],
    by_interest: dict[int, list[int]],
    by_branch: dict[int, list[int]],
    interests: dict[str, Interest],
    anchor: datetime,
    model: TasteModel = TASTE_MODELS["classic"],
) -> tuple[int, Tastes | None, dict[str, float]]:
    if not count or not members or not items:
        return 0, None, {}
    # A fixed popularity order of the items, shared by every list below.
    order = items[:]
    rng.shuffle(order)
    rank = {item_id: r for r, item_id in enumerate(order)}
    interest_lists = {k: sorted(v, key=rank.__getitem__) for k, v in by_interest.items()}
    branch_lists = {k: sorted(v, key=rank.__getitem__) for k, v in by_branch.items()}
    children = defaultdict(list)
    for interest in interests.values():
        if interest.parent_id:
            children[interest.parent_id].append(interest.pk)
    # Members' activity: heavy-tailed.
    activity = [rng.paretovariate(1.2) for _ in members]
    picks = rng.choices(range(len(members)), weights=activity, k=count)
    tastes: dict[int, list[tuple[int, int]]] = {}
    weights: dict[int, list[float]] = {}
    picker = Tastes(tastes, interest_lists, {}, weights)
    kinds = [k for k, _ in KIND_SHARES]
    kind_weights = [w for _, w in KIND_SHARES]
    rows = []
    per_item: dict[int, int] = defaultdict(int)
    for index in picks:
        member = members[index]
        if member not in tastes:
            reachable = []
            for interest_id in follows.get(member, ()):
                for candidate in (interest_id, *children.get(interest_id, ())):
                    if candidate in interest_lists:
                        reachable.append(candidate)
            taste = []
            for interest_id in sorted(set(reachable)):
                clusters = max(1, len(interest_lists[interest_id]) // CLUSTER_SIZE)
                for _ in range(2):
                    taste.append((interest_id, _zipf_index(rng, clusters, 1.5 * model.skew)))
            tastes[member] = taste
            if model.favourite_interests and taste:
                weights[member] = _favourite_weights(rng, follows.get(member, ()), children, taste)
        taste = tastes[member]
        roll = rng.random()
        if taste and roll < 0.45:
            interest_id, cluster = picker.pick(rng, member)
            pool = interest_lists[interest_id][
                cluster * CLUSTER_SIZE : (cluster + 1) * CLUSTER_SIZE
            ]
            item = rng.choice(pool)
        elif taste and roll < 0.70:
            pool = interest_lists[picker.pick(rng, member)[0]]
            item = pool[_zipf_index(rng, len(pool), 2.5 * model.skew)]
        elif homes.get(member) in branch_lists and roll < 0.85:
            pool = branch_lists[homes[member]]
            item = pool[_zipf_index(rng, len(pool), 3.0 * model.skew)]
        else:
            item = order[_zipf_index(rng, len(order), 3.5 * model.skew)]
        per_item[item] += 1
        when = anchor - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))
        rows.append(
            {
                "member_id": member,
                "item_id": item,
                "kind": rng.choices(kinds, kind_weights)[0],
                "post_id": None,
                "created_at": when,
            }
        )
        if len(rows) >= BATCH * 4:
            _insert_rows(Interaction, rows)
            rows = []
    _insert_rows(Interaction, rows)
    per_member: dict[int, int] = defaultdict(int)
    for index in picks:
        per_member[index] += 1
    concentration = {
        "items": top_share(per_item.values()),
        "members": top_share(per_member.values()),
    }
    return (
        count,
        Tastes(tastes, interest_lists, dict(zip(members, activity, strict=True)), weights),
        concentration,
    )


def top_share(counts, top: float = 0.2) -> float:
    """The share of the total made by the `top` fraction of the largest counts (the 80/20
    figure: 0.8 when the most-used 20 % make 80 %)."""
    ordered = sorted(counts, reverse=True)
    total = sum(ordered)
    if not total:
        return 0.0
    return round(sum(ordered[: max(1, round(len(ordered) * top))]) / total, 3)


def _favourite_weights(
    rng: random.Random,
    followed: list[int],
    children: dict[int, list[int]],
    taste: list[tuple[int, int]],
) -> list[float]:
    """Weights of a member's tastes when they have favourite interests: their followed
    interests in a random order, the k-th weighing 1/k, shared by its tastes (its own and
    its children's clusters)."""
    order = list(followed)
    rng.shuffle(order)
    root_weight = {interest_id: 1.0 / k for k, interest_id in enumerate(order, 1)}
    root_of: dict[int, int] = {}
    for interest_id in reversed(order):  # the favourite wins a child followed twice
        for candidate in (interest_id, *children.get(interest_id, ())):
            root_of[candidate] = interest_id
    per_root: dict[int, int] = defaultdict(int)
    for interest_id, _cluster in taste:
        per_root[root_of[interest_id]] += 1
    return [
        root_weight[root_of[interest_id]] / per_root[root_of[interest_id]]
        for interest_id, _cluster in taste
    ]


# --- community signals ------------------------------------------------------------------------
#
# The generative story: the (interest, cluster) tastes that drive a member's interactions
# (above) drive the rest of what they do, with the same activity. They ask the médiathèques
# to buy titles of their tastes and support others' suggestions (« Moi aussi »), which are
# bought 1–4 weeks after the first one; they post about items of their tastes in the
# community of the interest; and they register for club meetings (« club de lecture »,
# « rencontre ») that feature items of their tastes, announced by a post with the event
# and the items three weeks before. Times spread over the same 180 days. Nothing ties a
# signal to a later interaction other than the shared taste: the held-out interactions are
# not copied from the signals.

SUPPORTS_SHARE = 0.15
POSTS_SHARE = 0.10
REGISTRATIONS_SHARE = 0.15


def _insert_raw(model: type[models.Model], rows: list[dict]) -> None:
    """INSERT rows with every column given (auto_now_add dates included, which
    bulk_create would overwrite with now)."""
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                sql,
                [
                    [
                        f.get_db_prep_save(row.get(f.attname, f.get_default()), connection)
                        for f in fields
                    ]
                    for row in rows[start : start + BATCH]
                ],
            )


def _generate_signals(
    size: DatasetSize,
    tastes: Tastes,
    homes: dict[int, int | None],
    branches: list[Branch],
    interests: dict[str, Interest],
    anchor: datetime,
    rng: random.Random,
) -> dict[str, int]:
    members = [m for m in tastes.by_member if tastes.by_member[m]]
    if not members:
        return {}
    weights = [tastes.activity[m] for m in members]
    start_of_history = anchor - timedelta(days=HISTORY_DAYS)

    def draws(share: float) -> list[tuple[int, int, int, int]]:
        """(member, interest, cluster, item) picks, `share` × the interactions."""
        picked = []
        for member in rng.choices(members, weights, k=int(size.interactions * share)):
            interest_id, cluster = tastes.pick(rng, member)
            pool = tastes.cluster(interest_id, cluster)
            picked.append((member, interest_id, cluster, rng.choice(pool)))
        return picked

    def moment(earliest: datetime, latest: datetime) -> datetime:
        span = max(1, int((latest - earliest).total_seconds()))
        return earliest + timedelta(seconds=rng.randrange(span))

    # Purchase suggestions: one per wanted item, its supporters in the weeks before purchase.
    wanted: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for member, interest_id, _cluster, item in draws(SUPPORTS_SHARE):
        if member not in {m for m, _i in wanted[item]}:
            wanted[item].append((member, interest_id))
    titles, authors = {}, {}
    for pk, title, names in CatalogueItem.objects.filter(pk__in=list(wanted)).values_list(
        "pk", "title", "authors"
    ):
        titles[pk], authors[pk] = title, names.split(";")[0].strip()[:200]
    suggestions, timeline = [], {}
    for item in sorted(wanted):
        created = moment(start_of_history, anchor)
        bought = created + timedelta(days=rng.randint(7, 30))
        timeline[item] = (created, bought)
        supporters = wanted[item]
        suggestions.append(
            {
                "title": titles[item],
                "author": authors[item],
                "isbn": "",
                "reason": "",
                "key": title_key(titles[item]),
                "suggested_by_id": supporters[0][0],
                "status": (
                    PurchaseSuggestion.Status.AVAILABLE
                    if bought < anchor
                    else PurchaseSuggestion.Status.ORDERED
                ),
                "refusal_reason": "",
                "item_id": item if bought < anchor else None,
                "merged_into_id": None,
                "created_at": created,
                "status_changed_at": min(bought, anchor),
            }
        )
    _insert_raw(PurchaseSuggestion, suggestions)
    ordered_items = sorted(wanted)
    position = {(row["suggested_by_id"], row["created_at"]): n for n, row in enumerate(suggestions)}
    pk_of = {}
    for pk, by, created in PurchaseSuggestion.objects.filter(
        suggested_by__email__endswith="@" + GENERATED_EMAIL_DOMAIN
    ).values_list("pk", "suggested_by_id", "created_at"):
        if (by, created) in position:
            pk_of[ordered_items[position[(by, created)]]] = pk
    supports, suggestion_interests, suggestion_branches = [], [], []
    for item, supporters in wanted.items():
        if item not in pk_of:
            continue
        created, bought = timeline[item]
        for n, (member, _interest) in enumerate(supporters):
            supports.append(
                {
                    "suggestion_id": pk_of[item],
                    "user_id": member,
                    "created_at": created if n == 0 else moment(created, min(bought, anchor)),
                }
            )
        for interest_id in sorted({i for _m, i in supporters}):
            suggestion_interests.append(
                {"purchasesuggestion_id": pk_of[item], "interest_id": interest_id}
            )
        for branch_id in sorted({homes.get(m) for m, _i in supporters} - {None}):
            suggestion_branches.append(
                {"purchasesuggestion_id": pk_of[item], "branch_id": branch_id}
            )
    _insert_raw(SuggestionSupport, supports)
    _insert_rows(PurchaseSuggestion.interests.through, suggestion_interests)
    _insert_rows(PurchaseSuggestion.branches.through, suggestion_branches)

    # Communities: one per interest that has items, where the posts go.
    index = CommunityIndexPage.objects.order_by("path").first()
    if index is None:
        raise RuntimeError("No communities index page: run `manage.py migrate` first.")
    by_pk = {i.pk: i for i in interests.values()}
    topics = sorted(tastes.interest_lists)
    community_ids = bulk_add_children(
        index,
        CommunityPage,
        [
            {
                "title": f"Communauté {by_pk[t].name.lower()}",
                "slug": f"{SLUG_PREFIX}communaute-{by_pk[t].slug}",
                "first_published_at": start_of_history - timedelta(days=30),
                "description": "",
                "summary": f"Les membres qui aiment {by_pk[t].name.lower()}.",
                "premoderated_posts": 0,
            }
            for t in topics
        ],
        {"interests": [[t] for t in topics]},
        rng,
    )
    community_of = dict(zip(topics, community_ids, strict=True))

    # Club meetings featuring items of one cluster, announced by a post with both cards:
    # librarians choose them from what members like (the taste of a member drawn by
    # activity), as they would from the community's posts and suggestions.
    meetings, featured = [], []
    for n, organiser in enumerate(rng.choices(members, weights, k=max(20, size.events // 5)), 1):
        topic, cluster = tastes.pick(rng, organiser)
        shelf = tastes.cluster(topic, cluster)
        items = rng.sample(shelf, min(2, len(shelf)))
        branch = rng.choice(branches)
        begins = moment(start_of_history + timedelta(days=21), anchor + timedelta(days=30))
        title = f"Club de lecture {by_pk[topic].name.lower()} ({n})"
        meetings.append(
            {
                "title": title,
                "slug": f"{SLUG_PREFIX}club-{n:06d}",
                "first_published_at": begins - timedelta(days=21),
                "start": begins,
                "end": begins + timedelta(minutes=90),
                "branch_id": branch.pk,
                "series_key": event_series_key(title, branch.pk),
                "room": "",
                "description": f"<p>On parle de {by_pk[topic].name.lower()} à {branch.name}.</p>",
                "registration_required": True,
                "capacity": None,
                "registration_closes": begins - timedelta(hours=2),
                "publish_on_facebook": False,
            }
        )
        featured.append((topic, cluster, items, organiser))
    events_index = EventIndexPage.objects.order_by("path").first()
    if events_index is None:
        raise RuntimeError("No events index page: run `manage.py migrate` first.")
    event_ids = bulk_add_children(
        events_index, EventPage, meetings, {"interests": [[f[0]] for f in featured]}, rng
    )
    clubs: dict[tuple[int, int], list[tuple[int, datetime, datetime]]] = defaultdict(list)
    posts = []
    for event_id, meeting, (topic, cluster, items, organiser) in zip(
        event_ids, meetings, featured, strict=True
    ):
        announced = meeting["first_published_at"] + timedelta(hours=1)
        clubs[(topic, cluster)].append((event_id, announced, meeting["start"]))
        if announced >= anchor:
            continue  # announced after the dataset's last day: no post yet
        for item in items:
            posts.append(
                {
                    "community_id": community_of[topic],
                    "author_id": organiser,
                    "body": f"Au prochain club : {meeting['title']}.",
                    "catalogue_item_id": item,
                    "event_id": event_id,
                    "created_at": announced,
                    "published_at": announced,
                }
            )

    # Posts about items of the author's tastes.
    for member, interest_id, _cluster, item in draws(POSTS_SHARE):
        when = moment(start_of_history, anchor)
        posts.append(
            {
                "community_id": community_of[interest_id],
                "author_id": member,
                "body": "Un coup de cœur à partager.",
                "catalogue_item_id": item,
                "event_id": None,
                "created_at": when,
                "published_at": when,
            }
        )
    for post in posts:
        post |= {"image": "", "image_alt": "", "status": ContentStatus.PUBLISHED, "held_reason": ""}
    _insert_raw(Post, posts)

    # Registrations to the club meetings of the member's tastes.
    registrations: dict[tuple[int, int], datetime] = {}
    for member, interest_id, cluster, _item in draws(REGISTRATIONS_SHARE):
        options = clubs.get((interest_id, cluster))
        if not options:
            continue
        event_id, announced, begins = rng.choice(options)
        if announced >= anchor or (event_id, member) in registrations:
            continue
        registrations[(event_id, member)] = moment(announced, min(begins, anchor))
    _insert_raw(
        EventRegistration,
        [
            {
                "event_id": event_id,
                "user_id": member,
                "status": EventRegistration.Status.CONFIRMED,
                "created_at": when,
                "updated_at": when,
            }
            for (event_id, member), when in sorted(registrations.items())
        ],
    )
    return {
        "purchase_suggestions": len(suggestions),
        "suggestion_supports": len(supports),
        "communities": len(community_ids),
        "club_events": len(event_ids),
        "posts": len(posts),
        "registrations": len(registrations),
    }


# --- entry point ------------------------------------------------------------------------------


def default_anchor() -> datetime:
    """Midnight UTC today: runs on the same day give the same rows."""
    return datetime.combine(timezone.now().date(), dtime(0, 0), UTC)


def generate_dataset(
    size: DatasetSize,
    anchor: datetime | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> dict:
    """Generate the dataset; returns counts and seconds per step. Refuses if one exists."""
    if has_generated_data():
        raise DatasetExists(
            "Generated data is already in the database (emails @generated.invalid, "
            "GEN… records, gen-… pages)."
        )
    anchor = anchor or default_anchor()
    rng = random.Random(size.seed)
    timings: dict[str, float] = {}

    def step(name: str, fn):
        started = time.perf_counter()
        with transaction.atomic():
            result = fn()
        timings[name] = round(time.perf_counter() - started, 2)
        say(f"  {name}: {timings[name]} s")
        return result

    branches, interests = _ensure_base(say)
    items, by_interest, by_branch = step(
        "items", lambda: _generate_items(size.items, size.seed, branches, interests)
    )
    members, homes, follows = step(
        "members",
        lambda: _generate_members(size.members, rng, branches, interests, anchor),
    )
    events = step("events", lambda: _generate_events(size.events, rng, branches, interests, anchor))
    announcements = step(
        "announcements",
        lambda: _generate_announcements(size.announcements, rng, branches, interests, anchor),
    )
    interactions, tastes, concentration = step(
        "interactions",
        lambda: _generate_interactions(
            size.interactions,
            rng,
            members,
            homes,
            follows,
            items,
            by_interest,
            by_branch,
            interests,
            anchor,
            TASTE_MODELS[size.taste],
        ),
    )
    signals = {}
    if tastes is not None and size.signals:
        signals = step(
            "community signals",
            lambda: _generate_signals(
                size, tastes, homes, branches, interests, anchor, random.Random(size.seed + 1)
            ),
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load
    return {
        "counts": {
            "members": len(members),
            "followed_interests": sum(len(v) for v in follows.values()),
            "items": len(items),
            "events": len(events),
            "announcements": len(announcements),
            "interactions": interactions,
            **signals,
        },
        "seconds": timings,
        "anchor": anchor.isoformat(),
        "seed": size.seed,
        "taste": size.taste,
        # Share of the interactions made by the most-used 20 % of the items used at all,
        # and by the most active 20 % of the members who interact.
        "top_20_percent_share": concentration,
    }
